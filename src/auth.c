/* Credentials: JWT access tokens (libjwt, HS256 only) and bcrypt passwords (libcrypt). */
#include "auth.h"

#include <crypt.h>
#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <jwt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto.h"
#include "jsonv.h"
#include "utf8.h"

/* ==== Access tokens ==== */

void jwt_kid(const unsigned char *secret, size_t len, char kid[JWT_KID_LEN + 1])
{
	unsigned char mac[SHA256_LEN];
	crypto_hmac_sha256(secret, len, "taskapi-kid", 11, mac);
	crypto_hex(mac, JWT_KID_LEN / 2, kid);
}

char *auth_token_sign(const struct jwt_key *key, long long user_id, const char *username,
                      const char *role, long long sid, long long now, long long ttl)
{
	unsigned char raw[16];
	char jti[33];
	if (crypto_random(raw, sizeof raw) != 0)
		return NULL;
	crypto_hex(raw, sizeof raw, jti);

	jwt_t *jwt = NULL;
	char *out = NULL;
	if (jwt_new(&jwt) == 0 && jwt_add_grant(jwt, "sub", username) == 0 &&
	    jwt_add_grant_int(jwt, "user_id", (long)user_id) == 0 && jwt_add_grant(jwt, "role", role) == 0 &&
	    jwt_add_grant_int(jwt, "exp", (long)(now + ttl)) == 0 &&
	    jwt_add_grant_int(jwt, "iat", (long)now) == 0 && jwt_add_grant(jwt, "jti", jti) == 0 &&
	    (sid <= 0 || jwt_add_grant_int(jwt, "sid", (long)sid) == 0) &&
	    (!key->kid[0] || jwt_add_header(jwt, "kid", key->kid) == 0) &&
	    jwt_set_alg(jwt, JWT_ALG_HS256, key->secret, (int)key->len) == 0)
		out = jwt_encode_str(jwt);
	jwt_free(jwt);
	return out;
}

/* An integer claim into *out: 0 when present, 1 when absent, -1 when not an integer. */
static int claim_int(jwt_t *jwt, const char *name, long long *out)
{
	errno = 0;
	long v = jwt_get_grant_int(jwt, name);
	if (errno == ENOENT)
		return 1;
	if (errno)
		return -1;
	*out = v;
	return 0;
}

/*
 * The key a token names: its header is decoded here, before any verification, only to
 * read kid. No kid: the current key. A kid that is not a string or not ours: NULL.
 */
static const struct jwt_key *key_for(const char *token, const struct jwt_key *keys, int nkeys)
{
	const char *dot = strchr(token, '.');
	unsigned char header[768];
	long n = dot ? crypto_b64url_decode(token, (size_t)(dot - token), header, sizeof header - 1) : -1;
	if (n <= 0 || nkeys <= 0)
		return NULL;
	struct json_tokener *tok = json_tokener_new_ex(8);
	if (!tok)
		return NULL;
	json_object *h = json_tokener_parse_ex(tok, (const char *)header, (int)n);
	int complete = json_tokener_get_error(tok) == json_tokener_success;
	json_tokener_free(tok);
	json_object *kid = NULL;
	const struct jwt_key *found = NULL;
	if (!complete || !json_object_is_type(h, json_type_object)) {
		found = NULL;
	} else if (!json_object_object_get_ex(h, "kid", &kid)) {
		found = &keys[0];
	} else if (json_object_is_type(kid, json_type_string)) {
		for (int i = 0; i < nkeys && !found; i++)
			if (strcmp(json_object_get_string(kid), keys[i].kid) == 0)
				found = &keys[i];
	}
	json_object_put(h);
	return found;
}

/* A jti we can store: 1..JTI_MAX printable ASCII characters. */
static int jti_copy(const char *jti, char out[JTI_MAX + 1])
{
	size_t n = strlen(jti);
	if (n == 0 || n > JTI_MAX)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (jti[i] <= ' ' || jti[i] > '~')
			return -1;
	memcpy(out, jti, n + 1);
	return 0;
}

static enum token_status read_claims(jwt_t *jwt, long long now, struct token_claims *out)
{
	memset(out, 0, sizeof *out);
	errno = 0;
	const char *jti = jwt_get_grant(jwt, "jti");
	int jti_absent = !jti && errno == ENOENT;
	if (claim_int(jwt, "user_id", &out->user_id) != 0 || out->user_id <= 0 ||
	    claim_int(jwt, "exp", &out->exp) != 0 || out->exp < 0 || claim_int(jwt, "iat", &out->iat) < 0 ||
	    claim_int(jwt, "sid", &out->sid) < 0 || out->sid < 0 || out->iat < 0 || (!jti && !jti_absent) ||
	    (jti && jti_copy(jti, out->jti) != 0))
		return TOKEN_INVALID;
	return out->exp <= now ? TOKEN_EXPIRED : TOKEN_OK;
}

static enum token_status token_check_uncached(const char *token, const struct jwt_key *keys, int nkeys,
                                              long long now, struct token_claims *out)
{
	if (strnlen(token, TOKEN_MAX + 1) > TOKEN_MAX)
		return TOKEN_INVALID;
	const struct jwt_key *key = key_for(token, keys, nkeys);
	jwt_t *jwt = NULL;
	/* libjwt trusts the header's alg (its issues #6, #200): check it ourselves. */
	if (!key || jwt_decode(&jwt, token, key->secret, (int)key->len) != 0 || !jwt ||
	    jwt_get_alg(jwt) != JWT_ALG_HS256) {
		jwt_free(jwt);
		return TOKEN_INVALID;
	}
	enum token_status st = read_claims(jwt, now, out);
	jwt_free(jwt);
	return st;
}

/*
 * Verifying a token costs more than the rest of a request's work in the worker
 * (libjwt's base64, jansson and an OpenSSL 3 HMAC fetch: ~75,000 instructions,
 * measured with callgrind). A token that verified once verifies again under the same
 * key ring, so each worker keeps the claims of a few recent ones; exp is still checked
 * on every use, and revocation is the database's business (CALLER_CTE). Lookups
 * compare the whole token in constant time, so a forged token learns nothing from
 * timing. Another key ring (its kids, which name the secrets) empties the cache.
 */
#define TOKEN_CACHE_SLOTS     64
#define TOKEN_CACHE_TOKEN_MAX 512
#define RING_ID_MAX           (JWT_KEYS_MAX * (JWT_KID_LEN + 1) + 1)

struct token_cache_entry {
	size_t len; /* 0: empty */
	char token[TOKEN_CACHE_TOKEN_MAX];
	struct token_claims claims;
};

static struct token_cache_entry token_cache[TOKEN_CACHE_SLOTS];
static char cache_ring[RING_ID_MAX];

static struct token_cache_entry *cache_slot(const char *token, size_t len, const struct jwt_key *keys,
                                            int nkeys)
{
	if (len == 0 || len >= TOKEN_CACHE_TOKEN_MAX || nkeys <= 0 || nkeys > JWT_KEYS_MAX)
		return NULL;
	char ring[RING_ID_MAX];
	size_t o = 0;
	for (int i = 0; i < nkeys; i++) {
		size_t n = strnlen(keys[i].kid, JWT_KID_LEN);
		if (n == 0)
			return NULL; /* a key without kid cannot be told apart: no caching */
		memcpy(ring + o, keys[i].kid, n);
		o += n;
		ring[o++] = ',';
	}
	ring[o] = '\0';
	if (strcmp(ring, cache_ring) != 0) {
		memset(token_cache, 0, sizeof token_cache);
		memcpy(cache_ring, ring, o + 1);
	}
	return &token_cache[crypto_fnv1a(CRYPTO_FNV1A_INIT, token, len) % TOKEN_CACHE_SLOTS];
}

enum token_status auth_token_check(const char *token, const struct jwt_key *keys, int nkeys,
                                   long long now, struct token_claims *out)
{
	size_t len = strnlen(token, TOKEN_MAX + 1);
	struct token_cache_entry *e = cache_slot(token, len, keys, nkeys);
	if (e && e->len == len && crypto_equal(e->token, token, len)) {
		*out = e->claims;
	} else {
		enum token_status st = token_check_uncached(token, keys, nkeys, now, out);
		if (st != TOKEN_OK)
			return st;
		if (e) {
			memcpy(e->token, token, len);
			e->len = len;
			e->claims = *out;
		}
	}
	return out->exp <= now ? TOKEN_EXPIRED : TOKEN_OK;
}

/* ==== Refresh tokens and API keys ==== */

int refresh_token_new(char out[REFRESH_TOKEN_LEN + 1])
{
	unsigned char raw[32];
	if (crypto_random(raw, sizeof raw) != 0)
		return -1;
	crypto_b64url(raw, sizeof raw, out);
	return 0;
}

int refresh_token_valid(const char *s)
{
	return strnlen(s, REFRESH_TOKEN_LEN + 1) == REFRESH_TOKEN_LEN &&
	       crypto_is_b64url(s, REFRESH_TOKEN_LEN);
}

int api_key_new(char out[API_KEY_LEN + 1])
{
	unsigned char id[8], secret[32];
	if (crypto_random(id, sizeof id) != 0 || crypto_random(secret, sizeof secret) != 0)
		return -1;
	memcpy(out, "tak_", 4);
	crypto_hex(id, sizeof id, out + 4);
	out[API_KEY_PREFIX_LEN] = '_';
	crypto_b64url(secret, sizeof secret, out + API_KEY_PREFIX_LEN + 1);
	return 0;
}

int api_key_valid(const char *s)
{
	if (strnlen(s, API_KEY_LEN + 1) != API_KEY_LEN || strncmp(s, "tak_", 4) != 0 ||
	    s[API_KEY_PREFIX_LEN] != '_')
		return 0;
	for (int i = 4; i < API_KEY_PREFIX_LEN; i++)
		if (!strchr("0123456789abcdef", s[i]))
			return 0;
	return crypto_is_b64url(s + API_KEY_PREFIX_LEN + 1, API_KEY_LEN - API_KEY_PREFIX_LEN - 1);
}

const char *auth_bearer(const char *authorization)
{
	if (!authorization || strncasecmp(authorization, "Bearer", 6) != 0 || authorization[6] != ' ')
		return NULL;
	const char *t = authorization + 7;
	while (*t == ' ')
		t++;
	return *t ? t : NULL;
}

/* ==== Passwords ==== */

/* crypt_rn's work area is 32 KiB: one per process, reused. */
static struct crypt_data crypt_area;

int password_hash(const char *password, int cost, char out[PASSWORD_HASH_MAX])
{
	unsigned char salt[16];
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	if (crypto_random(salt, sizeof salt) != 0 ||
	    !crypt_gensalt_rn("$2b$", (unsigned long)cost, (const char *)salt, sizeof salt, setting,
	                      sizeof setting))
		return -1;
	memset(&crypt_area, 0, sizeof crypt_area);
	const char *h = crypt_rn(password, setting, &crypt_area, sizeof crypt_area);
	if (!h || h[0] == '*' || strlen(h) >= PASSWORD_HASH_MAX)
		return -1;
	strcpy(out, h);
	return 0;
}

int password_verify(const char *password, const char *hash)
{
	/* bcrypt only ($2a$, $2b$, $2y$): no other crypt(3) scheme is ever accepted. */
	if (strncmp(hash, "$2", 2) != 0 || (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') ||
	    hash[3] != '$')
		return 0;
	memset(&crypt_area, 0, sizeof crypt_area);
	const char *h = crypt_rn(password, hash, &crypt_area, sizeof crypt_area);
	size_t n = strlen(hash);
	if (!h || h[0] == '*' || strlen(h) != n)
		return 0;
	return crypto_equal(h, hash, n);
}

void password_verify_dummy(const char *password, int cost)
{
	static char dummy[PASSWORD_HASH_MAX];
	static int dummy_cost;
	if (dummy_cost != cost && password_hash("dummy-password-0", cost, dummy) == 0)
		dummy_cost = cost;
	if (dummy_cost == cost)
		(void)password_verify(password, dummy);
}

void password_policy(const struct field_value *v, const char *field, struct problems *p)
{
	size_t chars = utf8_length(v->str, v->len);
	int digit = 0, upper = 0, lower = 0;
	for (size_t i = 0; i < v->len; i++) {
		unsigned char ch = (unsigned char)v->str[i];
		digit |= isdigit(ch) != 0;
		upper |= isupper(ch) != 0;
		lower |= islower(ch) != 0;
	}
	if (chars < 8)
		problems_add(p, "body", field, "value_error",
		             "Value error, Password must be at least 8 characters long");
	if (chars > 100)
		problems_add(p, "body", field, "value_error",
		             "Value error, Password must be at most 100 characters long");
	if (!digit)
		problems_add(p, "body", field, "value_error",
		             "Value error, Password must contain at least one digit");
	if (!upper)
		problems_add(p, "body", field, "value_error",
		             "Value error, Password must contain at least one uppercase letter");
	if (!lower)
		problems_add(p, "body", field, "value_error",
		             "Value error, Password must contain at least one lowercase letter");
}

/* ==== Email ==== */

static const char *email_problem(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);
	if (!at)
		return "An email address must have an @-sign.";
	if (memchr(at + 1, '@', n - (size_t)(at + 1 - s)))
		return "The email address must contain exactly one @-sign.";
	size_t local = (size_t)(at - s), domain = n - local - 1;
	if (local == 0)
		return "There must be something before the @-sign.";
	if (local > 64)
		return "The email address is too long before the @-sign.";
	if (domain == 0)
		return "There must be something after the @-sign.";
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch <= ' ' || ch == 0x7f || strchr("()<>[]\\,;:\"", ch))
			return "The email address contains invalid characters.";
	}
	const char *d = at + 1, *dot = memchr(d, '.', domain);
	if (!dot)
		return "The part after the @-sign is not valid. It should have a period.";
	if (s[0] == '.' || at[-1] == '.' || d[0] == '.' || s[n - 1] == '.' || memmem(s, n, "..", 2))
		return "An email address cannot have a period in this position.";
	if (d[0] == '-' || s[n - 1] == '-')
		return "The part after the @-sign is not valid.";
	return NULL;
}

void email_check(const struct field_value *v, const char *field, struct problems *p)
{
	const char *why = v->len > 254 ? "The email address is too long." : email_problem(v->str, v->len);
	if (why)
		problems_add(p, "body", field, "value_error", "value is not a valid email address: %s", why);
}
