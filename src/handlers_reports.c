/*
 * Report routes: ask for a report (the report and its job commit in one statement; a
 * daemon makes it), follow its status, download a CSV. The download streams the stored
 * chunks one at a time: neither the worker nor the daemon ever holds a whole export.
 * Only the report's creator (or an admin) sees it; anyone else gets 404, as for a
 * report that expired.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "log.h"
#include "words.h"

static const char *const kinds[] = {"tasks_csv", "tasks_summary", NULL};

enum { R_KIND, R_FILTERS, R_COUNT };
static const struct field_spec report_fields[R_COUNT] = {
	[R_KIND] = {.name = "kind", .type = FIELD_ENUM, .required = 1, .choices = kinds},
	[R_FILTERS] = {.name = "filters", .type = FIELD_OBJECT, .nullable = 1},
};

/* The task list's filters that a report takes (times as RFC 3339, stored canonical). */
enum {
	F_STATUS,
	F_PRIORITY,
	F_DUE_BEFORE,
	F_DUE_AFTER,
	F_CREATED_AFTER,
	F_CREATED_BEFORE,
	F_OWNER,
	F_COUNT
};
static const struct field_spec filter_fields[F_COUNT] = {
	[F_STATUS] = {.name = "status", .type = FIELD_ENUM, .nullable = 1, .choices = task_statuses},
	[F_PRIORITY] = {.name = "priority", .type = FIELD_ENUM, .nullable = 1, .choices = task_priorities},
	[F_DUE_BEFORE] = {.name = "due_before", .type = FIELD_TIME, .nullable = 1},
	[F_DUE_AFTER] = {.name = "due_after", .type = FIELD_TIME, .nullable = 1},
	[F_CREATED_AFTER] = {.name = "created_after", .type = FIELD_TIME, .nullable = 1},
	[F_CREATED_BEFORE] = {.name = "created_before", .type = FIELD_TIME, .nullable = 1},
	[F_OWNER] = {.name = "owner_id", .type = FIELD_INT, .nullable = 1, .min = 1, .max = 1LL << 62},
};

/* Validates the filters object into canonical JSON (arena memory) and the owner_id. */
static const char *filters_parse(struct ctx *c, const struct field_value *v, const char **owner)
{
	*owner = NULL;
	if (!v->present || v->is_null || !v->object)
		return "{}";
	struct problems tmp = {0};
	struct field_value f[F_COUNT];
	json_forbid_unknown(v->object, filter_fields, F_COUNT, "body", "filters", &c->problems);
	json_extract(v->object, filter_fields, F_COUNT, f, &tmp);
	for (int i = 0; i < tmp.count; i++) /* at [body, filters, field] */
		problems_add_nested(&c->problems, "body", "filters", tmp.list[i].field, tmp.list[i].type, "%s",
		                    tmp.list[i].msg);
	struct buf b = {0};
	buf_putc(&b, '{');
	for (int i = 0; i < F_COUNT; i++) {
		if (!f[i].present || f[i].is_null || i == F_OWNER)
			continue;
		if (b.len > 1)
			buf_putc(&b, ',');
		buf_json_cstr(&b, filter_fields[i].name);
		buf_putc(&b, ':');
		buf_json_cstr(&b, filter_fields[i].type == FIELD_TIME ? f[i].time : f[i].str);
	}
	buf_putc(&b, '}');
	if (f[F_OWNER].present && !f[F_OWNER].is_null) {
		char *o = arena_alloc(c->arena, 24);
		snprintf(o, 24, "%lld", f[F_OWNER].integer);
		*owner = o;
	}
	char *out = arena_strdup(c->arena, b.data);
	buf_free(&b);
	return out;
}

/* Queues the report; on success answers 202 with its id (message: the generate route's). */
static void create(struct ctx *c, const char *kind, const struct field_value *filters,
                   const char *message)
{
	const char *owner;
	const char *json = filters_parse(c, filters, &owner);
	if (c->problems.count) {
		reply_problems(c);
		return;
	}
	const char *params[] = {c->caller, kind, json, owner};
	PGresult *r = db_or_reply(c, STMT_REPORT_CREATE, params);
	if (!r)
		return;
	if (caller_or_reply(c, r) == 0) {
		if (PQgetvalue(r, 0, RCREATE_ALLOWED)[0] != 't') {
			http_error(c->res, 403, "Not enough permissions. Admin access required.");
		} else {
			const char *id = PQgetvalue(r, 0, RCREATE_ID);
			location_header(c, "/api/v1/reports", id);
			struct buf url = {0};
			buf_cat(&url, url_base(c), "/api/v1/reports/", id, NULL);
			struct jsonw w = body_writer(c);
			jsonw_obj_open(&w, NULL);
			if (message)
				jsonw_cstr(&w, "message", message);
			jsonw_raw_cstr(&w, "id", id);
			jsonw_cstr(&w, "kind", kind);
			jsonw_cstr(&w, "status", "queued");
			jsonw_cstr(&w, "url", url.data);
			jsonw_obj_close(&w);
			buf_free(&url);
			reply_json(c, 202);
		}
	}
	PQclear(r);
}

void report_create(struct ctx *c)
{
	if (auth_token_or_reply(c) != 0)
		return;
	struct field_value v[R_COUNT];
	body_parse(c, report_fields, R_COUNT, v);
	if (c->body)
		json_forbid_unknown(c->body, report_fields, R_COUNT, "body", NULL, &c->problems);
	create(c, v[R_KIND].str, &v[R_FILTERS], NULL);
}

/* The original deployment's POST /reports/generate: no body (or {}) means the CSV of the
   caller's tasks; a body is read as POST /reports reads it, kind optional. */
void report_generate(struct ctx *c)
{
	if (auth_token_or_reply(c) != 0)
		return;
	struct field_value v[R_COUNT] = {0};
	if (c->req->body_len > 0) {
		struct field_spec spec[R_COUNT];
		memcpy(spec, report_fields, sizeof spec);
		spec[R_KIND].required = 0;
		body_parse(c, spec, R_COUNT, v);
		if (c->body)
			json_forbid_unknown(c->body, report_fields, R_COUNT, "body", NULL, &c->problems);
	}
	create(c, v[R_KIND].present && v[R_KIND].str ? v[R_KIND].str : "tasks_csv", &v[R_FILTERS],
	       "Report generation started");
}

/* ==== Status and download ==== */

/* The value of column name of the report (REPORT_ROW) after the caller. */
#define REPORT(r, name)      PQgetvalue(r, 0, CALLER_NCOLS + name)
#define REPORT_NULL(r, name) PQgetisnull(r, 0, CALLER_NCOLS + name)

/* The report of a report_get row. */
static void json_report(struct ctx *c, PGresult *r)
{
	const int col = CALLER_NCOLS;
	const char *id = REPORT(r, REPORT_ID), *kind = REPORT(r, REPORT_KIND);
	const char *status = REPORT(r, REPORT_STATUS);
	int done = strcmp(status, "done") == 0;
	struct jsonw w = body_writer(c);
	jsonw_obj_open(&w, NULL);
	json_col(&w, "id", r, 0, col + REPORT_ID, COL_INT);
	json_col(&w, "kind", r, 0, col + REPORT_KIND, COL_TEXT);
	json_col(&w, "status", r, 0, col + REPORT_STATUS, COL_TEXT);
	json_col(&w, "filters", r, 0, col + REPORT_FILTERS, COL_JSON);
	jsonw_obj_open(&w, "progress");
	json_col(&w, "rows_done", r, 0, col + REPORT_ROWS_DONE, COL_INT);
	json_col(&w, "rows_total", r, 0, col + REPORT_ROWS_TOTAL, COL_INT_NULL);
	long long rows = atoll(REPORT(r, REPORT_ROWS_DONE)), total = atoll(REPORT(r, REPORT_ROWS_TOTAL));
	int unknown = REPORT_NULL(r, REPORT_ROWS_TOTAL) || total == 0;
	jsonw_int(&w, "percent", done ? 100 : unknown ? 0 : rows * 100 / total);
	jsonw_obj_close(&w);
	json_col(&w, "summary", r, 0, col + REPORT_SUMMARY, COL_JSON_NULL);
	if (done && strcmp(kind, "tasks_csv") == 0) {
		struct buf url = {0};
		buf_cat(&url, url_base(c), "/api/v1/reports/", id, "/download", NULL);
		jsonw_cstr(&w, "download_url", url.data);
		buf_free(&url);
		json_col(&w, "bytes", r, 0, col + REPORT_BYTES, COL_INT);
	} else {
		jsonw_null(&w, "download_url");
	}
	json_col(&w, "error", r, 0, col + REPORT_ERROR, COL_TEXT);
	json_col(&w, "created_at", r, 0, col + REPORT_CREATED_AT, COL_TIME);
	json_col(&w, "finished_at", r, 0, col + REPORT_FINISHED_AT, COL_TIME);
	json_col(&w, "expires_at", r, 0, col + REPORT_EXPIRES_AT, COL_TIME);
	jsonw_obj_close(&w);
}

/* Runs report_get for path id; NULL after answering (also 404 when not the caller's). */
static PGresult *report_or_reply(struct ctx *c)
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
	PGresult *r = db_or_reply(c, STMT_REPORT_GET, params);
	if (!r)
		return NULL;
	if (caller_or_reply(c, r) != 0) {
		PQclear(r);
		return NULL;
	}
	if (REPORT_NULL(r, REPORT_ID)) {
		http_error(c->res, 404, "Report not found");
		PQclear(r);
		return NULL;
	}
	return r;
}

void report_get(struct ctx *c)
{
	PGresult *r = report_or_reply(c);
	if (!r)
		return;
	json_report(c, r);
	reply_json(c, 200);
	PQclear(r);
}

struct report_stream {
	char id[24];
	int chunks;
};

/* Writes the chunks in order, each fetched, sent and freed before the next. */
static void stream_chunks(void *arg, void (*put)(void *out, const char *data, size_t len), void *out)
{
	const struct report_stream *s = arg;
	for (int i = 0; i < s->chunks; i++) {
		char seq[16];
		snprintf(seq, sizeof seq, "%d", i);
		const char *params[] = {s->id, seq};
		PGresult *r = NULL;
		if (db_run(STMT_REPORT_CHUNK, params, &r, NULL) != DB_OK || PQntuples(r) != 1) {
			/* The head has gone: the short body tells the client (Content-Length). */
			log_error(NULL, "report %s: chunk %d unavailable during download", s->id, i);
			PQclear(r);
			return;
		}
		put(out, PQgetvalue(r, 0, FIRST_COL), (size_t)PQgetlength(r, 0, FIRST_COL));
		PQclear(r);
	}
}

void report_download(struct ctx *c)
{
	PGresult *r = report_or_reply(c);
	if (!r)
		return;
	if (strcmp(REPORT(r, REPORT_KIND), "tasks_csv") != 0) {
		http_error(c->res, 404,
		           "This report has no download; its summary is in GET /api/v1/reports/{id}");
	} else if (strcmp(REPORT(r, REPORT_STATUS), "done") != 0) {
		http_header(c->res, "Retry-After", "2");
		http_error(c->res, 409, "Report is not ready yet");
	} else {
		struct report_stream *s = arena_alloc(c->arena, sizeof *s);
		snprintf(s->id, sizeof s->id, "%s", REPORT(r, REPORT_ID));
		s->chunks = atoi(REPORT(r, REPORT_CHUNKS));
		char disposition[80];
		snprintf(disposition, sizeof disposition, "attachment; filename=\"tasks-report-%s.csv\"", s->id);
		http_header(c->res, "Content-Disposition", disposition);
		c->res->status = 200;
		c->res->content_type = "text/csv; charset=utf-8; header=present";
		c->res->stream = stream_chunks;
		c->res->stream_arg = s;
		c->res->stream_len = atoll(REPORT(r, REPORT_BYTES));
	}
	PQclear(r);
}
