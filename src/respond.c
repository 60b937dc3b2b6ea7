/*
 * Helpers that validate and answer in one step, so handlers read straight through:
 *   if (auth_token_or_reply(c) != 0) return;
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "crypto.h"
#include "handlers.h"
#include "log.h"
#include "query.h"
#include "timefmt.h"
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

/* ==== Parameters ==== */

int path_id(struct ctx *c, int idx, long long *out)
{
	const char *name = "id";
	if (c->match->param_too_long[idx] || query_parse_int(c->match->params[idx], out) != 0) {
		problems_add(&c->problems, "path", name, "int_parsing",
		             "Input should be a valid integer, unable to parse string as an integer");
		return -1;
	}
	return 0;
}

long long query_int(struct ctx *c, const char *name, long long def, long long min, long long max)
{
	return query_get_int(c->arena, c->req->query, name, def, min, max, &c->problems);
}

const char *field_given(const struct field_value *v)
{
	return v->present ? "t" : "f";
}

/* ==== Answers ==== */

void reply_problems(struct ctx *c)
{
	/* FastAPI resolves the current user before it validates: keep that order of answers. */
	if (c->authenticated) {
		const char *params[] = {c->caller};
		PGresult *r = db_or_reply(c, STMT_CALLER, params);
		if (!r)
			return;
		int ok = caller_or_reply(c, r) == 0;
		PQclear(r);
		if (!ok)
			return;
	}
	buf_reset(&c->res->body);
	problems_write_json(&c->problems, &c->res->body);
	c->res->status = 422;
}

/*
 * 503 with Retry-After: only when nothing of the request was committed, so that a retry
 * cannot do anything twice. Every other failure is answered without Retry-After.
 */
static void reply_not_committed(struct ctx *c)
{
	char retry[16];
	snprintf(retry, sizeof retry, "%d", cfg.db_retry_after);
	http_error(c->res, 503, "Service temporarily unavailable");
	http_header(c->res, "Retry-After", retry);
}

PGresult *db_or_reply_n(struct ctx *c, enum stmt_id id, const char *const *params, int nparams,
                        const char **unique)
{
	PGresult *r = NULL;
	switch (db_runner(&c->db, id, params, nparams, &r, unique)) {
	case DB_OK:
		/* The idempotency reservation is bookkeeping: released again on a 5xx. */
		if (!statements[id].read_only && id != STMT_IDEM_BEGIN)
			c->db.writes++;
		return r;
	case DB_UNIQUE:
		if (unique)
			return NULL;
		log_error(NULL, "unexpected unique violation in %s", statements[id].name);
		break;
	case DB_UNAVAILABLE:
		log_warn("db: %s: no database connection, answering 503", statements[id].name);
		reply_not_committed(c);
		return NULL;
	case DB_TIMEOUT:
		/* This statement committed nothing; retrying is safe unless an earlier write of
		   the request did commit (the idempotency reservation is released on any 5xx). */
		if (c->db.writes == 0) {
			reply_not_committed(c);
			return NULL;
		}
		log_error(NULL, "db: %s timed out after %d write(s) of this request committed",
		          statements[id].name, c->db.writes);
		http_error(c->res, 504, "The request timed out after part of it was saved");
		return NULL;
	case DB_UNKNOWN:
		log_error(NULL, "db: %s: connection lost after the write was sent; outcome unknown",
		          statements[id].name);
		http_error(c->res, 502, "Database connection lost; the outcome of the request is unknown");
		return NULL;
	case DB_ERROR: break;
	}
	http_error(c->res, 500, "Internal server error");
	return NULL;
}

void body_parse(struct ctx *c, const struct field_spec *spec, int n, struct field_value *v)
{
	memset(v, 0, sizeof *v * (size_t)n);
	c->body = json_parse_body(c->req->body, c->req->body_len, &c->problems);
	if (c->body)
		json_extract(c->body, spec, n, v, &c->problems);
}

int body_or_reply(struct ctx *c, const struct field_spec *spec, int n, struct field_value *v)
{
	body_parse(c, spec, n, v);
	if (c->problems.count == 0)
		return 0;
	reply_problems(c);
	return -1;
}

void reply_json(struct ctx *c, int status)
{
	c->res->status = status;
}

const char *url_base(const struct ctx *c)
{
	return c->req->base ? c->req->base : "";
}

void location_header(struct ctx *c, const char *collection, const char *id)
{
	struct buf url = {0};
	buf_cat(&url, url_base(c), collection, "/", id, NULL);
	http_header(c->res, "Location", url.data);
	buf_free(&url);
}

void reply_created(struct ctx *c, const char *collection, const char *id)
{
	location_header(c, collection, id);
	reply_json(c, 201);
}

/* ==== Objects ==== */

/* json_col, inlined into the row writers' loop. */
static inline void put_col(struct jsonw *w, const char *key, PGresult *r, int row, int col,
                           enum col_json type)
{
	char t[TIME_TEXT_MAX];
	/* Each type asks libpq only what it needs: this runs for every field of every row. */
	switch (type) {
	case COL_HIDDEN: return;
	case COL_BOOL: jsonw_bool(w, key, PQgetvalue(r, row, col)[0] == 't'); return;
	case COL_IS_DONE: jsonw_bool(w, key, strcmp(PQgetvalue(r, row, col), STATUS_COMPLETED) == 0); return;
	case COL_IS_SET: jsonw_bool(w, key, !PQgetisnull(r, row, col)); return;
	case COL_INT:
	case COL_JSON: jsonw_raw(w, key, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col)); return;
	default: break;
	}
	if (PQgetisnull(r, row, col)) {
		jsonw_null(w, key);
		return;
	}
	const char *v = PQgetvalue(r, row, col);
	size_t n = (size_t)PQgetlength(r, row, col);
	switch (type) {
	case COL_WORD:
		if (n + 2 <= sizeof t) { /* a word needs no escaping: quoted in one copy */
			t[0] = '"';
			memcpy(t + 1, v, n);
			t[n + 1] = '"';
			jsonw_raw(w, key, t, n + 2);
			break;
		}
		/* fall through */
	case COL_TEXT: jsonw_str(w, key, v, n); break;
	case COL_TIME: jsonw_cstr(w, key, time_from_pg(v, t) == 0 ? t : NULL); break;
	default: /* COL_INT_NULL, COL_JSON_NULL */ jsonw_raw(w, key, v, n); break;
	}
}

void json_col(struct jsonw *w, const char *key, PGresult *r, int row, int col, enum col_json type)
{
	put_col(w, key, r, row, col, type);
}

/* A layout's JSON fields in its order (include/rows.h). */
struct row_field {
	struct jsonw_key key;
	unsigned char type; /* enum col_json */
	unsigned char col;  /* the column's position in the layout */
};
#define ROW_FIELD_(a, name, sql, key, type) {JSONW_KEY(key), type, name},
#define ROW_VFIELD_(a, name, key, type)     {JSONW_KEY(key), type, name},
#define ROW_FIELDS(ROW)                     ROW(ROW_FIELD_, ROW_FIELD_, ROW_VFIELD_, )
#define ROW_FIELDS_COUNT(f)                 (sizeof(f) / sizeof((f)[0]))

static const struct row_field user_fields[] = {ROW_FIELDS(USER_ROW)};
static const struct row_field task_fields[] = {ROW_FIELDS(TASK_ROW)};
static const struct row_field api_key_fields[] = {ROW_FIELDS(API_KEY_ROW)};
static const struct row_field notif_fields[] = {ROW_FIELDS(NOTIF_ROW)};

/* The layout's fields of row (its first column at col), as members of w's open object. */
static void put_fields(struct jsonw *w, PGresult *r, int row, int col, const struct row_field *f,
                       size_t n)
{
	for (size_t i = 0; i < n; i++, f++) {
		if (f->type == COL_HIDDEN)
			continue;
		jsonw_key(w, &f->key);
		put_col(w, NULL, r, row, col + f->col, f->type);
	}
}

/* The layout's fields of row as an object, member key of w's open container (or NULL). */
static void put_object(struct jsonw *w, const char *key, PGresult *r, int row, int col,
                       const struct row_field *f, size_t n)
{
	jsonw_obj_open(w, key);
	put_fields(w, r, row, col, f, n);
	jsonw_obj_close(w);
}

void json_user(struct jsonw *w, const char *key, PGresult *r, int row, int col)
{
	put_object(w, key, r, row, col, user_fields, ROW_FIELDS_COUNT(user_fields));
}

void json_task(struct jsonw *w, const char *key, PGresult *r, int row, int col)
{
	put_object(w, key, r, row, col, task_fields, ROW_FIELDS_COUNT(task_fields));
}

void json_notification(struct jsonw *w, const char *key, PGresult *r, int row, int col)
{
	put_object(w, key, r, row, col, notif_fields, ROW_FIELDS_COUNT(notif_fields));
}

void json_api_key(struct jsonw *w, PGresult *r, int row, int col, const char *secret)
{
	jsonw_obj_open(w, NULL);
	put_fields(w, r, row, col, api_key_fields, ROW_FIELDS_COUNT(api_key_fields));
	if (secret)
		jsonw_cstr(w, "key", secret);
	jsonw_obj_close(w);
}
