/*
 * The caller's credential: read from the request (an access token or an API key), put in
 * the statement's caller parameter, and checked against the statement's caller columns.
 * Each check answers itself when it fails, so handlers read straight through:
 *   if (auth_token_or_reply(c) != 0) return;
 */
#include "credentials.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "crypto.h"
#include "rows.h"
#include "words.h"

/* ==== Caller ==== */

/*
 * c->caller: a PostgreSQL array literal of 6 elements (the layout CALLER_CTE in
 * src/statements.c reads), each NULL or double-quoted. Elements are short (ids,
 * hex, a jti of at most JTI_MAX printable characters), so c->caller always fits.
 */
static void caller_param(struct ctx *c, const char *const elems[6])
{
	size_t o = 0, cap = sizeof c->caller - 1;
	c->caller[o++] = '{';
	for (int i = 0; i < 6; i++) {
		const char *s = elems[i] ? elems[i] : "NULL";
		if (i > 0 && o < cap)
			c->caller[o++] = ',';
		if (elems[i] && o < cap)
			c->caller[o++] = '"';
		for (; *s && o + 1 < cap; s++) {
			if (elems[i] && (*s == '"' || *s == '\\'))
				c->caller[o++] = '\\';
			c->caller[o++] = *s;
		}
		if (elems[i] && o < cap)
			c->caller[o++] = '"';
	}
	if (o < cap)
		c->caller[o++] = '}';
	c->caller[o] = '\0';
}

static int api_key_or_reply(struct ctx *c, const char *key)
{
	if (!api_key_valid(key)) {
		http_unauthorized(c->res, "Could not validate credentials");
		return -1;
	}
	char hash[SHA256_HEX_LEN + 1];
	crypto_sha256_hex(key, API_KEY_LEN, hash);
	memcpy(c->api_key_prefix, key, API_KEY_PREFIX_LEN);
	c->api_key_prefix[API_KEY_PREFIX_LEN] = '\0';
	const char *elems[6] = {NULL, NULL, NULL, NULL, c->api_key_prefix, hash};
	caller_param(c, elems);
	c->authenticated = 1;
	c->via_api_key = 1;
	return 0;
}

int auth_token_or_reply(struct ctx *c)
{
	const char *token = auth_bearer(c->req->authorization);
	if (token && strncmp(token, "tak_", 4) == 0)
		return api_key_or_reply(c, token);
	if (!token && c->req->api_key)
		return api_key_or_reply(c, c->req->api_key);
	if (!token) {
		http_unauthorized(c->res, "Not authenticated");
		return -1;
	}
	if (auth_token_check(token, cfg.jwt_keys, cfg.jwt_key_count, (long long)time(NULL), &c->claims) !=
	    TOKEN_OK) {
		http_unauthorized(c->res, "Could not validate credentials");
		return -1;
	}
	char uid[24], iat[24], sid[24];
	snprintf(uid, sizeof uid, "%lld", c->claims.user_id);
	snprintf(iat, sizeof iat, "%lld", c->claims.iat);
	snprintf(sid, sizeof sid, "%lld", c->claims.sid);
	const char *elems[6] = {uid,  c->claims.jti[0] ? c->claims.jti : NULL,
	                        iat,  c->claims.sid > 0 ? sid : NULL,
	                        NULL, NULL};
	caller_param(c, elems);
	c->authenticated = 1;
	c->user_id = c->claims.user_id;
	return 0;
}

int session_token_or_reply(struct ctx *c)
{
	if (auth_token_or_reply(c) != 0)
		return -1;
	if (c->via_api_key) {
		http_error(c->res, 403, "This action needs a login session, not an API key");
		return -1;
	}
	return 0;
}

int caller_or_reply(struct ctx *c, PGresult *r)
{
	if (PQntuples(r) == 0 || PQgetisnull(r, 0, CALLER_ID)) {
		http_unauthorized(c->res, "Could not validate credentials");
		return -1;
	}
	c->user_id = atoll(PQgetvalue(r, 0, CALLER_ID));
	if (PQgetvalue(r, 0, CALLER_ACTIVE)[0] != 't') {
		http_error(c->res, 403, "Inactive user");
		return -1;
	}
	c->caller_ok = 1;
	return 0;
}

int admin_or_reply(struct ctx *c, PGresult *r)
{
	if (caller_or_reply(c, r) != 0)
		return -1;
	if (strcmp(PQgetvalue(r, 0, CALLER_ROLE), ROLE_ADMIN) != 0) {
		http_error(c->res, 403, "Not enough permissions. Admin access required.");
		return -1;
	}
	return 0;
}
