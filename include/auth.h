/* Credentials: JWT access tokens (libjwt, HS256 only) and bcrypt passwords (libcrypt). */
#ifndef TASKAPI_AUTH_H
#define TASKAPI_AUTH_H

#include <stddef.h>

#include "problems.h"

#define PASSWORD_HASH_MAX 128

struct token_claims {
	long long user_id;
	long long exp;
	long long iat;
};

enum token_status { TOKEN_OK, TOKEN_INVALID, TOKEN_EXPIRED };

/* Returns a malloc'd compact JWT, or NULL when libjwt fails. */
char *auth_token_create(const unsigned char *key, size_t key_len, long long user_id,
                        const char *username, const char *role, long long now, long long ttl);

/* Verifies signature, algorithm (HS256 only), exp and the user_id claim. */
enum token_status auth_token_verify(const char *token, const unsigned char *key, size_t key_len,
                                    long long now, struct token_claims *out);

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
