/*
 * The session handlers (src/handlers_auth.c: login, refresh, logout; src/handlers_users.c:
 * the password change), the database answered by the harness.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "auth.h"
#include "config.h"
#include "crypto.h"
#include "handler_test.h"
#include "rows.h"
#include "words.h"

#define LOGIN_BODY "{\"username\":\"ada\",\"password\":\"Secret123\"}"
#define WRONG_BODY "{\"username\":\"ada\",\"password\":\"Wrong1234\"}"

static char ada_hash[PASSWORD_HASH_MAX]; /* bcrypt of "Secret123" */

static int group_setup(void **state)
{
	if (ht_group_setup(state) != 0)
		return -1;
	return password_hash("Secret123", cfg.bcrypt_cost, ada_hash);
}

static void assert_401(const char *detail)
{
	assert_int_equal(ht_status(), 401);
	assert_string_equal(ht_header("WWW-Authenticate"), "Bearer");
	assert_string_equal(ht_detail(), detail);
}

/* The login row of ada (user 7), active, with locked (seconds left, or NULL). */
static PGresult *login_row(const char *active, const char *locked)
{
	PGresult *r = ht_result(STMT_LOGIN, 1);
	ht_set(r, 0, LOGIN_ID, "7");
	ht_set(r, 0, LOGIN_USERNAME, "ada");
	ht_set(r, 0, LOGIN_ROLE, ROLE_USER);
	ht_set(r, 0, LOGIN_ACTIVE, active);
	ht_set(r, 0, LOGIN_HASH, ada_hash);
	ht_set(r, 0, LOGIN_LOCKED, locked);
	return r;
}

static PGresult *one_value(enum stmt_id id, const char *value)
{
	PGresult *r = ht_result(id, 1);
	ht_set(r, 0, 0, value);
	return r;
}

/* A token pair answer: the access token is user_id's for session sid; the refresh token
   is the one whose SHA-256 statement n was given as parameter i. */
static void tokens_check(long long user_id, long long sid, int n, int i)
{
	assert_int_equal(ht_status(), 200);
	assert_string_equal(ht_header("Cache-Control"), "no-store");
	struct json_object *o = ht_json();
	assert_int_equal(json_object_object_length(o), 4);
	assert_string_equal(ht_str(o, "token_type"), "bearer");
	assert_int_equal(ht_int(o, "expires_in"), cfg.token_ttl);
	struct token_claims claims;
	assert_int_equal(auth_token_check(ht_str(o, "access_token"), cfg.jwt_keys, cfg.jwt_key_count,
	                                  (long long)time(NULL), &claims),
	                 TOKEN_OK);
	assert_int_equal(claims.user_id, user_id);
	assert_int_equal(claims.sid, sid);
	const char *refresh = ht_str(o, "refresh_token");
	assert_true(refresh_token_valid(refresh));
	char hash[SHA256_HEX_LEN + 1];
	crypto_sha256_hex(refresh, REFRESH_TOKEN_LEN, hash);
	assert_string_equal(ht_param(n, i), hash);
}

/* ==== POST /auth/login ==== */

static void login_answers_a_token_pair(void **state)
{
	(void)state;
	ht_expect(STMT_LOGIN, DB_OK, login_row("t", NULL), NULL);
	ht_expect(STMT_SESSION_CREATE, DB_OK, one_value(STMT_SESSION_CREATE, "42"), NULL);
	ht_call(HTTP_POST, "/api/v1/auth/login", LOGIN_BODY, NULL);
	tokens_check(7, 42, 1, 2);
	assert_string_equal(ht_param(0, 0), "ada");
	assert_string_equal(ht_param(1, 0), "7");
	assert_string_equal(ht_param(1, 1), "ada");
	char ttl[24];
	snprintf(ttl, sizeof ttl, "%lld", cfg.refresh_ttl);
	assert_string_equal(ht_param(1, 3), ttl);
}

static void login_with_wrong_password_is_401_and_counted(void **state)
{
	(void)state;
	ht_expect(STMT_LOGIN, DB_OK, login_row("t", NULL), NULL);
	ht_expect(STMT_LOGIN_FAILED, DB_OK, one_value(STMT_LOGIN_FAILED, "1"), NULL);
	ht_call(HTTP_POST, "/api/v1/auth/login", WRONG_BODY, NULL);
	assert_401("Incorrect username or password");
	assert_string_equal(ht_param(1, 0), "ada");
	char max[16];
	snprintf(max, sizeof max, "%d", cfg.login_max_failures);
	assert_string_equal(ht_param(1, 1), max);
	assert_int_equal(ht_statements_run(), 2);
}

static void login_of_unknown_user_is_401_and_counted(void **state)
{
	(void)state;
	ht_expect(STMT_LOGIN, DB_OK, ht_result(STMT_LOGIN, 1), NULL);
	ht_expect(STMT_LOGIN_FAILED, DB_OK, one_value(STMT_LOGIN_FAILED, "1"), NULL);
	ht_call(HTTP_POST, "/api/v1/auth/login", "{\"username\":\"nobody\",\"password\":\"Secret123\"}",
	        NULL);
	assert_401("Incorrect username or password");
	assert_string_equal(ht_param(1, 0), "nobody");
}

static void login_when_counting_fails_is_still_401(void **state)
{
	(void)state;
	ht_expect(STMT_LOGIN, DB_OK, login_row("t", NULL), NULL);
	ht_expect(STMT_LOGIN_FAILED, DB_UNAVAILABLE, NULL, NULL);
	ht_call(HTTP_POST, "/api/v1/auth/login", WRONG_BODY, NULL);
	assert_401("Incorrect username or password");
}

static void login_while_throttled_is_429_even_with_the_right_password(void **state)
{
	(void)state;
	ht_expect(STMT_LOGIN, DB_OK, login_row("t", "37"), NULL);
	ht_call(HTTP_POST, "/api/v1/auth/login", LOGIN_BODY, NULL);
	assert_int_equal(ht_status(), 429);
	assert_string_equal(ht_header("Retry-After"), "37");
	assert_string_equal(ht_detail(), "Too many failed login attempts, try again later");
}

static void login_of_inactive_user_is_403(void **state)
{
	(void)state;
	ht_expect(STMT_LOGIN, DB_OK, login_row("f", NULL), NULL);
	ht_call(HTTP_POST, "/api/v1/auth/login", LOGIN_BODY, NULL);
	assert_int_equal(ht_status(), 403);
	assert_string_equal(ht_detail(), "Inactive user");
}

static void login_of_user_deleted_meanwhile_is_401(void **state)
{
	(void)state;
	ht_expect(STMT_LOGIN, DB_OK, login_row("t", NULL), NULL);
	ht_expect(STMT_SESSION_CREATE, DB_OK, ht_result(STMT_SESSION_CREATE, 0), NULL);
	ht_call(HTTP_POST, "/api/v1/auth/login", LOGIN_BODY, NULL);
	assert_401("Incorrect username or password");
}

static void login_without_password_is_422_without_a_statement(void **state)
{
	(void)state;
	ht_call(HTTP_POST, "/api/v1/auth/login", "{\"username\":\"ada\"}", NULL);
	assert_int_equal(ht_status(), 422);
	struct json_object *d = ht_member(ht_json(), "detail");
	assert_int_equal(json_object_array_length(d), 1);
	struct json_object *loc = ht_member(json_object_array_get_idx(d, 0), "loc");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(loc, 1)), "password");
	assert_int_equal(ht_statements_run(), 0);
}

static void login_with_database_away_is_503(void **state)
{
	(void)state;
	ht_expect(STMT_LOGIN, DB_UNAVAILABLE, NULL, NULL);
	ht_call(HTTP_POST, "/api/v1/auth/login", LOGIN_BODY, NULL);
	ht_assert_503_retry();
}

/* ==== POST /auth/refresh ==== */

static char refresh_body[REFRESH_TOKEN_LEN + 32];
static char refresh_hash[SHA256_HEX_LEN + 1];

static const char *a_refresh_body(void)
{
	char token[REFRESH_TOKEN_LEN + 1];
	assert_int_equal(refresh_token_new(token), 0);
	crypto_sha256_hex(token, REFRESH_TOKEN_LEN, refresh_hash);
	snprintf(refresh_body, sizeof refresh_body, "{\"refresh_token\":\"%s\"}", token);
	return refresh_body;
}

static PGresult *refresh_row(const char *id, const char *active, const char *session, const char *reused)
{
	PGresult *r = ht_result(STMT_REFRESH, 1);
	ht_set(r, 0, REFRESH_ID, id);
	ht_set(r, 0, REFRESH_USERNAME, id ? "ada" : NULL);
	ht_set(r, 0, REFRESH_ROLE, id ? ROLE_USER : NULL);
	ht_set(r, 0, REFRESH_ACTIVE, active);
	ht_set(r, 0, REFRESH_SESSION, session);
	ht_set(r, 0, REFRESH_REUSED, reused);
	return r;
}

static void refresh_rotates_the_pair(void **state)
{
	(void)state;
	ht_expect(STMT_REFRESH, DB_OK, refresh_row("7", "t", "42", "0"), NULL);
	ht_call(HTTP_POST, "/api/v1/auth/refresh", a_refresh_body(), NULL);
	tokens_check(7, 42, 0, 1);
	assert_string_equal(ht_param(0, 0), refresh_hash); /* the old token, by its hash */
	assert_string_not_equal(ht_param(0, 1), refresh_hash);
}

static void refresh_with_unknown_token_is_401(void **state)
{
	(void)state;
	ht_expect(STMT_REFRESH, DB_OK, refresh_row(NULL, NULL, NULL, "0"), NULL);
	ht_call(HTTP_POST, "/api/v1/auth/refresh", a_refresh_body(), NULL);
	assert_401("Invalid refresh token");
}

static void refresh_with_used_token_is_401(void **state)
{
	(void)state;
	ht_expect(STMT_REFRESH, DB_OK, refresh_row("7", "t", NULL, "1"), NULL);
	ht_call(HTTP_POST, "/api/v1/auth/refresh", a_refresh_body(), NULL);
	assert_401("Invalid refresh token");
}

static void refresh_of_inactive_user_is_403(void **state)
{
	(void)state;
	ht_expect(STMT_REFRESH, DB_OK, refresh_row("7", "f", NULL, "0"), NULL);
	ht_call(HTTP_POST, "/api/v1/auth/refresh", a_refresh_body(), NULL);
	assert_int_equal(ht_status(), 403);
	assert_string_equal(ht_detail(), "Inactive user");
}

static void refresh_with_malformed_token_is_401_without_a_statement(void **state)
{
	(void)state;
	ht_call(HTTP_POST, "/api/v1/auth/refresh", "{\"refresh_token\":\"short\"}", NULL);
	assert_401("Invalid refresh token");
	assert_int_equal(ht_statements_run(), 0);
}

static void refresh_without_token_is_422(void **state)
{
	(void)state;
	ht_call(HTTP_POST, "/api/v1/auth/refresh", "{}", NULL);
	assert_int_equal(ht_status(), 422);
	assert_int_equal(ht_statements_run(), 0);
}

static void refresh_with_database_away_is_503(void **state)
{
	(void)state;
	ht_expect(STMT_REFRESH, DB_UNAVAILABLE, NULL, NULL);
	ht_call(HTTP_POST, "/api/v1/auth/refresh", a_refresh_body(), NULL);
	ht_assert_503_retry();
}

/* ==== POST /auth/logout ==== */

/* The caller parameter names user 7 (a text[] of the token's claims, the user first). */
static void assert_caller7(const char *param)
{
	assert_non_null(param);
	assert_int_equal(strncmp(param, "{\"7\",", 5), 0);
}

static PGresult *caller7(enum stmt_id id)
{
	PGresult *r = ht_result(id, 1);
	ht_caller(r, "7", ROLE_USER, "t");
	return r;
}

static void logout_ends_the_session_of_the_token(void **state)
{
	(void)state;
	ht_expect(STMT_LOGOUT, DB_OK, caller7(STMT_LOGOUT), NULL);
	ht_call(HTTP_POST, "/api/v1/auth/logout", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 204);
	assert_caller7(ht_param(0, 0));
	assert_string_equal(ht_param(0, 1), "3");     /* the token's sid */
	assert_int_equal(strlen(ht_param(0, 2)), 32); /* its jti */
}

static void logout_without_token_is_401(void **state)
{
	(void)state;
	ht_call(HTTP_POST, "/api/v1/auth/logout", NULL, NULL);
	assert_int_equal(ht_status(), 401);
	assert_int_equal(ht_statements_run(), 0);
}

static void logout_by_api_key_is_403(void **state)
{
	(void)state;
	ht_call(HTTP_POST, "/api/v1/auth/logout", NULL, ht_bearer_api_key());
	assert_int_equal(ht_status(), 403);
	assert_string_equal(ht_detail(), "This action needs a login session, not an API key");
}

static void logout_of_deleted_user_is_401(void **state)
{
	(void)state;
	ht_expect(STMT_LOGOUT, DB_OK, ht_result(STMT_LOGOUT, 1), NULL);
	ht_call(HTTP_POST, "/api/v1/auth/logout", NULL, ht_bearer(7));
	assert_401("Could not validate credentials");
}

static void logout_with_database_away_is_503(void **state)
{
	(void)state;
	ht_expect(STMT_LOGOUT, DB_UNAVAILABLE, NULL, NULL);
	ht_call(HTTP_POST, "/api/v1/auth/logout", NULL, ht_bearer(7));
	ht_assert_503_retry();
}

/* ==== POST /auth/logout-all ==== */

static void logout_all_ends_every_session_of_the_caller(void **state)
{
	(void)state;
	ht_expect(STMT_LOGOUT_ALL, DB_OK, caller7(STMT_LOGOUT_ALL), NULL);
	ht_call(HTTP_POST, "/api/v1/auth/logout-all", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 204);
	assert_caller7(ht_param(0, 0));
}

static void logout_all_without_token_is_401(void **state)
{
	(void)state;
	ht_call(HTTP_POST, "/api/v1/auth/logout-all", NULL, NULL);
	assert_int_equal(ht_status(), 401);
	assert_int_equal(ht_statements_run(), 0);
}

static void logout_all_of_deleted_user_is_401(void **state)
{
	(void)state;
	ht_expect(STMT_LOGOUT_ALL, DB_OK, ht_result(STMT_LOGOUT_ALL, 1), NULL);
	ht_call(HTTP_POST, "/api/v1/auth/logout-all", NULL, ht_bearer(7));
	assert_401("Could not validate credentials");
}

static void logout_all_with_database_away_is_503(void **state)
{
	(void)state;
	ht_expect(STMT_LOGOUT_ALL, DB_UNAVAILABLE, NULL, NULL);
	ht_call(HTTP_POST, "/api/v1/auth/logout-all", NULL, ht_bearer(7));
	ht_assert_503_retry();
}

/* ==== POST /users/me/password ==== */

#define PASSWORD_BODY "{\"current_password\":\"Secret123\",\"new_password\":\"Better4567\"}"

static PGresult *password_row(const char *locked)
{
	PGresult *r = caller7(STMT_PASSWORD_GET);
	ht_set(r, 0, PWGET_USERNAME, "ada");
	ht_set(r, 0, PWGET_HASH, ada_hash);
	ht_set(r, 0, PWGET_LOCKED, locked);
	return r;
}

static void password_change_stores_the_new_hash(void **state)
{
	(void)state;
	ht_expect(STMT_PASSWORD_GET, DB_OK, password_row(NULL), NULL);
	ht_expect(STMT_PASSWORD_SET, DB_OK, caller7(STMT_PASSWORD_SET), NULL);
	ht_call(HTTP_POST, "/api/v1/users/me/password", PASSWORD_BODY, ht_bearer(7));
	assert_int_equal(ht_status(), 204);
	assert_caller7(ht_param(0, 0));
	assert_caller7(ht_param(1, 0));
	assert_true(password_verify("Better4567", ht_param(1, 1)));
	assert_false(password_verify("Secret123", ht_param(1, 1)));
	assert_string_equal(ht_param(1, 2), "3"); /* this session stays */
}

static void password_change_with_wrong_current_is_400_and_counted(void **state)
{
	(void)state;
	ht_expect(STMT_PASSWORD_GET, DB_OK, password_row(NULL), NULL);
	ht_expect(STMT_LOGIN_FAILED, DB_OK, one_value(STMT_LOGIN_FAILED, "1"), NULL);
	ht_call(HTTP_POST, "/api/v1/users/me/password",
	        "{\"current_password\":\"Wrong1234\",\"new_password\":\"Better4567\"}", ht_bearer(7));
	assert_int_equal(ht_status(), 400);
	assert_string_equal(ht_detail(), "Current password is incorrect");
	assert_string_equal(ht_param(1, 0), "ada");
}

static void password_change_while_throttled_is_429(void **state)
{
	(void)state;
	ht_expect(STMT_PASSWORD_GET, DB_OK, password_row("12"), NULL);
	ht_call(HTTP_POST, "/api/v1/users/me/password", PASSWORD_BODY, ht_bearer(7));
	assert_int_equal(ht_status(), 429);
	assert_string_equal(ht_header("Retry-After"), "12");
}

static void password_change_to_weak_password_is_422(void **state)
{
	(void)state;
	ht_expect(STMT_CALLER, DB_OK, caller7(STMT_CALLER), NULL);
	ht_call(HTTP_POST, "/api/v1/users/me/password",
	        "{\"current_password\":\"Secret123\",\"new_password\":\"short\"}", ht_bearer(7));
	assert_int_equal(ht_status(), 422);
	struct json_object *d = ht_member(ht_json(), "detail");
	struct json_object *loc = ht_member(json_object_array_get_idx(d, 0), "loc");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(loc, 1)), "new_password");
}

static void password_change_without_token_is_401(void **state)
{
	(void)state;
	ht_call(HTTP_POST, "/api/v1/users/me/password", PASSWORD_BODY, NULL);
	assert_int_equal(ht_status(), 401);
	assert_int_equal(ht_statements_run(), 0);
}

static void password_change_of_deleted_user_is_401(void **state)
{
	(void)state;
	ht_expect(STMT_PASSWORD_GET, DB_OK, ht_result(STMT_PASSWORD_GET, 0), NULL);
	ht_call(HTTP_POST, "/api/v1/users/me/password", PASSWORD_BODY, ht_bearer(7));
	assert_401("Could not validate credentials");
}

static void password_change_with_database_away_is_503(void **state)
{
	(void)state;
	ht_expect(STMT_PASSWORD_GET, DB_OK, password_row(NULL), NULL);
	ht_expect(STMT_PASSWORD_SET, DB_UNAVAILABLE, NULL, NULL);
	ht_call(HTTP_POST, "/api/v1/users/me/password", PASSWORD_BODY, ht_bearer(7));
	ht_assert_503_retry();
}

#define T(f) cmocka_unit_test_setup_teardown(f, ht_setup, ht_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(login_answers_a_token_pair),
		T(login_with_wrong_password_is_401_and_counted),
		T(login_of_unknown_user_is_401_and_counted),
		T(login_when_counting_fails_is_still_401),
		T(login_while_throttled_is_429_even_with_the_right_password),
		T(login_of_inactive_user_is_403),
		T(login_of_user_deleted_meanwhile_is_401),
		T(login_without_password_is_422_without_a_statement),
		T(login_with_database_away_is_503),
		T(refresh_rotates_the_pair),
		T(refresh_with_unknown_token_is_401),
		T(refresh_with_used_token_is_401),
		T(refresh_of_inactive_user_is_403),
		T(refresh_with_malformed_token_is_401_without_a_statement),
		T(refresh_without_token_is_422),
		T(refresh_with_database_away_is_503),
		T(logout_ends_the_session_of_the_token),
		T(logout_without_token_is_401),
		T(logout_by_api_key_is_403),
		T(logout_of_deleted_user_is_401),
		T(logout_with_database_away_is_503),
		T(logout_all_ends_every_session_of_the_caller),
		T(logout_all_without_token_is_401),
		T(logout_all_of_deleted_user_is_401),
		T(logout_all_with_database_away_is_503),
		T(password_change_stores_the_new_hash),
		T(password_change_with_wrong_current_is_400_and_counted),
		T(password_change_while_throttled_is_429),
		T(password_change_to_weak_password_is_422),
		T(password_change_without_token_is_401),
		T(password_change_of_deleted_user_is_401),
		T(password_change_with_database_away_is_503),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
