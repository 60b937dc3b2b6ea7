/* Configuration from the environment: profiles, the JWT secret, limits, CORS origins. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

#define SECRET_40 "0123456789abcdef0123456789abcdef01234567"
#define SECRET_16 "0123456789abcdef"

static const char *const config_vars[] = {
	"APP_ENV",
	"DATABASE_URL",
	"JWT_SECRET",
	"JWT_SECRET_FILE",
	"ACCESS_TOKEN_EXPIRE_MINUTES",
	"BCRYPT_COST",
	"ALLOW_ADMIN_REGISTRATION",
	"CORS_ORIGINS",
	"TASKAPI_WORKERS",
	"TASKAPI_LOG_FILE",
	"TASKAPI_SQL_DIR",
	"DB_CONNECT_TIMEOUT",
	"DB_RETRY_AFTER",
};

static struct config c;
static char err[512];

static int clean_env(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof config_vars / sizeof *config_vars; i++)
		unsetenv(config_vars[i]);
	memset(&c, 0, sizeof c);
	err[0] = '\0';
	return 0;
}

static int free_config(void **state)
{
	(void)state;
	free(c.jwt_secret);
	c.jwt_secret = NULL;
	return 0;
}

static int load(void)
{
	free(c.jwt_secret);
	c.jwt_secret = NULL;
	err[0] = '\0';
	return config_load(&c, err, sizeof err);
}

/* Writes content to a new temporary file; its path goes to path. */
static void temp_file(const char *content, char path[64])
{
	strcpy(path, "/tmp/taskapi-unit-secret-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	size_t n = strlen(content);
	assert_int_equal(write(fd, content, n), (ssize_t)n);
	close(fd);
}

/* ==== Profiles and the secret ==== */

static void test_production_without_secret_bad_refused(void **state)
{
	(void)state;
	assert_int_equal(load(), -1);
	assert_int_equal(c.development, 0);
	assert_true(strlen(err) > 0);
	assert_non_null(strstr(err, "JWT_SECRET"));
}

static void test_explicit_production_without_secret_bad_refused(void **state)
{
	(void)state;
	setenv("APP_ENV", "production", 1);
	assert_int_equal(load(), -1);
	assert_true(strlen(err) > 0);
}

static void test_production_short_secret_bad_refused(void **state)
{
	(void)state;
	setenv("JWT_SECRET", SECRET_16, 1);
	assert_int_equal(load(), -1);
	assert_true(strlen(err) > 0);
}

static void test_production_40_byte_secret_accepted(void **state)
{
	(void)state;
	setenv("JWT_SECRET", SECRET_40, 1);
	assert_int_equal(load(), 0);
	assert_int_equal(c.development, 0);
	assert_int_equal(c.jwt_secret_len, 40);
	assert_memory_equal(c.jwt_secret, SECRET_40, 40);
}

static void test_production_32_byte_secret_accepted(void **state)
{
	(void)state;
	setenv("JWT_SECRET", "0123456789abcdef0123456789abcdef", 1);
	assert_int_equal(load(), 0);
	setenv("JWT_SECRET", "0123456789abcdef0123456789abcde", 1);
	assert_int_equal(load(), -1);
}

static void test_production_with_development_secret_bad_refused(void **state)
{
	(void)state;
	/* The development default is long enough, yet never valid elsewhere. */
	setenv("APP_ENV", "development", 1);
	assert_int_equal(load(), 0);
	char dev_secret[128];
	snprintf(dev_secret, sizeof dev_secret, "%.*s", (int)c.jwt_secret_len, (char *)c.jwt_secret);
	setenv("APP_ENV", "production", 1);
	setenv("JWT_SECRET", dev_secret, 1);
	assert_int_equal(load(), -1);
}

static void test_development_without_secret_uses_default(void **state)
{
	(void)state;
	setenv("APP_ENV", "development", 1);
	assert_int_equal(load(), 0);
	assert_int_equal(c.development, 1);
	assert_non_null(c.jwt_secret);
	assert_true(c.jwt_secret_len > 0);
	assert_int_equal(strlen((char *)c.jwt_secret), c.jwt_secret_len);
}

static void test_development_keeps_given_secret(void **state)
{
	(void)state;
	setenv("APP_ENV", "development", 1);
	setenv("JWT_SECRET", "short", 1);
	assert_int_equal(load(), 0);
	assert_int_equal(c.jwt_secret_len, 5);
	assert_memory_equal(c.jwt_secret, "short", 5);
}

static void test_unknown_profile_is_not_development(void **state)
{
	(void)state;
	setenv("APP_ENV", "staging", 1);
	assert_int_equal(load(), -1);
	setenv("APP_ENV", "Development", 1);
	assert_int_equal(load(), -1);
	assert_int_equal(c.development, 0);
}

static void test_secret_file_read_and_newline_stripped(void **state)
{
	(void)state;
	char path[64];
	temp_file(SECRET_40 "\n", path);
	setenv("JWT_SECRET_FILE", path, 1);
	assert_int_equal(load(), 0);
	assert_int_equal(c.jwt_secret_len, 40);
	assert_memory_equal(c.jwt_secret, SECRET_40, 40);
	unlink(path);
}

static void test_secret_file_crlf_stripped(void **state)
{
	(void)state;
	char path[64];
	temp_file(SECRET_40 "\r\n", path);
	setenv("JWT_SECRET_FILE", path, 1);
	assert_int_equal(load(), 0);
	assert_int_equal(c.jwt_secret_len, 40);
	unlink(path);
}

static void test_secret_file_wins_over_variable(void **state)
{
	(void)state;
	char path[64];
	temp_file(SECRET_40, path);
	setenv("JWT_SECRET_FILE", path, 1);
	setenv("JWT_SECRET", "ffffffffffffffffffffffffffffffffffffffffffff", 1);
	assert_int_equal(load(), 0);
	assert_memory_equal(c.jwt_secret, SECRET_40, 40);
	unlink(path);
}

static void test_secret_file_short_bad_refused(void **state)
{
	(void)state;
	char path[64];
	temp_file(SECRET_16 "\n", path);
	setenv("JWT_SECRET_FILE", path, 1);
	assert_int_equal(load(), -1);
	unlink(path);
}

static void test_secret_file_missing_bad_refused(void **state)
{
	(void)state;
	setenv("JWT_SECRET_FILE", "/nonexistent/taskapi-secret", 1);
	setenv("JWT_SECRET", SECRET_40, 1);
	assert_int_equal(load(), -1);
	assert_non_null(strstr(err, "/nonexistent/taskapi-secret"));
}

/* ==== Integer settings ==== */

static void test_defaults(void **state)
{
	(void)state;
	setenv("JWT_SECRET", SECRET_40, 1);
	assert_int_equal(load(), 0);
	assert_int_equal(c.token_ttl, 30 * 60);
	assert_int_equal(c.bcrypt_cost, 12);
	assert_true(c.workers >= 1);
	assert_string_equal(c.cors_origins, "http://localhost:3000,http://localhost:5173");
	assert_string_equal(c.database_url, "");
}

static void test_token_ttl_in_minutes(void **state)
{
	(void)state;
	setenv("JWT_SECRET", SECRET_40, 1);
	setenv("ACCESS_TOKEN_EXPIRE_MINUTES", "5", 1);
	assert_int_equal(load(), 0);
	assert_int_equal(c.token_ttl, 300);
}

static void test_bcrypt_cost_3_bad_refused(void **state)
{
	(void)state;
	setenv("JWT_SECRET", SECRET_40, 1);
	setenv("BCRYPT_COST", "3", 1);
	assert_int_equal(load(), -1);
	assert_non_null(strstr(err, "BCRYPT_COST"));
}

static void test_bcrypt_cost_bounds(void **state)
{
	(void)state;
	setenv("JWT_SECRET", SECRET_40, 1);
	setenv("BCRYPT_COST", "4", 1);
	assert_int_equal(load(), 0);
	assert_int_equal(c.bcrypt_cost, 4);
	setenv("BCRYPT_COST", "31", 1);
	assert_int_equal(load(), 0);
	setenv("BCRYPT_COST", "32", 1);
	assert_int_equal(load(), -1);
}

static void test_non_integer_setting_bad_refused(void **state)
{
	(void)state;
	setenv("JWT_SECRET", SECRET_40, 1);
	setenv("BCRYPT_COST", "12abc", 1);
	assert_int_equal(load(), -1);
	setenv("BCRYPT_COST", "12", 1);
	setenv("ACCESS_TOKEN_EXPIRE_MINUTES", "0", 1);
	assert_int_equal(load(), -1);
	setenv("ACCESS_TOKEN_EXPIRE_MINUTES", "ten", 1);
	assert_int_equal(load(), -1);
	setenv("ACCESS_TOKEN_EXPIRE_MINUTES", "99999999999999999999999", 1);
	assert_int_equal(load(), -1);
}

/* ==== Admin registration ==== */

static void test_admin_registration_default_on_in_development(void **state)
{
	(void)state;
	setenv("APP_ENV", "development", 1);
	assert_int_equal(load(), 0);
	assert_int_equal(c.allow_admin_registration, 1);
}

static void test_admin_registration_default_off_in_production(void **state)
{
	(void)state;
	setenv("JWT_SECRET", SECRET_40, 1);
	assert_int_equal(load(), 0);
	assert_int_equal(c.allow_admin_registration, 0);
}

static void test_admin_registration_explicit(void **state)
{
	(void)state;
	setenv("JWT_SECRET", SECRET_40, 1);
	setenv("ALLOW_ADMIN_REGISTRATION", "true", 1);
	assert_int_equal(load(), 0);
	assert_int_equal(c.allow_admin_registration, 1);
	setenv("APP_ENV", "development", 1);
	setenv("ALLOW_ADMIN_REGISTRATION", "0", 1);
	assert_int_equal(load(), 0);
	assert_int_equal(c.allow_admin_registration, 0);
}

/* ==== CORS origins ==== */

static void test_origin_default_list(void **state)
{
	(void)state;
	setenv("JWT_SECRET", SECRET_40, 1);
	assert_int_equal(load(), 0);
	assert_int_equal(config_origin_allowed(&c, "http://localhost:3000"), 1);
	assert_int_equal(config_origin_allowed(&c, "http://localhost:5173"), 1);
}

static void test_origin_not_listed_bad_refused(void **state)
{
	(void)state;
	setenv("JWT_SECRET", SECRET_40, 1);
	assert_int_equal(load(), 0);
	assert_int_equal(config_origin_allowed(&c, "http://evil.example"), 0);
	assert_int_equal(config_origin_allowed(&c, "http://localhost:300"), 0);
	assert_int_equal(config_origin_allowed(&c, "http://localhost:30000"), 0);
	assert_int_equal(config_origin_allowed(&c, "https://localhost:3000"), 0);
	assert_int_equal(config_origin_allowed(&c, "http://localhost:3000,http://localhost:5173"), 0);
	assert_int_equal(config_origin_allowed(&c, ""), 0);
	assert_int_equal(config_origin_allowed(&c, NULL), 0);
}

static void test_origin_wildcard(void **state)
{
	(void)state;
	setenv("JWT_SECRET", SECRET_40, 1);
	setenv("CORS_ORIGINS", "*", 1);
	assert_int_equal(load(), 0);
	assert_int_equal(config_origin_allowed(&c, "http://anything.example"), 1);
	assert_int_equal(config_origin_allowed(&c, "http://localhost:3000"), 1);
	assert_int_equal(config_origin_allowed(&c, NULL), 0);
}

static void test_origin_list_with_spaces(void **state)
{
	(void)state;
	setenv("JWT_SECRET", SECRET_40, 1);
	setenv("CORS_ORIGINS", " https://a.example , https://b.example,", 1);
	assert_int_equal(load(), 0);
	assert_int_equal(config_origin_allowed(&c, "https://a.example"), 1);
	assert_int_equal(config_origin_allowed(&c, "https://b.example"), 1);
	assert_int_equal(config_origin_allowed(&c, "https://c.example"), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, clean_env, free_config)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_production_without_secret_bad_refused),
		T(test_explicit_production_without_secret_bad_refused),
		T(test_production_short_secret_bad_refused),
		T(test_production_40_byte_secret_accepted),
		T(test_production_32_byte_secret_accepted),
		T(test_production_with_development_secret_bad_refused),
		T(test_development_without_secret_uses_default),
		T(test_development_keeps_given_secret),
		T(test_unknown_profile_is_not_development),
		T(test_secret_file_read_and_newline_stripped),
		T(test_secret_file_crlf_stripped),
		T(test_secret_file_wins_over_variable),
		T(test_secret_file_short_bad_refused),
		T(test_secret_file_missing_bad_refused),
		T(test_defaults),
		T(test_token_ttl_in_minutes),
		T(test_bcrypt_cost_3_bad_refused),
		T(test_bcrypt_cost_bounds),
		T(test_non_integer_setting_bad_refused),
		T(test_admin_registration_default_on_in_development),
		T(test_admin_registration_default_off_in_production),
		T(test_admin_registration_explicit),
		T(test_origin_default_list),
		T(test_origin_not_listed_bad_refused),
		T(test_origin_wildcard),
		T(test_origin_list_with_spaces),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
