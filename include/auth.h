/* Credentials: JWT access tokens (libjwt, HS256 only) and bcrypt passwords (libcrypt). */
#ifndef TASKAPI_AUTH_H
#define TASKAPI_AUTH_H

#include <stddef.h>

#include "problems.h"

#define PASSWORD_HASH_MAX 128

/* ==== Access tokens ==== */

#define JWT_KEYS_MAX 8
#define JWT_KID_LEN  16
#define JTI_MAX      64
#define TOKEN_MAX    4096 /* longer bearer values are refused before any parsing */

/* A signing secret and its key id (the `kid` header of the tokens it signs). */
struct jwt_key {
	const unsigned char *secret;
	size_t len;
	char kid[JWT_KID_LEN + 1];
};

struct token_claims {
	long long user_id;
	long long exp;
	long long iat;         /* 0 when absent */
	long long sid;         /* the session (refresh family) it belongs to; 0 when absent */
	char jti[JTI_MAX + 1]; /* "" when absent */
};

enum token_status { TOKEN_OK, TOKEN_INVALID, TOKEN_EXPIRED };

/* The kid of a secret: 16 hex digits of HMAC-SHA-256(secret, "taskapi-kid"); reveals nothing of it. */
void jwt_kid(const unsigned char *secret, size_t len, char kid[JWT_KID_LEN + 1]);

/* A malloc'd HS256 JWT signed with key (kid in its header; sid 0 leaves the claim out). */
char *auth_token_sign(const struct jwt_key *key, long long user_id, const char *username,
                      const char *role, long long sid, long long now, long long ttl);

/*
 * Verifies a token against a key ring: the header's kid picks the key (a token without
 * kid is checked with keys[0], an unknown kid is invalid); only HS256 is accepted; exp,
 * user_id and the optional sid, iat and jti claims are read into out.
 */
enum token_status auth_token_check(const char *token, const struct jwt_key *keys, int nkeys,
                                   long long now, struct token_claims *out);

/* ==== Refresh tokens and API keys: random secrets, stored only as SHA-256 ==== */

#define REFRESH_TOKEN_LEN  43 /* base64url of 32 random bytes */
#define API_KEY_LEN        64 /* "tak_" + 16 hex (the public prefix) + "_" + 43 base64url */
#define API_KEY_PREFIX_LEN 20

int refresh_token_new(char out[REFRESH_TOKEN_LEN + 1]);
/* 1 when s has the shape of a refresh token. */
int refresh_token_valid(const char *s);
int api_key_new(char out[API_KEY_LEN + 1]);
/* 1 when s has the shape of an API key. */
int api_key_valid(const char *s);

/* The token in "Bearer <token>" (scheme case-insensitive); NULL if absent or empty. */
const char *auth_bearer(const char *authorization);

/* bcrypt ($2b$) hash of password with the given cost; 0 on success. */
int password_hash(const char *password, int cost, char out[PASSWORD_HASH_MAX]);
/* 1 when password matches hash; compares in constant time. */
int password_verify(const char *password, const char *hash);
/* Burns the time of one verification, so unknown users answer like wrong passwords. */
void password_verify_dummy(const char *password, int cost);

/* Field checks for jsonv: each failing rule is one problem. */
struct field_value;
void password_policy(const struct field_value *v, const char *field, struct problems *p);
void email_check(const struct field_value *v, const char *field, struct problems *p);

#endif
