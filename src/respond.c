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
	if (auth_token_check(token, cfg.jwt_keys, cfg.jwt_key_count, (long long)time(NULL),
	                     &c->claims) != TOKEN_OK) {
		http_unauthorized(c->res, "Could not validate credentials");
		return -1;
	}
	char uid[24], iat[24], sid[24];
	snprintf(uid, sizeof uid, "%lld", c->claims.user_id);
	snprintf(iat, sizeof iat, "%lld", c->claims.iat);
	snprintf(sid, sizeof sid, "%lld", c->claims.sid);
	const char *elems[6] = {uid, c->claims.jti[0] ? c->claims.jti : NULL, iat,
	                        c->claims.sid > 0 ? sid : NULL, NULL, NULL};
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

int caller_or_reply(struct ctx *c, PGresult *r, int col)
{
	if (PQntuples(r) == 0 || PQgetisnull(r, 0, col)) {
		http_unauthorized(c->res, "Could not validate credentials");
		return -1;
	}
	c->user_id = atoll(PQgetvalue(r, 0, col));
	if (PQgetvalue(r, 0, col + 2)[0] != 't') {
		http_error(c->res, 403, "Inactive user");
		return -1;
	}
	c->caller_ok = 1;
	return 0;
}

int admin_or_reply(struct ctx *c, PGresult *r, int col)
{
	if (caller_or_reply(c, r, col) != 0)
		return -1;
	if (strcmp(PQgetvalue(r, 0, col + 1), ROLE_ADMIN) != 0) {
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
		int ok = caller_or_reply(c, r, 0) == 0;
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

PGresult *db_or_reply_unique(struct ctx *c, enum stmt_id id, const char *const *params,
                             const char **unique)
{
	PGresult *r = NULL;
	switch (db_request_run(&c->db, id, params, &r, unique)) {
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
	case DB_ERROR:
		break;
	}
	http_error(c->res, 500, "Internal server error");
	return NULL;
}

PGresult *db_or_reply(struct ctx *c, enum stmt_id id, const char *const *params)
{
	return db_or_reply_unique(c, id, params, NULL);
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

/* ==== Objects ==== */

static void put_time(struct buf *b, PGresult *r, int row, int col)
{
	char t[TIME_TEXT_MAX];
	if (PQgetisnull(r, row, col) || time_from_pg(PQgetvalue(r, row, col), t) != 0)
		buf_puts(b, "null");
	else
		buf_json_cstr(b, t);
}

static void put_text(struct buf *b, PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		buf_puts(b, "null");
	else
		buf_json_str(b, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
}

static void put_bool(struct buf *b, PGresult *r, int row, int col)
{
	buf_puts(b, PQgetvalue(r, row, col)[0] == 't' ? "true" : "false");
}

void json_user(struct buf *b, PGresult *r, int row, int col)
{
	buf_cat(b, "{\"id\":", PQgetvalue(r, row, col), ",\"email\":", NULL);
	put_text(b, r, row, col + 1);
	buf_puts(b, ",\"username\":");
	put_text(b, r, row, col + 2);
	buf_puts(b, ",\"full_name\":");
	put_text(b, r, row, col + 3);
	buf_puts(b, ",\"role\":");
	put_text(b, r, row, col + 4);
	buf_puts(b, ",\"is_active\":");
	put_bool(b, r, row, col + 5);
	buf_puts(b, ",\"created_at\":");
	put_time(b, r, row, col + 6);
	buf_puts(b, ",\"updated_at\":");
	put_time(b, r, row, col + 7);
	buf_putc(b, '}');
}

void json_task(struct buf *b, PGresult *r, int row, int col)
{
	const char *status = PQgetvalue(r, row, col + 3);
	buf_cat(b, "{\"id\":", PQgetvalue(r, row, col), ",\"title\":", NULL);
	put_text(b, r, row, col + 1);
	buf_puts(b, ",\"description\":");
	put_text(b, r, row, col + 2);
	buf_cat(b, ",\"status\":\"", status, "\",\"priority\":", NULL);
	put_text(b, r, row, col + 4);
	buf_puts(b, ",\"due_date\":");
	put_time(b, r, row, col + 5);
	buf_cat(b, ",\"is_completed\":", strcmp(status, STATUS_COMPLETED) == 0 ? "true" : "false",
	        ",\"owner_id\":", PQgetvalue(r, row, col + 6), ",\"created_at\":", NULL);
	put_time(b, r, row, col + 7);
	buf_puts(b, ",\"updated_at\":");
	put_time(b, r, row, col + 8);
	buf_putc(b, '}');
}

void json_api_key(struct buf *b, PGresult *r, int row, int col, const char *key)
{
	buf_printf(b, "{\"id\":%s,\"name\":", PQgetvalue(r, row, col));
	put_text(b, r, row, col + 1);
	buf_puts(b, ",\"prefix\":");
	put_text(b, r, row, col + 2);
	buf_puts(b, ",\"created_at\":");
	put_time(b, r, row, col + 3);
	buf_puts(b, ",\"last_used_at\":");
	put_time(b, r, row, col + 4);
	buf_puts(b, ",\"expires_at\":");
	put_time(b, r, row, col + 5);
	if (key) {
		buf_puts(b, ",\"key\":");
		buf_json_cstr(b, key);
	}
	buf_putc(b, '}');
}
