/* Auth routes: register, register-admin, login. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "handlers.h"
#include "log.h"

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

static void register_with_role(struct ctx *c, const char *role)
{
	struct field_value v[F_REGISTER_COUNT];
	if (body_or_reply(c, register_fields, F_REGISTER_COUNT, v) != 0)
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
	json_user(&c->res->body, r, 0, 0);
	PQclear(r);
	reply_json(c, 201);
}

void auth_register(struct ctx *c)
{
	register_with_role(c, "user");
}

void auth_register_admin(struct ctx *c)
{
	if (!cfg.allow_admin_registration) {
		http_error(c->res, 403, "Admin registration is disabled");
		return;
	}
	register_with_role(c, "admin");
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
	/* An unknown user costs one bcrypt too, so both failures take the same time. */
	int found = PQntuples(r) == 1;
	if (!found)
		password_verify_dummy(v[L_PASSWORD].str, cfg.bcrypt_cost);
	if (!found || !password_verify(v[L_PASSWORD].str, PQgetvalue(r, 0, 4))) {
		PQclear(r);
		http_unauthorized(c->res, "Incorrect username or password");
		return;
	}
	c->user_id = atoll(PQgetvalue(r, 0, 0));
	if (PQgetvalue(r, 0, 3)[0] != 't') {
		PQclear(r);
		http_error(c->res, 403, "Inactive user");
		return;
	}
	char *token = auth_token_create(cfg.jwt_secret, cfg.jwt_secret_len, c->user_id,
	                                PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2), (long long)time(NULL),
	                                cfg.token_ttl);
	PQclear(r);
	if (!token) {
		log_error(NULL, "jwt: token creation failed");
		http_error(c->res, 500, "Internal server error");
		return;
	}
	buf_puts(&c->res->body, "{\"access_token\":");
	buf_json_cstr(&c->res->body, token);
	buf_puts(&c->res->body, ",\"token_type\":\"bearer\"}");
	free(token);
	http_header(c->res, "Cache-Control", "no-store");
	reply_json(c, 200);
}
