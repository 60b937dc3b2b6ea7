/*
 * Task routes: create, list (offset or cursor pages, sorts, filters, search), statistics,
 * get (ETag, If-None-Match), partial update and delete (If-Match).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "handlers.h"
#include "query.h"
#include "task_query.h"
#include "words.h"

enum { T_TITLE, T_DESCRIPTION, T_STATUS, T_PRIORITY, T_DUE_DATE, T_IS_COMPLETED, T_COUNT };

/* Both tables are sized by T_COUNT; create leaves is_completed out (the status says it). */
static const struct field_spec create_fields[T_COUNT] = {
	[T_TITLE] = {.name = "title", .type = FIELD_STRING, .required = 1, .min_len = 1, .max_len = 200},
	[T_DESCRIPTION] = {.name = "description", .type = FIELD_STRING, .nullable = 1, .max_len = 10000},
	[T_STATUS] = {.name = "status", .type = FIELD_ENUM, .choices = task_statuses},
	[T_PRIORITY] = {.name = "priority", .type = FIELD_ENUM, .choices = task_priorities},
	[T_DUE_DATE] = {.name = "due_date", .type = FIELD_TIME, .nullable = 1},
};

static const struct field_spec update_fields[T_COUNT] = {
	[T_TITLE] = {.name = "title", .type = FIELD_STRING, .min_len = 1, .max_len = 200},
	[T_DESCRIPTION] = {.name = "description", .type = FIELD_STRING, .nullable = 1, .max_len = 10000},
	[T_STATUS] = {.name = "status", .type = FIELD_ENUM, .choices = task_statuses},
	[T_PRIORITY] = {.name = "priority", .type = FIELD_ENUM, .choices = task_priorities},
	[T_DUE_DATE] = {.name = "due_date", .type = FIELD_TIME, .nullable = 1},
	[T_IS_COMPLETED] = {.name = "is_completed", .type = FIELD_BOOL},
};

static const char *value_or_null(const struct field_value *v)
{
	if (!v->present || v->is_null)
		return NULL;
	return v->time[0] ? v->time : v->str;
}

/* The ETag of the task at column col (its id and version). */
static void task_etag(PGresult *r, int col, char out[ETAG_MAX])
{
	etag_format(out, PQgetvalue(r, 0, col + TASK_ID), PQgetvalue(r, 0, col + TASK_VERSION));
}

/* The task after the caller, with its ETag (but a 201, with its Location: its replays
   could not carry an ETag). */
static void write_task(struct ctx *c, PGresult *r, int status)
{
	struct jsonw w = body_writer(c);
	json_task(&w, NULL, r, 0, CALLER_NCOLS);
	if (status == 200) {
		char etag[ETAG_MAX];
		task_etag(r, CALLER_NCOLS, etag);
		http_header(c->res, "ETag", etag);
	}
	if (status == 201)
		reply_created(c, "/api/v1/tasks", PQgetvalue(r, 0, CALLER_NCOLS + TASK_ID));
	else
		reply_json(c, status);
}

/* Answers with the task after the caller's columns, or 404. */
static void reply_task(struct ctx *c, PGresult *r, int status)
{
	if (caller_or_reply(c, r) != 0)
		return;
	if (PQgetisnull(r, 0, CALLER_NCOLS + TASK_ID))
		http_error(c->res, 404, "Task not found");
	else
		write_task(c, r, status);
}

void task_create(struct ctx *c)
{
	if (auth_token_or_reply(c) != 0)
		return;
	struct field_value v[T_COUNT];
	if (body_or_reply(c, create_fields, T_COUNT, v) != 0 ||
	    idempotency_begin_or_reply(c, c->caller, "/api/v1/tasks") != 0)
		return;
	const char *params[] = {
		c->caller,
		v[T_TITLE].str,
		value_or_null(&v[T_DESCRIPTION]),
		v[T_STATUS].present ? v[T_STATUS].str : STATUS_TODO,
		v[T_PRIORITY].present ? v[T_PRIORITY].str : PRIORITY_MEDIUM,
		value_or_null(&v[T_DUE_DATE]),
		cfg.notify_email ? "t" : "f",
	};
	PGresult *r = db_or_reply(c, STMT_TASK_CREATE, params);
	if (!r)
		return;
	reply_task(c, r, 201);
	PQclear(r);
}

/* ==== List ==== */

/* The rank of word in list as text (the schema allows no other words). */
static const char *rank_text(const char *const *list, const char *const *ranks, const char *word)
{
	int i = words_index(list, word);
	return i < 0 ? "" : ranks[i];
}

/* The sort key of the task at column col of row, as the cursor carries it. */
static const char *cursor_key(PGresult *r, int row, int col, const char *sort)
{
	switch (words_index(task_sort_keys, sort[0] == '-' ? sort + 1 : sort)) {
	case SORT_IDX_CREATED_AT: return PQgetvalue(r, row, col + TASK_CREATED_AT);
	case SORT_IDX_UPDATED_AT: return PQgetvalue(r, row, col + TASK_UPDATED_AT);
	case SORT_IDX_DUE_DATE: /* no due date: after every date, either way */
		return PQgetisnull(r, row, col + TASK_DUE_DATE) ? (sort[0] == '-' ? "-infinity" : "infinity")
		                                                : PQgetvalue(r, row, col + TASK_DUE_DATE);
	case SORT_IDX_TITLE: return PQgetvalue(r, row, col + TASK_TITLE);
	case SORT_IDX_STATUS:
		return rank_text(task_statuses, task_status_ranks, PQgetvalue(r, row, col + TASK_STATUS));
	case SORT_IDX_PRIORITY:
		return rank_text(task_priorities, task_priority_ranks, PQgetvalue(r, row, col + TASK_PRIORITY));
	default: return "";
	}
}

/* The index of key in the parameters a next page carries, or -1. */
static int carried_param(const char *key)
{
	for (int i = 0; task_query_carried[i]; i++)
		if (strcmp(key, task_query_carried[i]) == 0)
			return i;
	return -1;
}

/*
 * Copies the query string's known list parameters (the first of each; not cursor, skip
 * or anything unknown, which could only make the head too long) into b, URL-safe.
 */
static void link_query(struct ctx *c, struct buf *b)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *p = c->req->query;
	unsigned seen = 0;
	while (*p) {
		size_t len = strcspn(p, "&");
		size_t klen = strcspn(p, "=&");
		char *key = arena_alloc(c->arena, klen + 1);
		query_decode(p, klen, key, 1);
		int known = carried_param(key);
		if (len && known >= 0 && !(seen & 1u << known)) {
			seen |= 1u << known;
			for (size_t i = 0; i < len; i++) {
				unsigned char ch = (unsigned char)p[i];
				if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
				    strchr("-._~%=+,:@!$'()*;/?", ch)) {
					buf_putc(b, (char)ch);
				} else {
					char esc[3] = {'%', hex[ch >> 4], hex[ch & 15]};
					buf_append(b, esc, 3);
				}
			}
			buf_putc(b, '&');
		}
		p += len;
		if (*p == '&')
			p++;
	}
}

/* The list envelope from a task_list row set (enum list_col, include/rows.h). */
static void write_list(struct ctx *c, PGresult *r, const struct task_query *tq)
{
	const char *sort = PQgetvalue(r, 0, LIST_SORT);
	long long limit = atoll(PQgetvalue(r, 0, LIST_PAGE_SIZE));
	long long page = tq->has_cursor ? tq->cursor.page : tq->skip / limit + 1;
	int rows = PQntuples(r), written = 0, last = -1;
	struct jsonw w = body_writer(c);
	jsonw_obj_open(&w, NULL);
	jsonw_arr_open(&w, "tasks");
	for (int i = 0; i < rows && written < limit; i++) {
		if (PQgetisnull(r, i, LIST_TASK + TASK_ID))
			continue;
		written++;
		json_task(&w, NULL, r, i, LIST_TASK);
		last = i;
	}
	jsonw_arr_close(&w);
	jsonw_raw_cstr(&w, "total", PQgetvalue(r, 0, LIST_TOTAL));
	jsonw_int(&w, "page", page);
	jsonw_int(&w, "page_size", limit);
	/* One row more than the page: there is a next page, which starts after the last. */
	char *token = NULL;
	if (last >= 0 && last + 1 < rows && !PQgetisnull(r, last + 1, LIST_TASK + TASK_ID)) {
		struct cursor next = {.page = page + 1, .id = atoll(PQgetvalue(r, last, LIST_TASK + TASK_ID))};
		snprintf(next.sort, sizeof next.sort, "%s", sort);
		snprintf(next.key, sizeof next.key, "%s", cursor_key(r, last, LIST_TASK, sort));
		token = cursor_encode(c->arena, &next, tq->bind, cfg.jwt_secret, cfg.jwt_secret_len);
	}
	jsonw_cstr(&w, "next_cursor", token);
	jsonw_obj_close(&w);
	if (token) {
		struct buf link = {0};
		buf_putc(&link, '<');
		buf_puts(&link, url_base(c));
		buf_puts(&link, c->req->path);
		buf_putc(&link, '?');
		link_query(c, &link);
		buf_printf(&link, "cursor=%s>; rel=\"next\"", token);
		http_header(c->res, "Link", link.data);
		buf_free(&link);
	}
	reply_json(c, 200);
}

/* 403 when a user asked for another owner's tasks (column ok of task_list/task_stats). */
_Static_assert((int)LIST_OK == (int)STATS_OK, "task_list and task_stats have ok at one position");
static int allowed_or_reply(struct ctx *c, PGresult *r)
{
	if (PQgetvalue(r, 0, LIST_OK)[0] == 't')
		return 0;
	http_error(c->res, 403, "Not enough permissions. Admin access required.");
	return -1;
}

/* Whom a cursor is bound to: the user of an access token, or the API key. */
static const char *cursor_holder(struct ctx *c)
{
	char *out = arena_alloc(c->arena, 48);
	if (c->via_api_key)
		snprintf(out, 48, "key:%s", c->api_key_prefix);
	else
		snprintf(out, 48, "user:%lld", c->claims.user_id);
	return out;
}

void task_list(struct ctx *c)
{
	if (auth_token_or_reply(c) != 0)
		return;
	struct task_query tq;
	task_query_parse(c->arena, c->req->query, cursor_holder(c), cfg.jwt_keys, cfg.jwt_key_count, &tq,
	                 &c->problems);
	if (c->problems.count) {
		reply_problems(c);
		return;
	}
	struct task_query_text text;
	const char *params[TASK_LIST_NPARAMS];
	task_query_params(&tq, c->caller, &text, params);
	enum stmt_id stmt = task_list_statement(&tq, tq.sort);
	PGresult *r = db_or_reply(c, stmt, params);
	if (!r)
		return;
	if (caller_or_reply(c, r) == 0 && allowed_or_reply(c, r) == 0) {
		/* No sort given: the caller's preferred one, when another statement's, runs there. */
		const char *preferred = PQgetvalue(r, 0, LIST_SORT);
		enum stmt_id right = task_list_statement(&tq, preferred);
		if (right != stmt) {
			params[1] = arena_strdup(c->arena, preferred);
			PQclear(r);
			if (!(r = db_or_reply(c, right, params)))
				return;
		}
		if (caller_or_reply(c, r) == 0 && allowed_or_reply(c, r) == 0)
			write_list(c, r, &tq);
	}
	PQclear(r);
}

/* ==== Statistics ==== */

/* A count per word of list, from column col on: {"todo":3,"in_progress":0,...}. */
static void write_counts(struct jsonw *w, const char *key, PGresult *r, int col, const char *const *list)
{
	jsonw_obj_open(w, key);
	for (int i = 0; list[i]; i++)
		jsonw_raw_cstr(w, list[i], PQgetvalue(r, 0, col + i));
	jsonw_obj_close(w);
}

/* The task_stats row (enum stats_col, include/rows.h). */
static void write_stats(struct buf *b, PGresult *r)
{
	struct jsonw w;
	jsonw_start(&w, b);
	jsonw_obj_open(&w, NULL);
	jsonw_raw_cstr(&w, "total", PQgetvalue(r, 0, STATS_TOTAL));
	write_counts(&w, "by_status", r, STATS_BY_STATUS, task_statuses);
	write_counts(&w, "by_priority", r, STATS_BY_PRIORITY, task_priorities);
	jsonw_raw_cstr(&w, "overdue", PQgetvalue(r, 0, STATS_OVERDUE));
	jsonw_raw_cstr(&w, "due_next_7_days", PQgetvalue(r, 0, STATS_DUE_SOON));
	jsonw_raw_cstr(&w, "completed_last_7_days", PQgetvalue(r, 0, STATS_DONE_RECENTLY));
	jsonw_obj_close(&w);
}

void task_stats(struct ctx *c)
{
	if (auth_token_or_reply(c) != 0)
		return;
	long long owner = query_int(c, "owner_id", 0, 1, 1LL << 62);
	if (c->problems.count) {
		reply_problems(c);
		return;
	}
	char sowner[24];
	snprintf(sowner, sizeof sowner, "%lld", owner);
	const char *params[] = {c->caller, owner ? sowner : NULL};
	PGresult *r = db_or_reply(c, STMT_TASK_STATS, params);
	if (!r)
		return;
	if (caller_or_reply(c, r) == 0 && allowed_or_reply(c, r) == 0) {
		write_stats(&c->res->body, r);
		reply_json(c, 200);
	}
	PQclear(r);
}

/* ==== One task ==== */

/* The task id of /tasks/{id} after the token check; -1 once answered. */
static int task_id_or_reply(struct ctx *c, char out[24])
{
	long long id;
	if (auth_token_or_reply(c) != 0)
		return -1;
	if (path_id(c, 0, &id) != 0) {
		reply_problems(c);
		return -1;
	}
	snprintf(out, 24, "%lld", id);
	return 0;
}

/* GET's answer: 304 when If-None-Match names the current ETag, else the task. */
static void reply_task_current(struct ctx *c, PGresult *r)
{
	char etag[ETAG_MAX];
	task_etag(r, CALLER_NCOLS, etag);
	if (c->req->if_none_match && etag_none_match(c->req->if_none_match, etag))
		http_not_modified(c->res, etag);
	else
		write_task(c, r, 200);
}

void task_get(struct ctx *c)
{
	char id[24];
	if (task_id_or_reply(c, id) != 0)
		return;
	const char *params[] = {c->caller, id};
	PGresult *r = db_or_reply(c, STMT_TASK_GET, params);
	if (!r)
		return;
	if (caller_or_reply(c, r) == 0) {
		if (PQgetisnull(r, 0, CALLER_NCOLS + TASK_ID))
			http_error(c->res, 404, "Task not found");
		else
			reply_task_current(c, r);
	}
	PQclear(r);
}

/* The versions an If-Match header allows, as the statements' array parameter; NULL when
   there is no condition (no header, or "*"). */
static const char *if_match_versions(struct ctx *c, long long task_id)
{
	if (!c->req->if_match)
		return NULL;
	size_t n = strlen(c->req->if_match) + 8;
	char *out = arena_alloc(c->arena, n);
	return etag_match_versions(c->req->if_match, task_id, out, n) ? NULL : out;
}

/* A caller-checked update/delete that changed nothing: 412 when the task is there (its
   version did not match If-Match), else 404. */
static void reply_unchanged(struct ctx *c, PGresult *r, int visible_col)
{
	if (PQgetvalue(r, 0, visible_col)[0] == 't')
		http_error(c->res, 412, "Precondition Failed");
	else
		http_error(c->res, 404, "Task not found");
}

/* status and is_completed, when both are given, must say the same thing. */
static void completion_check(struct ctx *c, const struct field_value *v)
{
	if (!v[T_STATUS].present || !v[T_IS_COMPLETED].present || c->problems.count)
		return;
	int completed = strcmp(v[T_STATUS].str, STATUS_COMPLETED) == 0;
	if (completed != v[T_IS_COMPLETED].boolean)
		problems_add(&c->problems, "body", "is_completed", "value_error",
		             "Value error, is_completed must be true exactly when status is '" STATUS_COMPLETED
		             "'");
}

void task_update(struct ctx *c)
{
	long long task_id = 0;
	char id[24];
	struct field_value v[T_COUNT];
	if (auth_token_or_reply(c) != 0)
		return;
	/* Path and body problems are reported together. */
	if (path_id(c, 0, &task_id) == 0)
		snprintf(id, sizeof id, "%lld", task_id);
	body_parse(c, update_fields, T_COUNT, v);
	completion_check(c, v);
	if (c->problems.count) {
		reply_problems(c);
		return;
	}
	/* A "given" flag and its value per line. */
	/* clang-format off */
	const char *params[] = {
		c->caller, id,
		field_given(&v[T_TITLE]), v[T_TITLE].str,
		field_given(&v[T_DESCRIPTION]), value_or_null(&v[T_DESCRIPTION]),
		field_given(&v[T_STATUS]), v[T_STATUS].str,
		field_given(&v[T_IS_COMPLETED]), v[T_IS_COMPLETED].boolean ? "t" : "f",
		field_given(&v[T_PRIORITY]), v[T_PRIORITY].str,
		field_given(&v[T_DUE_DATE]), value_or_null(&v[T_DUE_DATE]),
		if_match_versions(c, task_id),
		cfg.notify_email ? "t" : "f",
	};
	/* clang-format on */
	PGresult *r = db_or_reply(c, STMT_TASK_UPDATE, params);
	if (!r)
		return;
	if (caller_or_reply(c, r) == 0) {
		if (PQgetisnull(r, 0, CALLER_NCOLS + TASK_ID))
			reply_unchanged(c, r, UPDATE_VISIBLE);
		else
			write_task(c, r, 200);
	}
	PQclear(r);
}

void task_delete(struct ctx *c)
{
	char id[24];
	if (task_id_or_reply(c, id) != 0)
		return;
	const char *params[] = {c->caller, id, if_match_versions(c, atoll(id))};
	PGresult *r = db_or_reply(c, STMT_TASK_DELETE, params);
	if (!r)
		return;
	if (caller_or_reply(c, r) == 0) {
		if (PQgetvalue(r, 0, DELETE_COUNT)[0] == '0')
			reply_unchanged(c, r, DELETE_VISIBLE);
		else
			http_no_content(c->res);
	}
	PQclear(r);
}
