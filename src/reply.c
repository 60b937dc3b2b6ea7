/* Request parameters and answers: each helper validates or answers in one step. */
#include "reply.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "credentials.h"
#include "log.h"
#include "query.h"

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
