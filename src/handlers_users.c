/* User routes: the caller's own account and preferences, and the admin's view of all accounts. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "handlers.h"
#include "log.h"
#include "task_query.h"

void user_me_get(struct ctx *c)
{
	if (auth_token_or_reply(c) != 0)
		return;
	const char *params[] = {c->caller};
	PGresult *r = db_or_reply(c, STMT_ME, params);
	if (!r)
		return;
	if (caller_or_reply(c, r) == 0) {
		struct jsonw w = body_writer(c);
		json_user(&w, NULL, r, 0, CALLER_NCOLS);
		reply_json(c, 200);
	}
	PQclear(r);
}

enum { U_EMAIL, U_USERNAME, U_FULL_NAME, U_PASSWORD, U_COUNT };

static const struct field_spec update_fields[U_COUNT] = {
	[U_EMAIL] = {.name = "email", .type = FIELD_STRING, .check = email_check},
	[U_USERNAME] = {.name = "username", .type = FIELD_STRING, .min_len = 3, .max_len = 50},
	[U_FULL_NAME] = {.name = "full_name", .type = FIELD_STRING, .nullable = 1, .max_len = 200},
	[U_PASSWORD] = {.name = "password", .type = FIELD_STRING, .check = password_policy},
};

void user_me_update(struct ctx *c)
{
	if (auth_token_or_reply(c) != 0)
		return;
	struct field_value v[U_COUNT];
	if (body_or_reply(c, update_fields, U_COUNT, v) != 0)
		return;
	char hash[PASSWORD_HASH_MAX] = "";
	if (v[U_PASSWORD].present && password_hash(v[U_PASSWORD].str, cfg.bcrypt_cost, hash) != 0) {
		log_error(NULL, "bcrypt: hashing failed");
		http_error(c->res, 500, "Internal server error");
		return;
	}
	char sid[24];
	snprintf(sid, sizeof sid, "%lld", c->claims.sid);
	const char *params[] = {
		c->caller,
		field_given(&v[U_EMAIL]),
		v[U_EMAIL].str,
		field_given(&v[U_USERNAME]),
		v[U_USERNAME].str,
		field_given(&v[U_FULL_NAME]),
		v[U_FULL_NAME].str,
		field_given(&v[U_PASSWORD]),
		hash,
		c->claims.sid > 0 ? sid : NULL, /* a new password ends every other session */
	};
	const char *unique = NULL;
	PGresult *r = db_or_reply_unique(c, STMT_ME_UPDATE, params, &unique);
	if (!r) {
		if (unique)
			http_error(c->res, 400, user_conflict_message(unique));
		return;
	}
	if (caller_or_reply(c, r) == 0) {
		struct jsonw w = body_writer(c);
		json_user(&w, NULL, r, 0, CALLER_NCOLS);
		reply_json(c, 200);
	}
	PQclear(r);
}

/* DELETE /users/me: closes the caller's account; a login session is needed, not an API key. */
void user_me_delete(struct ctx *c)
{
	if (session_token_or_reply(c) != 0)
		return;
	PGresult *r = db_or_reply(c, STMT_ME_DELETE, (const char *const[]){c->caller});
	if (!r)
		return;
	if (caller_or_reply(c, r) == 0)
		http_no_content(c->res);
	PQclear(r);
}

enum { P_CURRENT, P_NEW, P_COUNT };

static const struct field_spec password_fields[P_COUNT] = {
	[P_CURRENT] = {.name = "current_password", .type = FIELD_STRING, .required = 1},
	[P_NEW] = {.name = "new_password", .type = FIELD_STRING, .required = 1, .check = password_policy},
};

/* POST /users/me/password: checks the current password (throttled like logins), sets the
   new one and ends every other session. */
void user_password_change(struct ctx *c)
{
	if (auth_token_or_reply(c) != 0)
		return;
	struct field_value v[P_COUNT];
	if (body_or_reply(c, password_fields, P_COUNT, v) != 0)
		return;
	PGresult *r = db_or_reply(c, STMT_PASSWORD_GET, (const char *const[]){c->caller});
	if (!r)
		return;
	if (caller_or_reply(c, r) != 0 || login_throttled_or_reply(c, r, PWGET_LOCKED) != 0) {
		PQclear(r);
		return;
	}
	if (!password_verify(v[P_CURRENT].str, PQgetvalue(r, 0, PWGET_HASH))) {
		login_failed(PQgetvalue(r, 0, PWGET_USERNAME), (size_t)PQgetlength(r, 0, PWGET_USERNAME));
		PQclear(r);
		http_error(c->res, 400, "Current password is incorrect");
		return;
	}
	PQclear(r);
	char hash[PASSWORD_HASH_MAX], sid[24];
	if (password_hash(v[P_NEW].str, cfg.bcrypt_cost, hash) != 0) {
		log_error(NULL, "bcrypt: hashing failed");
		http_error(c->res, 500, "Internal server error");
		return;
	}
	snprintf(sid, sizeof sid, "%lld", c->claims.sid);
	const char *params[] = {c->caller, hash, c->claims.sid > 0 ? sid : NULL};
	r = db_or_reply(c, STMT_PASSWORD_SET, params);
	if (!r)
		return;
	if (caller_or_reply(c, r) == 0)
		http_no_content(c->res);
	PQclear(r);
}

void user_list(struct ctx *c)
{
	if (auth_token_or_reply(c) != 0)
		return;
	long long skip = query_int(c, "skip", 0, 0, 1LL << 53);
	long long limit = query_int(c, "limit", 100, 1, 1000);
	if (c->problems.count) {
		reply_problems(c);
		return;
	}
	char slimit[24], sskip[24];
	snprintf(slimit, sizeof slimit, "%lld", limit);
	snprintf(sskip, sizeof sskip, "%lld", skip);
	const char *params[] = {c->caller, slimit, sskip};
	PGresult *r = db_or_reply(c, STMT_USERS_LIST, params);
	if (!r)
		return;
	if (admin_or_reply(c, r) == 0) {
		struct jsonw w = body_writer(c);
		jsonw_arr_open(&w, NULL);
		for (int i = 0, n = PQntuples(r); i < n; i++) {
			if (!PQgetisnull(r, i, CALLER_NCOLS + USER_ID))
				json_user(&w, NULL, r, i, CALLER_NCOLS);
		}
		jsonw_arr_close(&w);
		reply_json(c, 200);
	}
	PQclear(r);
}

/* GET and DELETE /users/{id}: token, then the path id, then the statement. */
static PGresult *admin_target(struct ctx *c, enum stmt_id stmt)
{
	long long id;
	if (auth_token_or_reply(c) != 0)
		return NULL;
	if (path_id(c, 0, &id) != 0) {
		reply_problems(c);
		return NULL;
	}
	char target[24];
	snprintf(target, sizeof target, "%lld", id);
	const char *params[] = {c->caller, target};
	PGresult *r = db_or_reply(c, stmt, params);
	if (r && admin_or_reply(c, r) != 0) {
		PQclear(r);
		return NULL;
	}
	return r;
}

void user_get(struct ctx *c)
{
	PGresult *r = admin_target(c, STMT_USER_GET);
	if (!r)
		return;
	if (PQgetisnull(r, 0, CALLER_NCOLS + USER_ID)) {
		http_error(c->res, 404, "User not found");
	} else {
		struct jsonw w = body_writer(c);
		json_user(&w, NULL, r, 0, CALLER_NCOLS);
		reply_json(c, 200);
	}
	PQclear(r);
}

void user_delete(struct ctx *c)
{
	PGresult *r = admin_target(c, STMT_USER_DELETE);
	if (!r)
		return;
	if (PQgetvalue(r, 0, CHANGED_COUNT)[0] == '0')
		http_error(c->res, 404, "User not found");
	else
		http_no_content(c->res);
	PQclear(r);
}

/* ==== Preferences ==== */

enum { PF_PAGE_SIZE, PF_SORT, PF_TIMEZONE, PF_NOTIFICATIONS, PF_COUNT };
enum { N_TASK_CREATED, N_TASK_COMPLETED, N_DUE_SOON, N_COUNT };

/* IANA names are letters, digits and _ + - / (the lookup in PostgreSQL decides). */
static void timezone_check(const struct field_value *v, const char *field, struct problems *p)
{
	for (size_t i = 0; i < v->len; i++) {
		char ch = v->str[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      strchr("_+-/", ch))) {
			problems_add(p, "body", field, "value_error",
			             "Value error, unknown time zone: expected an IANA name such as Europe/Paris");
			return;
		}
	}
}

static const struct field_spec prefs_fields[PF_COUNT] = {
	[PF_PAGE_SIZE] =
		{.name = "default_page_size", .type = FIELD_INT, .nullable = 1, .min = 1, .max = 100},
	[PF_SORT] = {.name = "default_sort", .type = FIELD_ENUM, .nullable = 1, .choices = task_sorts},
	[PF_TIMEZONE] = {.name = "timezone",
                     .type = FIELD_STRING,
                     .nullable = 1,
                     .min_len = 1,
                     .max_len = 100,
                     .check = timezone_check},
	[PF_NOTIFICATIONS] = {.name = "notifications", .type = FIELD_OBJECT, .nullable = 1},
};

static const struct field_spec notification_fields[N_COUNT] = {
	[N_TASK_CREATED] = {.name = "task_created", .type = FIELD_BOOL},
	[N_TASK_COMPLETED] = {.name = "task_completed", .type = FIELD_BOOL},
	[N_DUE_SOON] = {.name = "due_soon", .type = FIELD_BOOL},
};

/* The preferences (PREFS_ROW) after the caller, defaults filled in. */
static void json_prefs(struct buf *b, PGresult *r)
{
	const int col = CALLER_NCOLS;
	struct jsonw w;
	jsonw_start(&w, b);
	jsonw_obj_open(&w, NULL);
	json_col(&w, "default_page_size", r, 0, col + PREFS_PAGE_SIZE, COL_INT);
	json_col(&w, "default_sort", r, 0, col + PREFS_SORT, COL_TEXT);
	json_col(&w, "timezone", r, 0, col + PREFS_TIMEZONE, COL_TEXT);
	jsonw_obj_open(&w, "notifications");
	json_col(&w, "task_created", r, 0, col + PREFS_TASK_CREATED, COL_BOOL);
	json_col(&w, "task_completed", r, 0, col + PREFS_TASK_COMPLETED, COL_BOOL);
	json_col(&w, "due_soon", r, 0, col + PREFS_DUE_SOON, COL_BOOL);
	jsonw_obj_close(&w);
	jsonw_obj_close(&w);
}

void user_prefs_get(struct ctx *c)
{
	if (auth_token_or_reply(c) != 0)
		return;
	const char *params[] = {c->caller};
	PGresult *r = db_or_reply(c, STMT_PREFS_GET, params);
	if (!r)
		return;
	if (caller_or_reply(c, r) == 0) {
		json_prefs(&c->res->body, r);
		reply_json(c, 200);
	}
	PQclear(r);
}

/* The notifications object: only the three booleans; fills n (all absent when null). */
static void notifications_parse(struct ctx *c, const struct field_value *v, struct field_value *n)
{
	memset(n, 0, sizeof *n * N_COUNT);
	if (!v->present || v->is_null || !v->object)
		return;
	struct problems *p = &c->problems;
	json_forbid_unknown(v->object, notification_fields, N_COUNT, "body", "notifications", p);
	for (int i = 0; i < N_COUNT; i++) {
		struct json_object *j = NULL;
		n[i].present = json_object_object_get_ex(v->object, notification_fields[i].name, &j);
		if (n[i].present && !json_object_is_type(j, json_type_boolean))
			problems_add_nested(p, "body", "notifications", notification_fields[i].name, "bool_type",
			                    "Input should be a valid boolean");
		else if (n[i].present)
			n[i].boolean = json_object_get_boolean(j);
	}
}

/* "given" flag and value of one notification: a null notifications object resets all. */
static void notification_param(const struct field_value *obj, const struct field_value *n,
                               const char **given, const char **value)
{
	*given = obj->present && (obj->is_null || n->present) ? "t" : "f";
	*value = obj->present && !obj->is_null && n->present ? (n->boolean ? "t" : "f") : NULL;
}

void user_prefs_update(struct ctx *c)
{
	if (auth_token_or_reply(c) != 0)
		return;
	struct field_value v[PF_COUNT], n[N_COUNT];
	body_parse(c, prefs_fields, PF_COUNT, v);
	if (c->body)
		json_forbid_unknown(c->body, prefs_fields, PF_COUNT, "body", NULL, &c->problems);
	notifications_parse(c, &v[PF_NOTIFICATIONS], n);
	if (c->problems.count) {
		reply_problems(c);
		return;
	}
	char page_size[24];
	snprintf(page_size, sizeof page_size, "%lld", v[PF_PAGE_SIZE].integer);
	const char *params[13] = {
		c->caller,
		field_given(&v[PF_PAGE_SIZE]),
		v[PF_PAGE_SIZE].present && !v[PF_PAGE_SIZE].is_null ? page_size : NULL,
		field_given(&v[PF_SORT]),
		v[PF_SORT].is_null ? NULL : v[PF_SORT].str,
		field_given(&v[PF_TIMEZONE]),
		v[PF_TIMEZONE].is_null ? NULL : v[PF_TIMEZONE].str,
	};
	for (int i = 0; i < N_COUNT; i++)
		notification_param(&v[PF_NOTIFICATIONS], &n[i], &params[7 + 2 * i], &params[8 + 2 * i]);
	PGresult *r = db_or_reply(c, STMT_PREFS_UPDATE, params);
	if (!r)
		return;
	if (caller_or_reply(c, r) == 0) {
		if (PQgetvalue(r, 0, PREFS_TZ_OK)[0] != 't') {
			problems_add(&c->problems, "body", "timezone", "value_error",
			             "Value error, unknown time zone: expected an IANA name such as Europe/Paris");
			reply_problems(c);
		} else {
			json_prefs(&c->res->body, r);
			reply_json(c, 200);
		}
	}
	PQclear(r);
}
