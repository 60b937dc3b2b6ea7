/* Task routes: create, list, get, partial update, delete. */
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "query.h"

static const char *const statuses[] = {"todo", "in_progress", "completed", NULL};
static const char *const priorities[] = {"low", "medium", "high", NULL};

enum { T_TITLE, T_DESCRIPTION, T_STATUS, T_PRIORITY, T_DUE_DATE, T_IS_COMPLETED, T_COUNT };

static const struct field_spec create_fields[T_IS_COMPLETED] = {
	[T_TITLE] = {.name = "title", .type = FIELD_STRING, .required = 1, .min_len = 1, .max_len = 200},
	[T_DESCRIPTION] = {.name = "description", .type = FIELD_STRING, .nullable = 1, .max_len = 10000},
	[T_STATUS] = {.name = "status", .type = FIELD_ENUM, .choices = statuses},
	[T_PRIORITY] = {.name = "priority", .type = FIELD_ENUM, .choices = priorities},
	[T_DUE_DATE] = {.name = "due_date", .type = FIELD_TIME, .nullable = 1},
};

static const struct field_spec update_fields[T_COUNT] = {
	[T_TITLE] = {.name = "title", .type = FIELD_STRING, .min_len = 1, .max_len = 200},
	[T_DESCRIPTION] = {.name = "description", .type = FIELD_STRING, .nullable = 1, .max_len = 10000},
	[T_STATUS] = {.name = "status", .type = FIELD_ENUM, .choices = statuses},
	[T_PRIORITY] = {.name = "priority", .type = FIELD_ENUM, .choices = priorities},
	[T_DUE_DATE] = {.name = "due_date", .type = FIELD_TIME, .nullable = 1},
	[T_IS_COMPLETED] = {.name = "is_completed", .type = FIELD_BOOL},
};

static const char *value_or_null(const struct field_value *v)
{
	if (!v->present || v->is_null)
		return NULL;
	return v->time[0] ? v->time : v->str;
}

/* Answers with the task at column 3 of a caller-checked statement, or 404. */
static void reply_task(struct ctx *c, PGresult *r, int status)
{
	if (caller_or_reply(c, r, 0) != 0)
		return;
	if (PQgetisnull(r, 0, 3)) {
		http_error(c->res, 404, "Task not found");
		return;
	}
	json_task(&c->res->body, r, 0, 3);
	reply_json(c, status);
}

void task_create(struct ctx *c)
{
	if (auth_token_or_reply(c) != 0)
		return;
	struct field_value v[T_IS_COMPLETED];
	if (body_or_reply(c, create_fields, T_IS_COMPLETED, v) != 0)
		return;
	const char *params[] = {
		c->caller,
		v[T_TITLE].str,
		value_or_null(&v[T_DESCRIPTION]),
		v[T_STATUS].present ? v[T_STATUS].str : "todo",
		v[T_PRIORITY].present ? v[T_PRIORITY].str : "medium",
		value_or_null(&v[T_DUE_DATE]),
	};
	PGresult *r = db_or_reply(c, STMT_TASK_CREATE, params);
	if (!r)
		return;
	reply_task(c, r, 201);
	PQclear(r);
}

void task_list(struct ctx *c)
{
	if (auth_token_or_reply(c) != 0)
		return;
	long long skip = query_int(c, "skip", 0, 0, 1LL << 53);
	long long limit = query_int(c, "limit", 10, 1, 100);
	const char *status = query_get(c->arena, c->req->query, "status");
	if (status) {
		int known = 0;
		for (int i = 0; statuses[i]; i++)
			known |= strcmp(status, statuses[i]) == 0;
		if (!known)
			problems_add(&c->problems, "query", "status", "enum",
			             "Input should be 'todo', 'in_progress' or 'completed'");
	}
	if (c->problems.count) {
		reply_problems(c);
		return;
	}
	char slimit[24], sskip[24];
	snprintf(slimit, sizeof slimit, "%lld", limit);
	snprintf(sskip, sizeof sskip, "%lld", skip);
	const char *params[] = {c->caller, slimit, sskip, status};
	PGresult *r = db_or_reply(c, status ? STMT_TASK_LIST_STATUS : STMT_TASK_LIST, params);
	if (!r)
		return;
	if (caller_or_reply(c, r, 0) == 0) {
		struct buf *b = &c->res->body;
		buf_puts(b, "{\"tasks\":[");
		int n = PQntuples(r), written = 0;
		for (int i = 0; i < n; i++) {
			if (PQgetisnull(r, i, 4))
				continue;
			if (written++)
				buf_putc(b, ',');
			json_task(b, r, i, 4);
		}
		buf_printf(b, "],\"total\":%s,\"page\":%lld,\"page_size\":%lld}", PQgetvalue(r, 0, 3),
		           skip / limit + 1, limit);
		reply_json(c, 200);
	}
	PQclear(r);
}

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

void task_get(struct ctx *c)
{
	char id[24];
	if (task_id_or_reply(c, id) != 0)
		return;
	const char *params[] = {c->caller, id};
	PGresult *r = db_or_reply(c, STMT_TASK_GET, params);
	if (!r)
		return;
	reply_task(c, r, 200);
	PQclear(r);
}

/* status and is_completed, when both are given, must say the same thing. */
static void completion_check(struct ctx *c, const struct field_value *v)
{
	if (!v[T_STATUS].present || !v[T_IS_COMPLETED].present || c->problems.count)
		return;
	int completed = strcmp(v[T_STATUS].str, "completed") == 0;
	if (completed != v[T_IS_COMPLETED].boolean)
		problems_add(&c->problems, "body", "is_completed", "value_error",
		             "Value error, is_completed must be true exactly when status is 'completed'");
}

void task_update(struct ctx *c)
{
	long long task_id;
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
	const char *params[] = {
		c->caller, id,
		field_given(&v[T_TITLE]), v[T_TITLE].str,
		field_given(&v[T_DESCRIPTION]), value_or_null(&v[T_DESCRIPTION]),
		field_given(&v[T_STATUS]), v[T_STATUS].str,
		field_given(&v[T_IS_COMPLETED]), v[T_IS_COMPLETED].boolean ? "t" : "f",
		field_given(&v[T_PRIORITY]), v[T_PRIORITY].str,
		field_given(&v[T_DUE_DATE]), value_or_null(&v[T_DUE_DATE]),
	};
	PGresult *r = db_or_reply(c, STMT_TASK_UPDATE, params);
	if (!r)
		return;
	reply_task(c, r, 200);
	PQclear(r);
}

void task_delete(struct ctx *c)
{
	char id[24];
	if (task_id_or_reply(c, id) != 0)
		return;
	const char *params[] = {c->caller, id};
	PGresult *r = db_or_reply(c, STMT_TASK_DELETE, params);
	if (!r)
		return;
	if (caller_or_reply(c, r, 0) == 0) {
		if (PQgetvalue(r, 0, 3)[0] == '0')
			http_error(c->res, 404, "Task not found");
		else
			http_no_content(c->res);
	}
	PQclear(r);
}
