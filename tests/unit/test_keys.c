/* Signing-key rotation (kid, key ring, previous secrets), refresh tokens, API keys, crypto helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jwt.h>

#include "auth.h"
#include "config.h"
#include "crypto.h"

#define NOW 1700000000LL
#define TTL 1800LL

static const unsigned char secret_a[] = "rotation-secret-a-0123456789abcdef0123";
static const unsigned char secret_b[] = "rotation-secret-b-0123456789abcdef0123";
static const unsigned char secret_c[] = "rotation-secret-c-0123456789abcdef0123";

static struct jwt_key key_of(const unsigned char *s)
{
	struct jwt_key k = {.secret = s, .len = strlen((const char *)s)};
	jwt_kid(k.secret, k.len, k.kid);
	return k;
}

/* A libjwt HS256 token over key with the given kid header (NULL: none) and user_id 42. */
static char *token_with_kid(const unsigned char *key, const char *kid)
{
	jwt_t *jwt = NULL;
	assert_int_equal(jwt_new(&jwt), 0);
	assert_int_equal(jwt_add_grant_int(jwt, "user_id", 42), 0);
	assert_int_equal(jwt_add_grant_int(jwt, "exp", (long)(NOW + TTL)), 0);
	if (kid)
		assert_int_equal(jwt_add_header(jwt, "kid", kid), 0);
	assert_int_equal(jwt_set_alg(jwt, JWT_ALG_HS256, key, (int)strlen((const char *)key)), 0);
	char *t = jwt_encode_str(jwt);
	jwt_free(jwt);
	assert_non_null(t);
	return t;
}

/* ==== kid ==== */

static void test_kid_is_16_hex_and_stable(void **state)
{
	(void)state;
	struct jwt_key a = key_of(secret_a), a2 = key_of(secret_a), b = key_of(secret_b);
	assert_int_equal(strlen(a.kid), JWT_KID_LEN);
	assert_int_equal(strspn(a.kid, "0123456789abcdef"), JWT_KID_LEN);
	assert_string_equal(a.kid, a2.kid);
	assert_string_not_equal(a.kid, b.kid);
	/* HMAC, not a piece of the secret or of its plain hash. */
	char digest_hex[SHA256_HEX_LEN + 1];
	crypto_sha256_hex((const char *)secret_a, strlen((const char *)secret_a), digest_hex);
	assert_memory_not_equal(a.kid, digest_hex, JWT_KID_LEN);
	assert_null(strstr((const char *)secret_a, a.kid));
}

/* ==== Key ring ==== */

static void test_signed_token_carries_kid_and_sid(void **state)
{
	(void)state;
	struct jwt_key a = key_of(secret_a);
	char *t = auth_token_sign(&a, 42, "alice", "user", 77, NOW, TTL);
	assert_non_null(t);
	jwt_t *jwt = NULL;
	assert_int_equal(jwt_decode(&jwt, t, a.secret, (int)a.len), 0);
	assert_string_equal(jwt_get_header(jwt, "kid"), a.kid);
	assert_int_equal(jwt_get_grant_int(jwt, "sid"), 77);
	jwt_free(jwt);
	struct token_claims c;
	assert_int_equal(auth_token_check(t, &a, 1, NOW + 1, &c), TOKEN_OK);
	assert_int_equal(c.sid, 77);
	assert_int_equal(c.user_id, 42);
	assert_int_equal(c.iat, NOW);
	assert_int_equal(strlen(c.jti), 32);
	free(t);
}

static void test_sid_zero_leaves_claim_out(void **state)
{
	(void)state;
	struct jwt_key a = key_of(secret_a);
	char *t = auth_token_sign(&a, 42, "alice", "user", 0, NOW, TTL);
	struct token_claims c;
	assert_int_equal(auth_token_check(t, &a, 1, NOW + 1, &c), TOKEN_OK);
	assert_int_equal(c.sid, 0);
	free(t);
}

static void test_previous_key_verifies_by_kid(void **state)
{
	(void)state;
	struct jwt_key old = key_of(secret_a);
	struct jwt_key ring[2] = {key_of(secret_b), key_of(secret_a)};
	char *t = auth_token_sign(&old, 42, "alice", "user", 1, NOW, TTL);
	struct token_claims c;
	assert_int_equal(auth_token_check(t, ring, 2, NOW + 1, &c), TOKEN_OK);
	assert_int_equal(c.user_id, 42);
	/* Without the previous key in the ring it is refused. */
	assert_int_equal(auth_token_check(t, ring, 1, NOW + 1, &c), TOKEN_INVALID);
	free(t);
}

static void test_unknown_kid_bad_invalid(void **state)
{
	(void)state;
	struct jwt_key ring[2] = {key_of(secret_b), key_of(secret_a)};
	struct token_claims c;
	char *t = token_with_kid(secret_a, "0123456789abcdef");
	assert_int_equal(auth_token_check(t, ring, 2, NOW + 1, &c), TOKEN_INVALID);
	free(t);
	struct jwt_key other = key_of(secret_c);
	t = token_with_kid(secret_c, other.kid);
	assert_int_equal(auth_token_check(t, ring, 2, NOW + 1, &c), TOKEN_INVALID);
	free(t);
}

static void test_kid_with_wrong_key_bad_invalid(void **state)
{
	(void)state;
	struct jwt_key ring[2] = {key_of(secret_b), key_of(secret_a)};
	struct token_claims c;
	/* The previous key's kid, signed with the current key. */
	char *t = token_with_kid(secret_b, ring[1].kid);
	assert_int_equal(auth_token_check(t, ring, 2, NOW + 1, &c), TOKEN_INVALID);
	free(t);
}

static void test_no_kid_uses_current_key_only(void **state)
{
	(void)state;
	struct jwt_key ring[2] = {key_of(secret_b), key_of(secret_a)};
	struct token_claims c;
	char *t = token_with_kid(secret_b, NULL);
	assert_int_equal(auth_token_check(t, ring, 2, NOW + 1, &c), TOKEN_OK);
	free(t);
	t = token_with_kid(secret_a, NULL);
	assert_int_equal(auth_token_check(t, ring, 2, NOW + 1, &c), TOKEN_INVALID);
	free(t);
}

static void test_odd_headers_bad_invalid(void **state)
{
	(void)state;
	struct jwt_key a = key_of(secret_a);
	struct token_claims c;
	/* kid that is not a string, a header that is not JSON, an empty token, no dots. */
	static const char *const tokens[] = {
		"eyJhbGciOiJIUzI1NiIsImtpZCI6N30.eyJ1c2VyX2lkIjo0Mn0.x", /* {"alg":"HS256","kid":7} */
		"bm90IGpzb24.eyJ1c2VyX2lkIjo0Mn0.x",                     /* "not json" */
		"W10.eyJ1c2VyX2lkIjo0Mn0.x",                             /* [] */
		"",
		".",
		"..",
		"abc",
		"!!!.???.###",
	};
	for (size_t i = 0; i < sizeof tokens / sizeof *tokens; i++)
		assert_int_equal(auth_token_check(tokens[i], &a, 1, NOW, &c), TOKEN_INVALID);
}

static void test_overlong_token_bad_invalid(void **state)
{
	(void)state;
	struct jwt_key a = key_of(secret_a);
	struct token_claims c;
	char *t = malloc(TOKEN_MAX + 2);
	memset(t, 'A', TOKEN_MAX + 1);
	t[TOKEN_MAX + 1] = '\0';
	assert_int_equal(auth_token_check(t, &a, 1, NOW, &c), TOKEN_INVALID);
	free(t);
}

/* ==== Refresh tokens and API keys ==== */

static void test_refresh_tokens_random_and_well_formed(void **state)
{
	(void)state;
	char a[REFRESH_TOKEN_LEN + 1], b[REFRESH_TOKEN_LEN + 1];
	assert_int_equal(refresh_token_new(a), 0);
	assert_int_equal(refresh_token_new(b), 0);
	assert_int_equal(strlen(a), REFRESH_TOKEN_LEN);
	assert_string_not_equal(a, b);
	assert_true(refresh_token_valid(a));
	a[5] = '!';
	assert_false(refresh_token_valid(a));
	assert_false(refresh_token_valid(""));
	assert_false(refresh_token_valid("abc"));
	b[REFRESH_TOKEN_LEN - 1] = '\0';
	assert_false(refresh_token_valid(b));
}

static void test_api_keys_random_and_well_formed(void **state)
{
	(void)state;
	char a[API_KEY_LEN + 1], b[API_KEY_LEN + 1];
	assert_int_equal(api_key_new(a), 0);
	assert_int_equal(api_key_new(b), 0);
	assert_int_equal(strlen(a), API_KEY_LEN);
	assert_memory_equal(a, "tak_", 4);
	assert_int_equal(a[API_KEY_PREFIX_LEN], '_');
	assert_string_not_equal(a, b);
	assert_memory_not_equal(a, b, API_KEY_PREFIX_LEN);
	assert_true(api_key_valid(a));
	char bad[API_KEY_LEN + 2];
	strcpy(bad, a);
	bad[6] = 'Z'; /* the prefix is hex */
	assert_false(api_key_valid(bad));
	strcpy(bad, a);
	bad[API_KEY_PREFIX_LEN] = '-';
	assert_false(api_key_valid(bad));
	strcpy(bad, a);
	strcat(bad, "x");
	assert_false(api_key_valid(bad));
	assert_false(api_key_valid("tak_"));
}

/* ==== Crypto helpers ==== */

static void test_sha256_known_answer(void **state)
{
	(void)state;
	char hex[SHA256_HEX_LEN + 1];
	crypto_sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_b64url_round_trip(void **state)
{
	(void)state;
	unsigned char in[64], back[64];
	char text[100];
	for (size_t n = 0; n <= sizeof in; n++) {
		for (size_t i = 0; i < n; i++)
			in[i] = (unsigned char)(i * 37 + n);
		size_t len = crypto_b64url(in, n, text);
		assert_int_equal(len, strlen(text));
		assert_true(crypto_is_b64url(text, len));
		assert_int_equal(crypto_b64url_decode(text, len, back, sizeof back), (long)n);
		assert_memory_equal(in, back, n);
	}
	assert_int_equal(crypto_b64url_decode("a+b/", 4, back, sizeof back), -1);
	assert_int_equal(crypto_b64url_decode("abcde", 5, back, sizeof back), -1);
	assert_int_equal(crypto_b64url_decode("AAAAAAAA", 8, back, 5), -1);
}

static void test_equal(void **state)
{
	(void)state;
	assert_true(crypto_equal("abcdef", "abcdef", 6));
	assert_false(crypto_equal("abcdef", "abcdeg", 6));
	assert_false(crypto_equal("xbcdef", "abcdef", 6));
}

/* ==== Previous secrets in the configuration ==== */

#define S40A "A123456789abcdef0123456789abcdef01234567"
#define S40B "B123456789abcdef0123456789abcdef01234567"
#define S40C "C123456789abcdef0123456789abcdef01234567"

static int clean_env(void **state)
{
	(void)state;
	static const char *const vars[] = {
		"APP_ENV", "JWT_SECRET", "JWT_SECRET_FILE", "JWT_PREVIOUS_SECRETS", "JWT_PREVIOUS_SECRETS_FILE",
		NULL};
	for (int i = 0; vars[i]; i++)
		unsetenv(vars[i]);
	return 0;
}

static int load(struct config *c, char *err)
{
	return config_load(c, err, 256);
}

static void test_previous_secrets_from_list(void **state)
{
	(void)state;
	struct config c;
	char err[256] = "";
	setenv("JWT_SECRET", S40A, 1);
	setenv("JWT_PREVIOUS_SECRETS", S40B "," S40C ",," S40A, 1); /* empty and current skipped */
	assert_int_equal(load(&c, err), 0);
	assert_int_equal(c.jwt_key_count, 3);
	assert_memory_equal(c.jwt_keys[0].secret, S40A, 40);
	assert_memory_equal(c.jwt_keys[1].secret, S40B, 40);
	assert_memory_equal(c.jwt_keys[2].secret, S40C, 40);
	struct jwt_key b = {.secret = (const unsigned char *)S40B, .len = 40};
	jwt_kid(b.secret, b.len, b.kid);
	assert_string_equal(c.jwt_keys[1].kid, b.kid);
}

static void test_previous_secrets_from_file(void **state)
{
	(void)state;
	char path[] = "/tmp/taskapi-unit-prev-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *text = "# retired 2026-01-01\n" S40B "\r\n\n" S40C "\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct config c;
	char err[256] = "";
	setenv("JWT_SECRET", S40A, 1);
	setenv("JWT_PREVIOUS_SECRETS_FILE", path, 1);
	assert_int_equal(load(&c, err), 0);
	unlink(path);
	assert_int_equal(c.jwt_key_count, 3);
	assert_int_equal(c.jwt_keys[1].len, 40);
	assert_memory_equal(c.jwt_keys[2].secret, S40C, 40);
}

static void test_short_previous_secret_bad_refused(void **state)
{
	(void)state;
	struct config c;
	char err[256] = "";
	setenv("JWT_SECRET", S40A, 1);
	setenv("JWT_PREVIOUS_SECRETS", S40B ",short", 1);
	assert_int_equal(load(&c, err), -1);
	assert_non_null(strstr(err, "32 bytes"));
	/* Development accepts it. */
	setenv("APP_ENV", "development", 1);
	assert_int_equal(load(&c, err), 0);
	assert_int_equal(c.jwt_key_count, 3);
}

static void test_too_many_previous_secrets_bad_refused(void **state)
{
	(void)state;
	char list[1024] = "";
	for (int i = 0; i < JWT_KEYS_MAX; i++) {
		char s[64];
		snprintf(s, sizeof s, "%s%d-0123456789abcdef0123456789abcdef", i ? "," : "", i);
		strcat(list, s);
	}
	struct config c;
	char err[256] = "";
	setenv("JWT_SECRET", S40A, 1);
	setenv("JWT_PREVIOUS_SECRETS", list, 1);
	assert_int_equal(load(&c, err), -1);
	assert_non_null(strstr(err, "at most"));
}

static void test_missing_previous_file_bad_refused(void **state)
{
	(void)state;
	struct config c;
	char err[256] = "";
	setenv("JWT_SECRET", S40A, 1);
	setenv("JWT_PREVIOUS_SECRETS_FILE", "/nonexistent/previous", 1);
	assert_int_equal(load(&c, err), -1);
	assert_non_null(strstr(err, "/nonexistent/previous"));
}

static void test_refresh_and_throttle_settings(void **state)
{
	(void)state;
	struct config c;
	char err[256] = "";
	setenv("APP_ENV", "development", 1);
	assert_int_equal(load(&c, err), 0);
	assert_int_equal(c.refresh_ttl, 14 * 86400);
	assert_int_equal(c.login_max_failures, 5);
	assert_int_equal(c.login_failure_window, 900);
	assert_int_equal(c.login_lockout, 900);
	setenv("REFRESH_TOKEN_EXPIRE_DAYS", "0", 1);
	assert_int_equal(load(&c, err), -1);
	assert_non_null(strstr(err, "REFRESH_TOKEN_EXPIRE_DAYS"));
	setenv("REFRESH_TOKEN_EXPIRE_DAYS", "30", 1);
	setenv("LOGIN_MAX_FAILURES", "0", 1);
	assert_int_equal(load(&c, err), 0);
	assert_int_equal(c.refresh_ttl, 30 * 86400);
	assert_int_equal(c.login_max_failures, 0);
	unsetenv("REFRESH_TOKEN_EXPIRE_DAYS");
	unsetenv("LOGIN_MAX_FAILURES");
}

#define T(f) cmocka_unit_test_setup(f, clean_env)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_kid_is_16_hex_and_stable),
		T(test_signed_token_carries_kid_and_sid),
		T(test_sid_zero_leaves_claim_out),
		T(test_previous_key_verifies_by_kid),
		T(test_unknown_kid_bad_invalid),
		T(test_kid_with_wrong_key_bad_invalid),
		T(test_no_kid_uses_current_key_only),
		T(test_odd_headers_bad_invalid),
		T(test_overlong_token_bad_invalid),
		T(test_refresh_tokens_random_and_well_formed),
		T(test_api_keys_random_and_well_formed),
		T(test_sha256_known_answer),
		T(test_b64url_round_trip),
		T(test_equal),
		T(test_previous_secrets_from_list),
		T(test_previous_secrets_from_file),
		T(test_short_previous_secret_bad_refused),
		T(test_too_many_previous_secrets_bad_refused),
		T(test_missing_previous_file_bad_refused),
		T(test_refresh_and_throttle_settings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
