/*
 * Handler tests without a server: a request goes through app_handle (the route table, the
 * real handler, the end of the request) while the database seams (db_runner for db_or_reply,
 * db_direct_runner for db_run; include/db.h) answer each statement with a result the test
 * built with libpq's own PQmakeEmptyPGresult / PQsetResultAttrs / PQsetvalue, or with a
 * failure status.
 *
 *   ht_caller(r = ht_result(STMT_TASK_GET, 1), "7", ROLE_USER, "t");
 *   ht_expect(STMT_TASK_GET, DB_OK, r, NULL);
 *   ht_call(HTTP_GET, "/api/v1/tasks/5", NULL, ht_bearer(7));
 *   assert_int_equal(ht_status(), 200);
 *
 * The fake runner checks what the real one would: the statement is the one expected
 * next, the call passes the statement's nparams, and the result has its layout's columns.
 * A statement run while none is expected fails the test; so does one left unasked.
 */
#ifndef TASKAPI_HANDLER_TEST_H
#define TASKAPI_HANDLER_TEST_H

#include <json-c/json.h>

#include "db.h"
#include "http.h"

/* cmocka group setup and per-test setup/teardown (pass them to cmocka_run_group_tests). */
int ht_group_setup(void **state);
int ht_setup(void **state);
int ht_teardown(void **state);

/* ==== The database's answers, in the order the handler runs its statements ==== */

/* A result of statement id: its layout's column count (statement_columns), rows rows of
   NULLs. The handler clears it (PQclear), as it clears libpq's. */
PGresult *ht_result(enum stmt_id id, int rows);
/* Sets a value (NULL: SQL NULL). */
void ht_set(PGresult *r, int row, int col, const char *value);
/* The caller's columns (CALLER_ROW) of row 0; active is "t" or "f". */
void ht_caller(PGresult *r, const char *id, const char *role, const char *active);
/* A task (TASK_ROW) at column col of row: the given values, the rest fixed
   (ht_task_check checks the JSON of one). */
void ht_task(PGresult *r, int row, int col, const char *id, const char *title, const char *status,
             const char *version);
/* A user (USER_ROW) at column col of row 0. */
void ht_user(PGresult *r, int col, const char *id, const char *username, const char *email);
/* The next statement must be id; it answers st with r (DB_OK) or with the violated
   constraint (DB_UNIQUE). */
void ht_expect(enum stmt_id id, enum db_status st, PGresult *r, const char *constraint);
/* Parameter i of the n-th statement run in this test (from 0); NULL for SQL NULL. */
const char *ht_param(int n, int i);
/* How many statements this test ran. */
int ht_statements_run(void);

/* ==== The request and its answer ==== */

struct ht_request {
	enum http_method method;
	const char *path;
	const char *body; /* sent as application/json */
	const char *authorization;
	const char *query;
	const char *api_key;
	const char *if_match;
	const char *if_none_match;
};

/* "Bearer <access token>" of user_id, signed with the configured key (valid for an hour). */
const char *ht_bearer(long long user_id);
/* "Bearer <API key>": a well-formed key (the statement decides whose it is). */
const char *ht_bearer_api_key(void);
/* Runs req as the worker would (app_handle); the answer is read with the functions below. */
void ht_run(const struct ht_request *req);
/* ht_run of a request with only these (body and authorization may be NULL). */
void ht_call(enum http_method method, const char *path, const char *body, const char *authorization);
int ht_status(void);
/* A header of the answer (its value), or NULL. */
const char *ht_header(const char *name);
/* The body parsed as JSON (fails the test when it is not), owned by the harness. */
struct json_object *ht_json(void);
/* The answer is 503 "Service temporarily unavailable" with Retry-After: DB_RETRY_AFTER
   (nothing was committed). */
void ht_assert_503_retry(void);
/* The "detail" of an error body. */
const char *ht_detail(void);
/* A member of an object (fails the test when absent), and its value as text. */
struct json_object *ht_member(struct json_object *o, const char *key);
const char *ht_str(struct json_object *o, const char *key);
long long ht_int(struct json_object *o, const char *key);
int ht_bool(struct json_object *o, const char *key);
int ht_is_null(struct json_object *o, const char *key);
/* Checks the JSON of a task that ht_task wrote, field by field (and no other field). */
void ht_task_check(struct json_object *o, long long id, const char *title, const char *status);
/* Checks the JSON of a user that ht_user wrote, field by field (and no other field). */
void ht_user_check(struct json_object *o, long long id, const char *username, const char *email);

#endif
