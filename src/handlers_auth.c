/* Auth routes: register, register-admin, login, refresh, logout, logout-all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "crypto.h"
#include "handlers.h"
#include "jsonv.h"
#include "log.h"
#include "utf8.h"
#include "words.h"

enum { F_EMAIL, F_USERNAME, F_PASSWORD, F_FULL_NAME, F_REGISTER_COUNT };

static const struct field_spec register_fields[F_REGISTER_COUNT] = {
	[F_EMAIL] = {.name = "email", .type = FIELD_STRING, .required = 1, .check = email_check},
	[F_USERNAME] = {.name = "username", .type = FIELD_STRING, .required = 1, .min_len = 3, .max_len = 50},
	[F_PASSWORD] = {.name = "password", .type = FIELD_STRING, .required = 1, .check = password_policy},
	[F_FULL_NAME] = {.name = "full_name", .type = FIELD_STRING, .nullable = 1, .max_len = 200},
};

/* The 400 message for a unique constraint of users, email first as API.md orders them. */
const char *user_conflict_message(const char *constraint)
{
	return strcmp(constraint, "users_email_key") == 0 ? "Email already registered"
	                                                  : "Username already taken";
}

void auth_create_user(struct ctx *c, const char *role)
{
	struct field_value v[F_REGISTER_COUNT];
	if (body_or_reply(c, register_fields, F_REGISTER_COUNT, v) != 0 ||
	    idempotency_begin_or_reply(c, NULL, "/api/v1/users") != 0)
		return;
	char hash[PASSWORD_HASH_MAX];
	if (password_hash(v[F_PASSWORD].str, cfg.bcrypt_cost, hash) != 0) {
		log_error(NULL, "bcrypt: hashing failed");
		http_error(c->res, 500, "Internal server error");
		return;
	}
	const char *params[] = {v[F_EMAIL].str, v[F_USERNAME].str,
	                        v[F_FULL_NAME].is_null ? NULL : v[F_FULL_NAME].str, hash, role};
	const char *unique = NULL;
	PGresult *r = db_or_reply_unique(c, STMT_REGISTER, params, &unique);
	if (!r) {
		if (unique)
			http_error(c->res, 400, user_conflict_message(unique));
		return;
	}
	struct jsonw w = body_writer(c);
	json_user(&w, NULL, r, 0, FIRST_COL);
	reply_created(c, "/api/v1/users", PQgetvalue(r, 0, FIRST_COL + USER_ID));
	PQclear(r);
}

void auth_register(struct ctx *c)
{
	auth_create_user(c, ROLE_USER);
}

void auth_register_admin(struct ctx *c)
{
	if (!cfg.allow_admin_registration) {
		http_error(c->res, 403, "Admin registration is disabled");
		return;
	}
	auth_create_user(c, ROLE_ADMIN);
}

/* ==== Failed-login throttling (per account, in PostgreSQL) ==== */

/* 429 while the account is throttled: locked_col of row 0 holds the seconds left. */
int login_throttled_or_reply(struct ctx *c, PGresult *r, int locked_col)
{
	if (PQgetisnull(r, 0, locked_col))
		return 0;
	long long left = atoll(PQgetvalue(r, 0, locked_col));
	char retry[24];
	snprintf(retry, sizeof retry, "%lld", left > 0 ? left : 1);
	http_error(c->res, 429, "Too many failed login attempts, try again later");
	http_header(c->res, "Retry-After", retry);
	return -1;
}

/* Counts a failed password check against username (names longer than any account are not). */
void login_failed(const char *username, size_t len)
{
	if (cfg.login_max_failures == 0 || utf8_length(username, len) > 50)
		return;
	char max[16], window[16], lockout[16];
	snprintf(max, sizeof max, "%d", cfg.login_max_failures);
	snprintf(window, sizeof window, "%d", cfg.login_failure_window);
	snprintf(lockout, sizeof lockout, "%d", cfg.login_lockout);
	const char *params[] = {username, max, window, lockout};
	PGresult *r = NULL;
	if (db_run(STMT_LOGIN_FAILED, params, &r, NULL) == DB_OK) {
		if (atoi(PQgetvalue(r, 0, FIRST_COL)) >= cfg.login_max_failures)
			log_warn("security: login for account \"%.50s\" throttled for %d s after %d failures",
			         username, cfg.login_lockout, cfg.login_max_failures);
		PQclear(r);
	}
}

/* ==== Token pairs ==== */

/* Answers 200 with a new access token for session sid and the given refresh token. */
static void reply_tokens(struct ctx *c, long long user_id, const char *username, const char *role,
                         long long sid, const char *refresh)
{
	char *token = auth_token_sign(&cfg.jwt_keys[0], user_id, username, role, sid, (long long)time(NULL),
	                              cfg.token_ttl);
	if (!token) {
		log_error(NULL, "jwt: token creation failed");
		http_error(c->res, 500, "Internal server error");
		return;
	}
	struct jsonw w = body_writer(c);
	jsonw_obj_open(&w, NULL);
	jsonw_cstr(&w, "access_token", token);
	jsonw_cstr(&w, "token_type", "bearer");
	jsonw_cstr(&w, "refresh_token", refresh);
	jsonw_int(&w, "expires_in", cfg.token_ttl);
	jsonw_obj_close(&w);
	free(token);
	http_header(c->res, "Cache-Control", "no-store");
	reply_json(c, 200);
}

/* A new refresh token and its hash; answers 500 and returns -1 when the CSPRNG fails. */
static int new_refresh_or_reply(struct ctx *c, char token[REFRESH_TOKEN_LEN + 1],
                                char hash[SHA256_HEX_LEN + 1])
{
	if (refresh_token_new(token) != 0) {
		log_error(NULL, "getrandom failed");
		http_error(c->res, 500, "Internal server error");
		return -1;
	}
	crypto_sha256_hex(token, REFRESH_TOKEN_LEN, hash);
	return 0;
}

/* ==== Login ==== */

static void start_session(struct ctx *c, long long user_id, const char *username, const char *role)
{
	char refresh[REFRESH_TOKEN_LEN + 1], hash[SHA256_HEX_LEN + 1];
	if (new_refresh_or_reply(c, refresh, hash) != 0)
		return;
	char uid[24], refresh_ttl[24], access_ttl[24];
	snprintf(uid, sizeof uid, "%lld", user_id);
	snprintf(refresh_ttl, sizeof refresh_ttl, "%lld", cfg.refresh_ttl);
	snprintf(access_ttl, sizeof access_ttl, "%lld", cfg.token_ttl);
	const char *params[] = {uid, username, hash, refresh_ttl, access_ttl};
	PGresult *r = db_or_reply(c, STMT_SESSION_CREATE, params);
	if (!r)
		return;
	if (PQntuples(r) == 0) /* deleted between the password check and now */
		http_unauthorized(c->res, "Incorrect username or password");
	else
		reply_tokens(c, user_id, username, role, atoll(PQgetvalue(r, 0, FIRST_COL)), refresh);
	PQclear(r);
}

enum { L_USERNAME, L_PASSWORD, L_COUNT };

static const struct field_spec login_fields[L_COUNT] = {
	[L_USERNAME] = {.name = "username", .type = FIELD_STRING, .required = 1},
	[L_PASSWORD] = {.name = "password", .type = FIELD_STRING, .required = 1},
};

void auth_login(struct ctx *c)
{
	struct field_value v[L_COUNT];
	if (body_or_reply(c, login_fields, L_COUNT, v) != 0)
		return;
	const char *params[] = {v[L_USERNAME].str};
	PGresult *r = db_or_reply(c, STMT_LOGIN, params);
	if (!r)
		return;
	/* A throttled account answers before any bcrypt: the right password does not help. */
	if (login_throttled_or_reply(c, r, LOGIN_LOCKED) != 0) {
		PQclear(r);
		return;
	}
	/* An unknown user costs one bcrypt too, so both failures take the same time. */
	int found = !PQgetisnull(r, 0, LOGIN_ID);
	if (!found)
		password_verify_dummy(v[L_PASSWORD].str, cfg.bcrypt_cost);
	if (!found || !password_verify(v[L_PASSWORD].str, PQgetvalue(r, 0, LOGIN_HASH))) {
		PQclear(r);
		login_failed(v[L_USERNAME].str, v[L_USERNAME].len);
		http_unauthorized(c->res, "Incorrect username or password");
		return;
	}
	c->user_id = atoll(PQgetvalue(r, 0, LOGIN_ID));
	if (PQgetvalue(r, 0, LOGIN_ACTIVE)[0] != 't') {
		PQclear(r);
		http_error(c->res, 403, "Inactive user");
		return;
	}
	char *username = arena_strdup(c->arena, PQgetvalue(r, 0, LOGIN_USERNAME));
	char *role = arena_strdup(c->arena, PQgetvalue(r, 0, LOGIN_ROLE));
	PQclear(r);
	start_session(c, c->user_id, username, role);
}

/* ==== Refresh ==== */

enum { R_REFRESH_TOKEN, R_COUNT };

static const struct field_spec refresh_fields[R_COUNT] = {
	[R_REFRESH_TOKEN] = {.name = "refresh_token", .type = FIELD_STRING, .required = 1},
};

void auth_refresh(struct ctx *c)
{
	struct field_value v[R_COUNT];
	if (body_or_reply(c, refresh_fields, R_COUNT, v) != 0)
		return;
	if (!refresh_token_valid(v[R_REFRESH_TOKEN].str)) {
		http_unauthorized(c->res, "Invalid refresh token");
		return;
	}
	char old_hash[SHA256_HEX_LEN + 1], refresh[REFRESH_TOKEN_LEN + 1], hash[SHA256_HEX_LEN + 1];
	crypto_sha256_hex(v[R_REFRESH_TOKEN].str, REFRESH_TOKEN_LEN, old_hash);
	if (new_refresh_or_reply(c, refresh, hash) != 0)
		return;
	char ttl[24];
	snprintf(ttl, sizeof ttl, "%lld", cfg.refresh_ttl);
	const char *params[] = {old_hash, hash, ttl};
	PGresult *r = db_or_reply(c, STMT_REFRESH, params);
	if (!r)
		return;
	if (!PQgetisnull(r, 0, REFRESH_ID))
		c->user_id = atoll(PQgetvalue(r, 0, REFRESH_ID));
	if (PQgetvalue(r, 0, REFRESH_REUSED)[0] != '0')
		log_warn("security: refresh token reuse for user %lld: its session is revoked", c->user_id);
	int rotated = !PQgetisnull(r, 0, REFRESH_SESSION);
	if (PQgetisnull(r, 0, REFRESH_ID) || (!rotated && PQgetvalue(r, 0, REFRESH_ACTIVE)[0] == 't'))
		http_unauthorized(c->res, "Invalid refresh token"); /* unknown, used, expired, revoked */
	else if (!rotated)
		http_error(c->res, 403, "Inactive user");
	else
		reply_tokens(c, c->user_id, PQgetvalue(r, 0, REFRESH_USERNAME), PQgetvalue(r, 0, REFRESH_ROLE),
		             atoll(PQgetvalue(r, 0, REFRESH_SESSION)), refresh);
	PQclear(r);
}

/* ==== Logout ==== */

void auth_logout(struct ctx *c)
{
	if (session_token_or_reply(c) != 0)
		return;
	char sid[24], exp[24];
	snprintf(sid, sizeof sid, "%lld", c->claims.sid);
	snprintf(exp, sizeof exp, "%lld", c->claims.exp);
	const char *params[] = {c->caller, c->claims.sid > 0 ? sid : NULL,
	                        c->claims.jti[0] ? c->claims.jti : NULL, exp};
	PGresult *r = db_or_reply(c, STMT_LOGOUT, params);
	if (!r)
		return;
	if (caller_or_reply(c, r) == 0)
		http_no_content(c->res);
	PQclear(r);
}

void auth_logout_all(struct ctx *c)
{
	if (auth_token_or_reply(c) != 0)
		return;
	const char *params[] = {c->caller};
	PGresult *r = db_or_reply(c, STMT_LOGOUT_ALL, params);
	if (!r)
		return;
	if (caller_or_reply(c, r) == 0)
		http_no_content(c->res);
	PQclear(r);
}
