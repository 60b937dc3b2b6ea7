/* The handler tests' harness: the fake statement runner, requests and their answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "app.h"
#include "auth.h"
#include "config.h"
#include "handler_test.h"
#include "rows.h"
#include "words.h"

#define HT_STATEMENTS_MAX 8 /* per request */
#define HT_PARAMS_MAX     24

/* ==== The fake runner ==== */

struct expected {
	enum stmt_id id;
	enum db_status status;
	PGresult *result; /* handed to the handler (which clears it) when asked for */
	const char *constraint;
};

static struct expected queue[HT_STATEMENTS_MAX];
static int queued, asked;
static char *run_params[HT_STATEMENTS_MAX][HT_PARAMS_MAX];
static int run_nparams[HT_STATEMENTS_MAX];

static enum db_status fake_run(struct db_request *q, enum stmt_id id, const char *const *params,
                               int nparams, PGresult **res, const char **constraint)
{
	(void)q;
	if (asked >= queued)
		fail_msg("statement %s was run; the test expected no more", statements[id].name);
	struct expected *e = &queue[asked];
	assert_string_equal(statements[id].name, statements[e->id].name);
	assert_int_equal(nparams, statements[id].nparams);
	assert_true(nparams <= HT_PARAMS_MAX);
	run_nparams[asked] = nparams;
	for (int i = 0; i < nparams; i++)
		run_params[asked][i] = params[i] ? strdup(params[i]) : NULL;
	asked++;
	if (e->status == DB_UNIQUE && constraint)
		*constraint = e->constraint;
	if (e->status != DB_OK)
		return e->status;
	if (statement_columns[id])
		assert_int_equal(PQnfields(e->result), statement_columns[id]);
	*res = e->result;
	e->result = NULL;
	return DB_OK;
}

/* The statements run with db_run / db_run_n (outside db_or_reply) take the same queue. */
static enum db_status fake_direct(enum stmt_id id, const char *const *params, int nparams,
                                  PGresult **res, const char **constraint)
{
	return fake_run(NULL, id, params, nparams, res, constraint);
}

PGresult *ht_result(enum stmt_id id, int rows)
{
	int n = statement_columns[id];
	assert_true(n > 0 && n <= 64);
	PGresAttDesc attrs[64];
	char names[64][16];
	for (int i = 0; i < n; i++) {
		snprintf(names[i], sizeof names[i], "c%d", i);
		attrs[i] =
			(PGresAttDesc){.name = names[i], .typid = 25 /* text */, .typlen = -1, .atttypmod = -1};
	}
	PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	assert_non_null(r);
	assert_true(PQsetResultAttrs(r, n, attrs));
	for (int row = 0; row < rows; row++)
		for (int col = 0; col < n; col++)
			ht_set(r, row, col, NULL);
	return r;
}

void ht_set(PGresult *r, int row, int col, const char *value)
{
	assert_true(col < PQnfields(r));
	assert_true(PQsetvalue(r, row, col, (char *)value, value ? (int)strlen(value) : -1));
}

void ht_caller(PGresult *r, const char *id, const char *role, const char *active)
{
	ht_set(r, 0, CALLER_ID, id);
	ht_set(r, 0, CALLER_ROLE, role);
	ht_set(r, 0, CALLER_ACTIVE, active);
}

void ht_task(PGresult *r, int row, int col, const char *id, const char *title, const char *status,
             const char *version)
{
	ht_set(r, row, col + TASK_ID, id);
	ht_set(r, row, col + TASK_TITLE, title);
	ht_set(r, row, col + TASK_DESCRIPTION, "Say \"when\"");
	ht_set(r, row, col + TASK_STATUS, status);
	ht_set(r, row, col + TASK_PRIORITY, PRIORITY_HIGH);
	ht_set(r, row, col + TASK_DUE_DATE, NULL);
	ht_set(r, row, col + TASK_OWNER_ID, "7");
	ht_set(r, row, col + TASK_CREATED_AT, "2026-01-15 10:35:00.123+00");
	ht_set(r, row, col + TASK_UPDATED_AT, "2026-01-16 08:00:00+00");
	ht_set(r, row, col + TASK_VERSION, version);
}

void ht_user(PGresult *r, int col, const char *id, const char *username, const char *email)
{
	ht_set(r, 0, col + USER_ID, id);
	ht_set(r, 0, col + USER_EMAIL, email);
	ht_set(r, 0, col + USER_USERNAME, username);
	ht_set(r, 0, col + USER_FULL_NAME, NULL);
	ht_set(r, 0, col + USER_ROLE, ROLE_USER);
	ht_set(r, 0, col + USER_IS_ACTIVE, "t");
	ht_set(r, 0, col + USER_CREATED_AT, "2026-01-15 10:35:00.5+00");
	ht_set(r, 0, col + USER_UPDATED_AT, "2026-01-15 10:35:00.5+00");
}

void ht_expect(enum stmt_id id, enum db_status st, PGresult *r, const char *constraint)
{
	assert_true(queued < HT_STATEMENTS_MAX);
	assert_true((st == DB_OK) == (r != NULL));
	queue[queued++] = (struct expected){id, st, r, constraint};
}

const char *ht_param(int n, int i)
{
	assert_true(n < asked);
	assert_true(i < run_nparams[n]);
	return run_params[n][i];
}

int ht_statements_run(void)
{
	return asked;
}

static void forget_statements(void)
{
	for (int n = 0; n < HT_STATEMENTS_MAX; n++)
		for (int i = 0; i < HT_PARAMS_MAX; i++) {
			free(run_params[n][i]);
			run_params[n][i] = NULL;
		}
	for (int n = 0; n < queued; n++)
		PQclear(queue[n].result);
	queued = asked = 0;
}

/* ==== Requests ==== */

static struct http_response res;
static struct arena arena;
static struct json_object *body_json;
static char header_value[4096];

int ht_group_setup(void **state)
{
	(void)state;
	char err[512];
	setenv("APP_ENV", "development", 1);
	setenv("JWT_SECRET", "handler-test-secret-0123456789abcdef0123", 1);
	setenv("BCRYPT_COST", "4", 1);
	/* Every statement goes through the fake: a connection would find no server. */
	setenv("DATABASE_URL", "host=/nonexistent connect_timeout=1", 1);
	if (config_load(&cfg, err, sizeof err) != 0) {
		print_error("config: %s\n", err);
		return -1;
	}
	db_runner = fake_run;
	db_direct_runner = fake_direct;
	return 0;
}

int ht_setup(void **state)
{
	(void)state;
	forget_statements();
	return 0;
}

int ht_teardown(void **state)
{
	(void)state;
	int unasked = queued - asked;
	if (unasked)
		print_error("%d expected statement(s) not run, the first %s\n", unasked,
		            statements[queue[asked].id].name);
	forget_statements();
	json_object_put(body_json);
	body_json = NULL;
	buf_free(&res.headers);
	buf_free(&res.body);
	arena_reset(&arena);
	return unasked ? -1 : 0;
}

const char *ht_bearer(long long user_id)
{
	static char value[TOKEN_MAX + 8];
	char *token =
		auth_token_sign(&cfg.jwt_keys[0], user_id, "ada", ROLE_USER, 3, (long long)time(NULL), 3600);
	assert_non_null(token);
	snprintf(value, sizeof value, "Bearer %s", token);
	free(token);
	return value;
}

const char *ht_bearer_api_key(void)
{
	static char value[API_KEY_LEN + 8];
	char key[API_KEY_LEN + 1];
	assert_int_equal(api_key_new(key), 0);
	snprintf(value, sizeof value, "Bearer %s", key);
	return value;
}

void ht_run(const struct ht_request *r)
{
	json_object_put(body_json);
	body_json = NULL;
	arena_reset(&arena);
	http_response_reset(&res);
	struct http_request req = {
		.method = r->method,
		.method_name = http_method_name(r->method),
		.path = r->path,
		.base = "",
		.remote_addr = "127.0.0.1",
		.query = r->query ? r->query : "",
		.authorization = r->authorization,
		.api_key = r->api_key,
		.if_match = r->if_match,
		.if_none_match = r->if_none_match,
		.content_type = r->body ? "application/json" : NULL,
		.body = r->body,
		.body_len = r->body ? strlen(r->body) : 0,
		.content_length = r->body ? (long long)strlen(r->body) : -1,
	};
	struct app_outcome out;
	app_handle(&req, &res, &arena, &out);
}

void ht_call(enum http_method method, const char *path, const char *body, const char *authorization)
{
	ht_run(&(struct ht_request){
		.method = method, .path = path, .body = body, .authorization = authorization});
}

/* ==== The answer ==== */

int ht_status(void)
{
	return res.status;
}

const char *ht_header(const char *name)
{
	size_t n = strlen(name);
	const char *p = res.headers.data;
	while (p && *p) {
		const char *end = strstr(p, "\r\n");
		assert_non_null(end);
		if (strncmp(p, name, n) == 0 && p[n] == ':' && p[n + 1] == ' ') {
			snprintf(header_value, sizeof header_value, "%.*s", (int)(end - p - n - 2), p + n + 2);
			return header_value;
		}
		p = end + 2;
	}
	return NULL;
}

struct json_object *ht_json(void)
{
	if (!body_json) {
		assert_non_null(res.body.data);
		body_json = json_tokener_parse(res.body.data);
		if (!body_json)
			fail_msg("the body is not JSON: %s", res.body.data);
	}
	return body_json;
}

const char *ht_detail(void)
{
	return ht_str(ht_json(), "detail");
}

struct json_object *ht_member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no member %s in %s", key, json_object_to_json_string(o));
	return v;
}

const char *ht_str(struct json_object *o, const char *key)
{
	struct json_object *v = ht_member(o, key);
	assert_true(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

long long ht_int(struct json_object *o, const char *key)
{
	struct json_object *v = ht_member(o, key);
	assert_true(json_object_is_type(v, json_type_int));
	return (long long)json_object_get_int64(v);
}

int ht_bool(struct json_object *o, const char *key)
{
	struct json_object *v = ht_member(o, key);
	assert_true(json_object_is_type(v, json_type_boolean));
	return json_object_get_boolean(v);
}

int ht_is_null(struct json_object *o, const char *key)
{
	return ht_member(o, key) == NULL;
}

void ht_task_check(struct json_object *o, long long id, const char *title, const char *status)
{
	assert_int_equal(json_object_object_length(o), 10);
	assert_int_equal(ht_int(o, "id"), id);
	assert_string_equal(ht_str(o, "title"), title);
	assert_string_equal(ht_str(o, "description"), "Say \"when\"");
	assert_string_equal(ht_str(o, "status"), status);
	assert_string_equal(ht_str(o, "priority"), PRIORITY_HIGH);
	assert_true(ht_is_null(o, "due_date"));
	assert_int_equal(ht_bool(o, "is_completed"), strcmp(status, STATUS_COMPLETED) == 0);
	assert_int_equal(ht_int(o, "owner_id"), 7);
	assert_string_equal(ht_str(o, "created_at"), "2026-01-15T10:35:00.123Z");
	assert_string_equal(ht_str(o, "updated_at"), "2026-01-16T08:00:00Z");
}

void ht_user_check(struct json_object *o, long long id, const char *username, const char *email)
{
	assert_int_equal(json_object_object_length(o), 8);
	assert_int_equal(ht_int(o, "id"), id);
	assert_string_equal(ht_str(o, "email"), email);
	assert_string_equal(ht_str(o, "username"), username);
	assert_true(ht_is_null(o, "full_name"));
	assert_string_equal(ht_str(o, "role"), ROLE_USER);
	assert_true(ht_bool(o, "is_active"));
	assert_string_equal(ht_str(o, "created_at"), "2026-01-15T10:35:00.5Z");
	assert_string_equal(ht_str(o, "updated_at"), "2026-01-15T10:35:00.5Z");
}

void ht_assert_503_retry(void)
{
	char retry[16];
	snprintf(retry, sizeof retry, "%d", cfg.db_retry_after);
	assert_int_equal(ht_status(), 503);
	assert_string_equal(ht_detail(), "Service temporarily unavailable");
	assert_non_null(ht_header("Retry-After"));
	assert_string_equal(ht_header("Retry-After"), retry);
}
