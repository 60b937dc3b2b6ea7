/* Credentials: JWT access tokens, bearer header parsing, bcrypt passwords, field checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jwt.h>

#include "auth.h"
#include "jsonv.h"
#include "problems.h"

static const unsigned char key[] = "unit-test-secret-of-at-least-32-bytes!!";
#define KEY_LEN (sizeof key - 1)
static const unsigned char other_key[] = "another-secret-of-at-least-32-bytes-long";
#define OTHER_KEY_LEN (sizeof other_key - 1)

#define NOW 1700000000LL
#define TTL 1800LL

/* ==== Helpers ==== */

/* A token signed with, or checked against, a single secret. */
static struct jwt_key single_key(const unsigned char *key, size_t key_len)
{
	struct jwt_key k = {.secret = key, .len = key_len};
	jwt_kid(key, key_len, k.kid);
	return k;
}

static char *auth_token_create(const unsigned char *key, size_t key_len, long long user_id,
                               const char *username, const char *role, long long now, long long ttl)
{
	struct jwt_key k = single_key(key, key_len);
	return auth_token_sign(&k, user_id, username, role, 0, now, ttl);
}

static enum token_status auth_token_verify(const char *token, const unsigned char *key, size_t key_len,
                                           long long now, struct token_claims *out)
{
	struct jwt_key k = single_key(key, key_len);
	return auth_token_check(token, &k, 1, now, out);
}

static char *valid_token(long long user_id)
{
	char *t = auth_token_create(key, KEY_LEN, user_id, "alice", "user", NOW, TTL);
	assert_non_null(t);
	return t;
}

static enum token_status verify(const char *token)
{
	struct token_claims c;
	return auth_token_verify(token, key, KEY_LEN, NOW + 1, &c);
}

/* Unpadded base64url of n bytes into out (at least 4 * n / 3 + 4 bytes). */
static void b64url(const char *in, size_t n, char *out)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		out[o++] = tbl[v >> 18 & 63];
		out[o++] = tbl[v >> 12 & 63];
		if (i + 1 < n)
			out[o++] = tbl[v >> 6 & 63];
		if (i + 2 < n)
			out[o++] = tbl[v & 63];
	}
	out[o] = '\0';
}

/* "<b64url(header)>.<b64url(payload)>." followed by signature. */
static void hand_made_token(const char *header, const char *payload, const char *signature, char *out,
                            size_t n)
{
	char h[256], p[256];
	b64url(header, strlen(header), h);
	b64url(payload, strlen(payload), p);
	snprintf(out, n, "%s.%s.%s", h, p, signature);
}

/* A libjwt token signed with alg over key, with the given integer grants (name NULL ends). */
static char *libjwt_token(jwt_alg_t alg, const unsigned char *k, size_t klen, const char *name1, long v1,
                          const char *name2, long v2)
{
	jwt_t *jwt = NULL;
	assert_int_equal(jwt_new(&jwt), 0);
	if (name1)
		assert_int_equal(jwt_add_grant_int(jwt, name1, v1), 0);
	if (name2)
		assert_int_equal(jwt_add_grant_int(jwt, name2, v2), 0);
	assert_int_equal(jwt_set_alg(jwt, alg, k, (int)klen), 0);
	char *t = jwt_encode_str(jwt);
	jwt_free(jwt);
	assert_non_null(t);
	return t;
}

/* ==== Tokens ==== */

static void test_token_round_trip(void **state)
{
	(void)state;
	char *t = valid_token(42);
	struct token_claims c = {0};
	assert_int_equal(auth_token_verify(t, key, KEY_LEN, NOW + 10, &c), TOKEN_OK);
	assert_int_equal(c.user_id, 42);
	assert_int_equal(c.exp, NOW + TTL);
	assert_int_equal(c.iat, NOW);
	free(t);
}

static void test_token_is_hs256_with_expected_claims(void **state)
{
	(void)state;
	char *t = valid_token(7);
	jwt_t *jwt = NULL;
	assert_int_equal(jwt_decode(&jwt, t, key, (int)KEY_LEN), 0);
	assert_int_equal(jwt_get_alg(jwt), JWT_ALG_HS256);
	assert_string_equal(jwt_get_grant(jwt, "sub"), "alice");
	assert_string_equal(jwt_get_grant(jwt, "role"), "user");
	assert_int_equal(jwt_get_grant_int(jwt, "user_id"), 7);
	const char *jti = jwt_get_grant(jwt, "jti");
	assert_non_null(jti);
	assert_int_equal(strlen(jti), 32);
	jwt_free(jwt);
	free(t);
}

static void test_token_jti_differs_between_tokens(void **state)
{
	(void)state;
	char *a = valid_token(1), *b = valid_token(1);
	assert_string_not_equal(a, b);
	free(a);
	free(b);
}

static void test_token_expired_bad(void **state)
{
	(void)state;
	char *t = valid_token(42);
	struct token_claims c;
	assert_int_equal(auth_token_verify(t, key, KEY_LEN, NOW + TTL - 1, &c), TOKEN_OK);
	assert_int_equal(auth_token_verify(t, key, KEY_LEN, NOW + TTL, &c), TOKEN_EXPIRED);
	assert_int_equal(auth_token_verify(t, key, KEY_LEN, NOW + TTL + 3600, &c), TOKEN_EXPIRED);
	free(t);
}

static void test_token_other_key_bad_invalid(void **state)
{
	(void)state;
	char *t = valid_token(42);
	struct token_claims c;
	assert_int_equal(auth_token_verify(t, other_key, OTHER_KEY_LEN, NOW + 1, &c), TOKEN_INVALID);
	/* A key that is a prefix of the right one. */
	assert_int_equal(auth_token_verify(t, key, KEY_LEN - 1, NOW + 1, &c), TOKEN_INVALID);
	free(t);
}

static void test_token_tampered_payload_char_bad_invalid(void **state)
{
	(void)state;
	char *t = valid_token(42);
	char *dot = strchr(t, '.');
	assert_non_null(dot);
	char *c = dot + 6;
	*c = *c == 'A' ? 'B' : 'A';
	assert_int_equal(verify(t), TOKEN_INVALID);
	free(t);
}

static void test_token_forged_payload_bad_invalid(void **state)
{
	(void)state;
	/* The original header and signature around a payload claiming another user. */
	char *t = valid_token(42);
	char *first = strchr(t, '.'), *last = strrchr(t, '.');
	char payload[256], forged[1024];
	snprintf(payload, sizeof payload, "{\"user_id\":1,\"exp\":%lld,\"iat\":%lld}", NOW + TTL, NOW);
	char p64[512];
	b64url(payload, strlen(payload), p64);
	snprintf(forged, sizeof forged, "%.*s.%s%s", (int)(first - t), t, p64, last);
	assert_int_equal(verify(forged), TOKEN_INVALID);
	free(t);
}

static void test_token_tampered_signature_bad_invalid(void **state)
{
	(void)state;
	char *t = valid_token(42);
	char *sig = strrchr(t, '.') + 1;
	sig[0] = sig[0] == 'A' ? 'B' : 'A';
	assert_int_equal(verify(t), TOKEN_INVALID);
	free(t);
}

static void test_token_signature_removed_bad_invalid(void **state)
{
	(void)state;
	char *t = valid_token(42);
	strrchr(t, '.')[1] = '\0';
	assert_int_equal(verify(t), TOKEN_INVALID);
	free(t);
}

static void test_token_alg_none_rejected(void **state)
{
	(void)state;
	char token[1024], payload[128];
	snprintf(payload, sizeof payload, "{\"user_id\":42,\"exp\":%lld,\"iat\":%lld}", NOW + TTL, NOW);
	hand_made_token("{\"alg\":\"none\",\"typ\":\"JWT\"}", payload, "", token, sizeof token);
	assert_int_equal(verify(token), TOKEN_INVALID);
	/* Other spellings of none. */
	hand_made_token("{\"alg\":\"None\",\"typ\":\"JWT\"}", payload, "", token, sizeof token);
	assert_int_equal(verify(token), TOKEN_INVALID);
	hand_made_token("{\"alg\":\"NONE\"}", payload, "", token, sizeof token);
	assert_int_equal(verify(token), TOKEN_INVALID);
}

static void test_token_alg_none_libjwt_rejected(void **state)
{
	(void)state;
	char *t = libjwt_token(JWT_ALG_NONE, NULL, 0, "user_id", 42, "exp", (long)(NOW + TTL));
	assert_int_equal(verify(t), TOKEN_INVALID);
	free(t);
}

static void test_token_hs512_same_key_rejected(void **state)
{
	(void)state;
	char *t = libjwt_token(JWT_ALG_HS512, key, KEY_LEN, "user_id", 42, "exp", (long)(NOW + TTL));
	assert_int_equal(verify(t), TOKEN_INVALID);
	free(t);
}

static void test_token_hs384_same_key_rejected(void **state)
{
	(void)state;
	char *t = libjwt_token(JWT_ALG_HS384, key, KEY_LEN, "user_id", 42, "exp", (long)(NOW + TTL));
	assert_int_equal(verify(t), TOKEN_INVALID);
	free(t);
}

static void test_token_hs256_from_libjwt_accepted(void **state)
{
	(void)state;
	/* The same construction with the right algorithm passes: the rejections above are real. */
	char *t = libjwt_token(JWT_ALG_HS256, key, KEY_LEN, "user_id", 42, "exp", (long)(NOW + TTL));
	struct token_claims c;
	assert_int_equal(auth_token_verify(t, key, KEY_LEN, NOW, &c), TOKEN_OK);
	assert_int_equal(c.user_id, 42);
	free(t);
}

static void test_token_without_user_id_bad_invalid(void **state)
{
	(void)state;
	char *t = libjwt_token(JWT_ALG_HS256, key, KEY_LEN, "exp", (long)(NOW + TTL), NULL, 0);
	assert_int_equal(verify(t), TOKEN_INVALID);
	free(t);
}

static void test_token_zero_user_id_bad_invalid(void **state)
{
	(void)state;
	char *t = libjwt_token(JWT_ALG_HS256, key, KEY_LEN, "user_id", 0, "exp", (long)(NOW + TTL));
	assert_int_equal(verify(t), TOKEN_INVALID);
	free(t);
}

static void test_token_string_user_id_bad_invalid(void **state)
{
	(void)state;
	jwt_t *jwt = NULL;
	assert_int_equal(jwt_new(&jwt), 0);
	assert_int_equal(jwt_add_grant(jwt, "user_id", "42"), 0);
	assert_int_equal(jwt_add_grant_int(jwt, "exp", (long)(NOW + TTL)), 0);
	assert_int_equal(jwt_set_alg(jwt, JWT_ALG_HS256, key, (int)KEY_LEN), 0);
	char *t = jwt_encode_str(jwt);
	jwt_free(jwt);
	assert_non_null(t);
	assert_int_equal(verify(t), TOKEN_INVALID);
	free(t);
}

static void test_token_without_exp_bad_invalid(void **state)
{
	(void)state;
	char *t = libjwt_token(JWT_ALG_HS256, key, KEY_LEN, "user_id", 42, NULL, 0);
	assert_int_equal(verify(t), TOKEN_INVALID);
	free(t);
}

/* The worker's verified-token cache must not change any answer. */
static void test_token_cache_same_answers(void **state)
{
	(void)state;
	char *t = valid_token(77);
	struct token_claims c1, c2;
	assert_int_equal(auth_token_verify(t, key, KEY_LEN, NOW, &c1), TOKEN_OK);
	assert_int_equal(auth_token_verify(t, key, KEY_LEN, NOW, &c2), TOKEN_OK);
	assert_int_equal(c2.user_id, 77);
	assert_int_equal(c2.exp, c1.exp);
	/* Cached, and still expired once its time has passed. */
	assert_int_equal(auth_token_verify(t, key, KEY_LEN, NOW + TTL, &c2), TOKEN_EXPIRED);
	free(t);
}

static void test_token_cache_other_key_bad_invalid(void **state)
{
	(void)state;
	char *t = valid_token(78);
	struct token_claims c;
	assert_int_equal(auth_token_verify(t, key, KEY_LEN, NOW, &c), TOKEN_OK);
	assert_int_equal(auth_token_verify(t, other_key, OTHER_KEY_LEN, NOW, &c), TOKEN_INVALID);
	assert_int_equal(auth_token_verify(t, key, KEY_LEN, NOW, &c), TOKEN_OK);
	free(t);
}

static void test_token_cache_tampered_after_valid_bad_invalid(void **state)
{
	(void)state;
	char *t = valid_token(79);
	struct token_claims c;
	assert_int_equal(auth_token_verify(t, key, KEY_LEN, NOW, &c), TOKEN_OK);
	t[strlen(t) - 2] = t[strlen(t) - 2] == 'A' ? 'B' : 'A';
	assert_int_equal(auth_token_verify(t, key, KEY_LEN, NOW, &c), TOKEN_INVALID);
	free(t);
}

static void test_token_garbage_bad_invalid(void **state)
{
	(void)state;
	const char *garbage[] = {"",
	                         "abc",
	                         "a.b",
	                         "a.b.c",
	                         "...",
	                         "..",
	                         "eyJhbGciOiJIUzI1NiJ9..",
	                         "not a token at all",
	                         "\xff\xfe.\x01.\x02"};
	for (size_t i = 0; i < sizeof garbage / sizeof *garbage; i++)
		assert_int_equal(verify(garbage[i]), TOKEN_INVALID);
}

static void test_token_oversized_bad_invalid(void **state)
{
	(void)state;
	char *big = malloc(10001);
	assert_non_null(big);
	memset(big, 'A', 10000);
	big[3000] = big[6000] = '.';
	big[10000] = '\0';
	assert_int_equal(verify(big), TOKEN_INVALID);
	free(big);
}

/* ==== Bearer header ==== */

static void test_bearer_token_extracted(void **state)
{
	(void)state;
	assert_string_equal(auth_bearer("Bearer abc"), "abc");
	assert_string_equal(auth_bearer("Bearer a.b.c"), "a.b.c");
}

static void test_bearer_scheme_case_insensitive(void **state)
{
	(void)state;
	assert_string_equal(auth_bearer("bearer abc"), "abc");
	assert_string_equal(auth_bearer("BEARER abc"), "abc");
}

static void test_bearer_other_scheme_bad_null(void **state)
{
	(void)state;
	assert_null(auth_bearer("Basic abc"));
	assert_null(auth_bearer("Token abc"));
	assert_null(auth_bearer("abc"));
	assert_null(auth_bearer("Bearerabc"));
}

static void test_bearer_empty_bad_null(void **state)
{
	(void)state;
	assert_null(auth_bearer("Bearer"));
	assert_null(auth_bearer("Bearer "));
	assert_null(auth_bearer("Bearer    "));
	assert_null(auth_bearer(""));
	assert_null(auth_bearer(NULL));
}

/* ==== Passwords ==== */

static void test_password_hash_then_verify(void **state)
{
	(void)state;
	char h[PASSWORD_HASH_MAX];
	assert_int_equal(password_hash("Secret123", 4, h), 0);
	assert_true(strncmp(h, "$2b$04$", 7) == 0);
	assert_int_equal(strlen(h), 60);
	assert_int_equal(password_verify("Secret123", h), 1);
}

static void test_password_wrong_bad_rejected(void **state)
{
	(void)state;
	char h[PASSWORD_HASH_MAX];
	assert_int_equal(password_hash("Secret123", 4, h), 0);
	assert_int_equal(password_verify("Secret124", h), 0);
	assert_int_equal(password_verify("secret123", h), 0);
	assert_int_equal(password_verify("", h), 0);
}

static void test_password_hash_salted(void **state)
{
	(void)state;
	char a[PASSWORD_HASH_MAX], b[PASSWORD_HASH_MAX];
	assert_int_equal(password_hash("Secret123", 4, a), 0);
	assert_int_equal(password_hash("Secret123", 4, b), 0);
	assert_string_not_equal(a, b);
}

static void test_password_hash_bad_cost_refused(void **state)
{
	(void)state;
	char h[PASSWORD_HASH_MAX];
	assert_int_equal(password_hash("Secret123", 3, h), -1);
	assert_int_equal(password_hash("Secret123", 32, h), -1);
}

/* Made by bcryptjs 3.0.3 (another implementation) for "Secret123". */
static const char bcryptjs_hash[] = "$2b$12$eBhXpnJYmC39/VOJ/uIGc.1pFDt4f0tvliZq1FKWkcHkrjzxIm.C2";

static void test_password_verify_bcryptjs_hash(void **state)
{
	(void)state;
	assert_int_equal(password_verify("Secret123", bcryptjs_hash), 1);
}

static void test_password_verify_bcryptjs_hash_wrong_bad(void **state)
{
	(void)state;
	assert_int_equal(password_verify("Secret124", bcryptjs_hash), 0);
}

static void test_password_verify_malformed_hash_bad(void **state)
{
	(void)state;
	assert_int_equal(password_verify("Secret123", ""), 0);
	assert_int_equal(password_verify("Secret123", "not-a-hash"), 0);
	assert_int_equal(password_verify("Secret123", "$2b$04$short"), 0);
	assert_int_equal(password_verify("Secret123", "$2b$"), 0);
	assert_int_equal(password_verify("Secret123", "*0"), 0);
	assert_int_equal(password_verify("Secret123",
	                                 "$2b$99$eBhXpnJYmC39/VOJ/uIGc.1pFDt4f0tvliZq1FKWkcHkrjzxIm.C2"),
	                 0);
	/* The right hash cut by one character. */
	char cut[sizeof bcryptjs_hash];
	memcpy(cut, bcryptjs_hash, sizeof cut);
	cut[sizeof cut - 2] = '\0';
	assert_int_equal(password_verify("Secret123", cut), 0);
}

static void test_password_verify_dummy_returns(void **state)
{
	(void)state;
	/* Only that it runs and can be repeated at another cost. */
	password_verify_dummy("whatever", 4);
	password_verify_dummy("whatever", 4);
	password_verify_dummy("whatever", 5);
}

/* ==== Password policy ==== */

static int policy(const char *pw, struct problems *p)
{
	struct field_value v = {.present = 1, .str = pw, .len = strlen(pw)};
	memset(p, 0, sizeof *p);
	password_policy(&v, "password", p);
	return p->count;
}

static int has_msg(const struct problems *p, const char *msg)
{
	for (int i = 0; i < p->count; i++)
		if (strcmp(p->list[i].msg, msg) == 0)
			return 1;
	return 0;
}

#define TOO_SHORT "Value error, Password must be at least 8 characters long"
#define TOO_LONG  "Value error, Password must be at most 100 characters long"
#define NO_DIGIT  "Value error, Password must contain at least one digit"
#define NO_UPPER  "Value error, Password must contain at least one uppercase letter"
#define NO_LOWER  "Value error, Password must contain at least one lowercase letter"

static void test_policy_short_bad_three_problems(void **state)
{
	(void)state;
	struct problems p;
	assert_int_equal(policy("short", &p), 3);
	assert_true(has_msg(&p, TOO_SHORT));
	assert_true(has_msg(&p, NO_DIGIT));
	assert_true(has_msg(&p, NO_UPPER));
	for (int i = 0; i < p.count; i++) {
		assert_string_equal(p.list[i].where, "body");
		assert_string_equal(p.list[i].field, "password");
		assert_string_equal(p.list[i].type, "value_error");
	}
}

static void test_policy_no_uppercase_bad(void **state)
{
	(void)state;
	struct problems p;
	assert_int_equal(policy("alllowercase1", &p), 1);
	assert_string_equal(p.list[0].msg, NO_UPPER);
}

static void test_policy_no_lowercase_bad(void **state)
{
	(void)state;
	struct problems p;
	assert_int_equal(policy("ALLUPPERCASE1", &p), 1);
	assert_string_equal(p.list[0].msg, NO_LOWER);
}

static void test_policy_no_digit_bad(void **state)
{
	(void)state;
	struct problems p;
	assert_int_equal(policy("NoDigitsHere", &p), 1);
	assert_string_equal(p.list[0].msg, NO_DIGIT);
}

static void test_policy_valid(void **state)
{
	(void)state;
	struct problems p;
	assert_int_equal(policy("Valid123", &p), 0);
	assert_int_equal(policy("Another-Valid-Pass-9", &p), 0);
}

static void test_policy_too_long_bad(void **state)
{
	(void)state;
	struct problems p;
	char pw[128];
	memcpy(pw, "Aa1", 3);
	memset(pw + 3, 'a', 98);
	pw[101] = '\0';
	assert_int_equal(policy(pw, &p), 1);
	assert_string_equal(p.list[0].msg, TOO_LONG);
	pw[100] = '\0';
	assert_int_equal(policy(pw, &p), 0);
}

static void test_policy_empty_bad_all_rules(void **state)
{
	(void)state;
	struct problems p;
	assert_int_equal(policy("", &p), 4);
}

static void test_policy_length_counts_utf8_chars(void **state)
{
	(void)state;
	struct problems p;
	char pw[512];
	/* "Aa1" and 5 é: 8 characters in 13 bytes. */
	snprintf(pw, sizeof pw, "Aa1%s", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
	assert_int_equal(policy(pw, &p), 0);
	/* "Aa1" and 4 é: 7 characters in 11 bytes. */
	snprintf(pw, sizeof pw, "Aa1%s", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
	assert_int_equal(policy(pw, &p), 1);
	assert_string_equal(p.list[0].msg, TOO_SHORT);
	/* "Aa1" and 97 é: 100 characters in 197 bytes. */
	size_t o = 3;
	memcpy(pw, "Aa1", 3);
	for (int i = 0; i < 97; i++, o += 2)
		memcpy(pw + o, "\xc3\xa9", 2);
	pw[o] = '\0';
	assert_int_equal(policy(pw, &p), 0);
	memcpy(pw + o, "\xc3\xa9", 3);
	assert_int_equal(policy(pw, &p), 1);
	assert_string_equal(p.list[0].msg, TOO_LONG);
}

/* ==== Email ==== */

static int email(const char *addr, struct problems *p)
{
	struct field_value v = {.present = 1, .str = addr, .len = strlen(addr)};
	memset(p, 0, sizeof *p);
	email_check(&v, "email", p);
	return p->count;
}

static void assert_email_bad(const char *addr)
{
	struct problems p;
	if (email(addr, &p) != 1)
		fail_msg("email \"%s\" accepted", addr);
	assert_string_equal(p.list[0].field, "email");
	assert_string_equal(p.list[0].type, "value_error");
	assert_true(strncmp(p.list[0].msg, "value is not a valid email address: ", 36) == 0);
}

static void test_email_valid(void **state)
{
	(void)state;
	struct problems p;
	assert_int_equal(email("a@x.com", &p), 0);
	assert_int_equal(email("first.last+tag@sub.example.co.uk", &p), 0);
	assert_int_equal(email("USER@EXAMPLE.COM", &p), 0);
	assert_int_equal(email("a-b_c@my-host.io", &p), 0);
}

static void test_email_no_dot_in_domain_bad(void **state)
{
	(void)state;
	assert_email_bad("a@x");
	assert_email_bad("a@localhost");
}

static void test_email_empty_local_bad(void **state)
{
	(void)state;
	assert_email_bad("@x.com");
}

static void test_email_empty_domain_bad(void **state)
{
	(void)state;
	assert_email_bad("a@");
}

static void test_email_no_at_bad(void **state)
{
	(void)state;
	assert_email_bad("ax.com");
	assert_email_bad("");
}

static void test_email_space_bad(void **state)
{
	(void)state;
	assert_email_bad("a b@x.com");
	assert_email_bad("a@x .com");
	assert_email_bad(" a@x.com");
	assert_email_bad("a@x.com ");
}

static void test_email_two_at_signs_bad(void **state)
{
	(void)state;
	assert_email_bad("a@@x.com");
	assert_email_bad("a@b@x.com");
}

static void test_email_misplaced_dots_bad(void **state)
{
	(void)state;
	assert_email_bad("a..b@x.com");
	assert_email_bad(".a@x.com");
	assert_email_bad("a.@x.com");
	assert_email_bad("a@.x.com");
	assert_email_bad("a@x.com.");
	assert_email_bad("a@x..com");
}

static void test_email_special_chars_bad(void **state)
{
	(void)state;
	assert_email_bad("a<b>@x.com");
	assert_email_bad("a,b@x.com");
	assert_email_bad("\"a\"@x.com");
	assert_email_bad("a@x.com\n");
}

static void test_email_local_part_over_64_bad(void **state)
{
	(void)state;
	char addr[128];
	memset(addr, 'a', 65);
	strcpy(addr + 65, "@x.com");
	assert_email_bad(addr);
	struct problems p;
	memset(addr, 'a', 64);
	strcpy(addr + 64, "@x.com");
	assert_int_equal(email(addr, &p), 0);
}

/* An address of exactly len characters: 64-char local part, labels of at most 63. */
static void long_address(char *out, size_t len)
{
	memset(out, 'a', 64);
	out[64] = '@';
	size_t o = 65;
	while (len - o > 4) {
		size_t label = len - o - 4 > 63 ? 63 : len - o - 4;
		if (len - o - 4 - label == 1)
			label--; /* leave room for a label and its dot */
		memset(out + o, 'b', label);
		o += label;
		out[o++] = '.';
	}
	memcpy(out + o, "com", 3);
	out[o + 3] = '\0';
}

static void test_email_254_chars_accepted(void **state)
{
	(void)state;
	char addr[300];
	struct problems p;
	long_address(addr, 254);
	assert_int_equal(strlen(addr), 254);
	assert_int_equal(email(addr, &p), 0);
}

static void test_email_255_chars_bad(void **state)
{
	(void)state;
	char addr[300];
	long_address(addr, 255);
	assert_int_equal(strlen(addr), 255);
	assert_email_bad(addr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_round_trip),
		cmocka_unit_test(test_token_is_hs256_with_expected_claims),
		cmocka_unit_test(test_token_jti_differs_between_tokens),
		cmocka_unit_test(test_token_expired_bad),
		cmocka_unit_test(test_token_other_key_bad_invalid),
		cmocka_unit_test(test_token_tampered_payload_char_bad_invalid),
		cmocka_unit_test(test_token_forged_payload_bad_invalid),
		cmocka_unit_test(test_token_tampered_signature_bad_invalid),
		cmocka_unit_test(test_token_signature_removed_bad_invalid),
		cmocka_unit_test(test_token_alg_none_rejected),
		cmocka_unit_test(test_token_alg_none_libjwt_rejected),
		cmocka_unit_test(test_token_hs512_same_key_rejected),
		cmocka_unit_test(test_token_hs384_same_key_rejected),
		cmocka_unit_test(test_token_hs256_from_libjwt_accepted),
		cmocka_unit_test(test_token_without_user_id_bad_invalid),
		cmocka_unit_test(test_token_zero_user_id_bad_invalid),
		cmocka_unit_test(test_token_string_user_id_bad_invalid),
		cmocka_unit_test(test_token_without_exp_bad_invalid),
		cmocka_unit_test(test_token_garbage_bad_invalid),
		cmocka_unit_test(test_token_cache_same_answers),
		cmocka_unit_test(test_token_cache_other_key_bad_invalid),
		cmocka_unit_test(test_token_cache_tampered_after_valid_bad_invalid),
		cmocka_unit_test(test_token_oversized_bad_invalid),
		cmocka_unit_test(test_bearer_token_extracted),
		cmocka_unit_test(test_bearer_scheme_case_insensitive),
		cmocka_unit_test(test_bearer_other_scheme_bad_null),
		cmocka_unit_test(test_bearer_empty_bad_null),
		cmocka_unit_test(test_password_hash_then_verify),
		cmocka_unit_test(test_password_wrong_bad_rejected),
		cmocka_unit_test(test_password_hash_salted),
		cmocka_unit_test(test_password_hash_bad_cost_refused),
		cmocka_unit_test(test_password_verify_bcryptjs_hash),
		cmocka_unit_test(test_password_verify_bcryptjs_hash_wrong_bad),
		cmocka_unit_test(test_password_verify_malformed_hash_bad),
		cmocka_unit_test(test_password_verify_dummy_returns),
		cmocka_unit_test(test_policy_short_bad_three_problems),
		cmocka_unit_test(test_policy_no_uppercase_bad),
		cmocka_unit_test(test_policy_no_lowercase_bad),
		cmocka_unit_test(test_policy_no_digit_bad),
		cmocka_unit_test(test_policy_valid),
		cmocka_unit_test(test_policy_too_long_bad),
		cmocka_unit_test(test_policy_empty_bad_all_rules),
		cmocka_unit_test(test_policy_length_counts_utf8_chars),
		cmocka_unit_test(test_email_valid),
		cmocka_unit_test(test_email_no_dot_in_domain_bad),
		cmocka_unit_test(test_email_empty_local_bad),
		cmocka_unit_test(test_email_empty_domain_bad),
		cmocka_unit_test(test_email_no_at_bad),
		cmocka_unit_test(test_email_space_bad),
		cmocka_unit_test(test_email_two_at_signs_bad),
		cmocka_unit_test(test_email_misplaced_dots_bad),
		cmocka_unit_test(test_email_special_chars_bad),
		cmocka_unit_test(test_email_local_part_over_64_bad),
		cmocka_unit_test(test_email_254_chars_accepted),
		cmocka_unit_test(test_email_255_chars_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
