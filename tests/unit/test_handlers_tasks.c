/* The task handlers' branches (src/handlers_tasks.c), the database answered by the harness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "handler_test.h"
#include "rows.h"
#include "words.h"

/* A result of id whose caller is user 7, active. */
static PGresult *as_user7(enum stmt_id id, int rows)
{
	PGresult *r = ht_result(id, rows);
	ht_caller(r, "7", ROLE_USER, "t");
	return r;
}

/* The caller parameter of statement n names user 7 (the token's). */
static void assert_caller_param(int n)
{
	assert_non_null(ht_param(n, 0));
	assert_int_equal(strncmp(ht_param(n, 0), "{\"7\",", 5), 0);
}

/* ==== GET /tasks/{id} ==== */

static void get_without_credential_is_401(void **state)
{
	(void)state;
	ht_call(HTTP_GET, "/api/v1/tasks/5", NULL, NULL);
	assert_int_equal(ht_status(), 401);
	assert_string_equal(ht_detail(), "Not authenticated");
	assert_string_equal(ht_header("WWW-Authenticate"), "Bearer");
	assert_int_equal(ht_statements_run(), 0);
}

static void get_with_bad_token_is_401(void **state)
{
	(void)state;
	ht_call(HTTP_GET, "/api/v1/tasks/5", NULL, "Bearer x.y.z");
	assert_int_equal(ht_status(), 401);
	assert_string_equal(ht_detail(), "Could not validate credentials");
	assert_int_equal(ht_statements_run(), 0);
}

static void get_for_unknown_caller_is_401(void **state)
{
	(void)state;
	ht_expect(STMT_TASK_GET, DB_OK, ht_result(STMT_TASK_GET, 1), NULL); /* caller NULL */
	ht_call(HTTP_GET, "/api/v1/tasks/5", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 401);
	assert_string_equal(ht_detail(), "Could not validate credentials");
}

static void get_for_inactive_caller_is_403(void **state)
{
	(void)state;
	PGresult *r = ht_result(STMT_TASK_GET, 1);
	ht_caller(r, "7", ROLE_USER, "f");
	ht_expect(STMT_TASK_GET, DB_OK, r, NULL);
	ht_call(HTTP_GET, "/api/v1/tasks/5", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 403);
	assert_string_equal(ht_detail(), "Inactive user");
}

static void get_missing_task_is_404(void **state)
{
	(void)state;
	ht_expect(STMT_TASK_GET, DB_OK, as_user7(STMT_TASK_GET, 1), NULL);
	ht_call(HTTP_GET, "/api/v1/tasks/5", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 404);
	assert_string_equal(ht_detail(), "Task not found");
	assert_caller_param(0);
	assert_string_equal(ht_param(0, 1), "5");
	assert_null(ht_header("ETag"));
}

static void get_answers_the_task_with_its_etag(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_TASK_GET, 1);
	ht_task(r, 0, CALLER_NCOLS, "5", "Write tests", STATUS_COMPLETED, "3");
	ht_expect(STMT_TASK_GET, DB_OK, r, NULL);
	ht_call(HTTP_GET, "/api/v1/tasks/5", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 200);
	assert_string_equal(ht_header("ETag"), "\"5-3\"");
	ht_task_check(ht_json(), 5, "Write tests", STATUS_COMPLETED);
}

static void get_with_current_etag_is_304(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_TASK_GET, 1);
	ht_task(r, 0, CALLER_NCOLS, "5", "Write tests", STATUS_TODO, "3");
	ht_expect(STMT_TASK_GET, DB_OK, r, NULL);
	ht_run(&(struct ht_request){.method = HTTP_GET,
	                            .path = "/api/v1/tasks/5",
	                            .authorization = ht_bearer(7),
	                            .if_none_match = "\"5-2\", \"5-3\""});
	assert_int_equal(ht_status(), 304);
	assert_string_equal(ht_header("ETag"), "\"5-3\"");
}

static void get_with_bad_id_checks_the_caller_then_422(void **state)
{
	(void)state;
	ht_expect(STMT_CALLER, DB_OK, as_user7(STMT_CALLER, 1), NULL);
	ht_call(HTTP_GET, "/api/v1/tasks/abc", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 422);
	struct json_object *first = json_object_array_get_idx(ht_member(ht_json(), "detail"), 0);
	assert_string_equal(ht_str(first, "type"), "int_parsing");
}

static void get_with_database_away_is_503(void **state)
{
	(void)state;
	ht_expect(STMT_TASK_GET, DB_UNAVAILABLE, NULL, NULL);
	ht_call(HTTP_GET, "/api/v1/tasks/5", NULL, ht_bearer(7));
	ht_assert_503_retry();
}

static void get_with_database_error_is_500(void **state)
{
	(void)state;
	ht_expect(STMT_TASK_GET, DB_ERROR, NULL, NULL);
	ht_call(HTTP_GET, "/api/v1/tasks/5", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 500);
	assert_string_equal(ht_detail(), "Internal server error");
	assert_null(ht_header("Retry-After"));
}

/* ==== POST /tasks ==== */

static void create_answers_201_with_defaults(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_TASK_CREATE, 1);
	ht_task(r, 0, CALLER_NCOLS, "11", "Buy milk", STATUS_TODO, "1");
	ht_expect(STMT_TASK_CREATE, DB_OK, r, NULL);
	ht_call(HTTP_POST, "/api/v1/tasks", "{\"title\":\"Buy milk\"}", ht_bearer(7));
	assert_int_equal(ht_status(), 201);
	assert_null(ht_header("ETag")); /* a replayed 201 could not carry one */
	ht_task_check(ht_json(), 11, "Buy milk", STATUS_TODO);
	assert_caller_param(0);
	assert_string_equal(ht_param(0, 1), "Buy milk");
	assert_null(ht_param(0, 2)); /* description */
	assert_string_equal(ht_param(0, 3), STATUS_TODO);
	assert_string_equal(ht_param(0, 4), PRIORITY_MEDIUM);
	assert_null(ht_param(0, 5)); /* due_date */
}

static void create_passes_the_body_fields(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_TASK_CREATE, 1);
	ht_task(r, 0, CALLER_NCOLS, "12", "Ship", STATUS_IN_PROGRESS, "1");
	ht_expect(STMT_TASK_CREATE, DB_OK, r, NULL);
	ht_call(HTTP_POST, "/api/v1/tasks",
	        "{\"title\":\"Ship\",\"description\":\"Say \\\"when\\\"\","
	        "\"status\":\"in_progress\",\"priority\":\"high\","
	        "\"due_date\":\"2027-03-01T12:00:00+02:00\"}",
	        ht_bearer(7));
	assert_int_equal(ht_status(), 201);
	ht_task_check(ht_json(), 12, "Ship", STATUS_IN_PROGRESS);
	assert_string_equal(ht_param(0, 2), "Say \"when\"");
	assert_string_equal(ht_param(0, 3), STATUS_IN_PROGRESS);
	assert_string_equal(ht_param(0, 4), PRIORITY_HIGH);
	assert_string_equal(ht_param(0, 5), "2027-03-01T10:00:00.000000Z");
}

static void create_without_credential_is_401(void **state)
{
	(void)state;
	ht_call(HTTP_POST, "/api/v1/tasks", "{\"title\":\"Buy milk\"}", NULL);
	assert_int_equal(ht_status(), 401);
	assert_int_equal(ht_statements_run(), 0);
}

static void create_without_title_is_422(void **state)
{
	(void)state;
	ht_expect(STMT_CALLER, DB_OK, as_user7(STMT_CALLER, 1), NULL);
	ht_call(HTTP_POST, "/api/v1/tasks", "{\"status\":\"todo\"}", ht_bearer(7));
	assert_int_equal(ht_status(), 422);
	struct json_object *first = json_object_array_get_idx(ht_member(ht_json(), "detail"), 0);
	assert_string_equal(ht_str(first, "type"), "missing");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(ht_member(first, "loc"), 1)),
	                    "title");
}

static void create_with_database_away_is_503(void **state)
{
	(void)state;
	ht_expect(STMT_TASK_CREATE, DB_UNAVAILABLE, NULL, NULL);
	ht_call(HTTP_POST, "/api/v1/tasks", "{\"title\":\"Buy milk\"}", ht_bearer(7));
	ht_assert_503_retry();
}

static void create_with_outcome_unknown_is_502_without_retry(void **state)
{
	(void)state;
	ht_expect(STMT_TASK_CREATE, DB_UNKNOWN, NULL, NULL);
	ht_call(HTTP_POST, "/api/v1/tasks", "{\"title\":\"Buy milk\"}", ht_bearer(7));
	assert_int_equal(ht_status(), 502);
	assert_null(ht_header("Retry-After"));
}

/* ==== PUT/PATCH /tasks/{id} ==== */

#define UPDATE_IF_MATCH 14 /* the If-Match versions: the statement's last parameter */

static void update_answers_the_task_with_its_new_etag(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_TASK_UPDATE, 1);
	ht_task(r, 0, CALLER_NCOLS, "5", "Renamed", STATUS_TODO, "4");
	ht_set(r, 0, UPDATE_VISIBLE, "t");
	ht_expect(STMT_TASK_UPDATE, DB_OK, r, NULL);
	ht_run(&(struct ht_request){.method = HTTP_PATCH,
	                            .path = "/api/v1/tasks/5",
	                            .body = "{\"title\":\"Renamed\"}",
	                            .authorization = ht_bearer(7),
	                            .if_match = "\"5-3\""});
	assert_int_equal(ht_status(), 200);
	assert_string_equal(ht_header("ETag"), "\"5-4\"");
	ht_task_check(ht_json(), 5, "Renamed", STATUS_TODO);
	assert_string_equal(ht_param(0, 1), "5");
	assert_string_equal(ht_param(0, 2), "t"); /* title given */
	assert_string_equal(ht_param(0, 3), "Renamed");
	assert_string_equal(ht_param(0, 6), "f"); /* status not given */
	assert_string_equal(ht_param(0, UPDATE_IF_MATCH), "{3}");
}

static void update_with_stale_etag_is_412(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_TASK_UPDATE, 1);
	ht_set(r, 0, UPDATE_VISIBLE, "t"); /* the task is there; its version did not match */
	ht_expect(STMT_TASK_UPDATE, DB_OK, r, NULL);
	ht_run(&(struct ht_request){.method = HTTP_PUT,
	                            .path = "/api/v1/tasks/5",
	                            .body = "{\"title\":\"Renamed\"}",
	                            .authorization = ht_bearer(7),
	                            .if_match = "\"5-2\""});
	assert_int_equal(ht_status(), 412);
	assert_string_equal(ht_detail(), "Precondition Failed");
	assert_string_equal(ht_param(0, UPDATE_IF_MATCH), "{2}");
}

static void update_without_if_match_passes_no_condition(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_TASK_UPDATE, 1);
	ht_set(r, 0, UPDATE_VISIBLE, "f");
	ht_expect(STMT_TASK_UPDATE, DB_OK, r, NULL);
	ht_call(HTTP_PATCH, "/api/v1/tasks/5", "{}", ht_bearer(7));
	assert_int_equal(ht_status(), 404);
	assert_string_equal(ht_detail(), "Task not found");
	assert_null(ht_param(0, UPDATE_IF_MATCH));
}

static void update_with_contradicting_completion_is_422(void **state)
{
	(void)state;
	ht_expect(STMT_CALLER, DB_OK, as_user7(STMT_CALLER, 1), NULL);
	ht_call(HTTP_PATCH, "/api/v1/tasks/5", "{\"status\":\"todo\",\"is_completed\":true}", ht_bearer(7));
	assert_int_equal(ht_status(), 422);
	struct json_object *first = json_object_array_get_idx(ht_member(ht_json(), "detail"), 0);
	assert_string_equal(ht_str(first, "type"), "value_error");
}

static void update_timed_out_before_any_write_is_503(void **state)
{
	(void)state;
	ht_expect(STMT_TASK_UPDATE, DB_TIMEOUT, NULL, NULL);
	ht_call(HTTP_PATCH, "/api/v1/tasks/5", "{\"title\":\"x\"}", ht_bearer(7));
	ht_assert_503_retry();
}

/* ==== DELETE /tasks/{id} ==== */

static void delete_answers_204(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_TASK_DELETE, 1);
	ht_set(r, 0, DELETE_COUNT, "1");
	ht_set(r, 0, DELETE_VISIBLE, "t");
	ht_expect(STMT_TASK_DELETE, DB_OK, r, NULL);
	ht_call(HTTP_DELETE, "/api/v1/tasks/5", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 204);
	assert_string_equal(ht_param(0, 1), "5");
	assert_null(ht_param(0, 2));
}

static void delete_with_stale_etag_is_412(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_TASK_DELETE, 1);
	ht_set(r, 0, DELETE_COUNT, "0");
	ht_set(r, 0, DELETE_VISIBLE, "t");
	ht_expect(STMT_TASK_DELETE, DB_OK, r, NULL);
	ht_run(&(struct ht_request){.method = HTTP_DELETE,
	                            .path = "/api/v1/tasks/5",
	                            .authorization = ht_bearer(7),
	                            .if_match = "\"5-1\""});
	assert_int_equal(ht_status(), 412);
	assert_string_equal(ht_param(0, 2), "{1}");
}

static void delete_of_someone_elses_task_is_404(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_TASK_DELETE, 1);
	ht_set(r, 0, DELETE_COUNT, "0");
	ht_set(r, 0, DELETE_VISIBLE, "f");
	ht_expect(STMT_TASK_DELETE, DB_OK, r, NULL);
	ht_call(HTTP_DELETE, "/api/v1/tasks/5", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 404);
	assert_string_equal(ht_detail(), "Task not found");
}

static void delete_with_database_away_is_503(void **state)
{
	(void)state;
	ht_expect(STMT_TASK_DELETE, DB_UNAVAILABLE, NULL, NULL);
	ht_call(HTTP_DELETE, "/api/v1/tasks/5", NULL, ht_bearer(7));
	ht_assert_503_retry();
}

/* ==== GET /tasks ==== */

/* A task_list result of rows rows: page size, total and sort in row 0, a task in each. */
static PGresult *list_result(enum stmt_id id, int rows, const char *page_size, const char *total,
                             const char *sort)
{
	PGresult *r = as_user7(id, rows);
	ht_set(r, 0, LIST_OK, "t");
	ht_set(r, 0, LIST_SORT, sort);
	ht_set(r, 0, LIST_PAGE_SIZE, page_size);
	ht_set(r, 0, LIST_TOTAL, total);
	for (int i = 0; i < rows; i++) {
		char id_text[8];
		snprintf(id_text, sizeof id_text, "%d", 20 + i);
		ht_task(r, i, LIST_TASK, id_text, "Listed", STATUS_TODO, "1");
	}
	return r;
}

static void list_answers_the_page(void **state)
{
	(void)state;
	ht_expect(STMT_TASK_LIST, DB_OK, list_result(STMT_TASK_LIST, 2, "10", "2", SORT_KEY_ID), NULL);
	ht_call(HTTP_GET, "/api/v1/tasks", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 200);
	struct json_object *o = ht_json();
	assert_int_equal(json_object_object_length(o), 5);
	struct json_object *tasks = ht_member(o, "tasks");
	assert_int_equal(json_object_array_length(tasks), 2);
	ht_task_check(json_object_array_get_idx(tasks, 0), 20, "Listed", STATUS_TODO);
	ht_task_check(json_object_array_get_idx(tasks, 1), 21, "Listed", STATUS_TODO);
	assert_int_equal(ht_int(o, "total"), 2);
	assert_int_equal(ht_int(o, "page"), 1);
	assert_int_equal(ht_int(o, "page_size"), 10);
	assert_true(ht_is_null(o, "next_cursor"));
	assert_null(ht_header("Link"));
}

static void list_with_more_rows_links_the_next_page(void **state)
{
	(void)state;
	/* One row more than the page size: there is a next page. */
	ht_expect(STMT_TASK_LIST, DB_OK, list_result(STMT_TASK_LIST, 3, "2", "9", SORT_KEY_ID), NULL);
	ht_run(&(struct ht_request){.method = HTTP_GET,
	                            .path = "/api/v1/tasks",
	                            .authorization = ht_bearer(7),
	                            .query = "limit=2&status=todo&junk=1"});
	assert_int_equal(ht_status(), 200);
	struct json_object *o = ht_json();
	assert_int_equal(json_object_array_length(ht_member(o, "tasks")), 2);
	const char *cursor = ht_str(o, "next_cursor");
	assert_true(strlen(cursor) > 0);
	char link[1024];
	snprintf(link, sizeof link, "</api/v1/tasks?limit=2&status=todo&cursor=%s>; rel=\"next\"", cursor);
	assert_string_equal(ht_header("Link"), link);
}

static void list_runs_the_preferred_sort(void **state)
{
	(void)state;
	/* No sort asked for: the caller's preference (title) is another statement's. */
	ht_expect(STMT_TASK_LIST, DB_OK, list_result(STMT_TASK_LIST, 1, "10", "1", SORT_KEY_TITLE), NULL);
	ht_expect(STMT_TASK_LIST_TITLE, DB_OK,
	          list_result(STMT_TASK_LIST_TITLE, 1, "10", "1", SORT_KEY_TITLE), NULL);
	ht_call(HTTP_GET, "/api/v1/tasks", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 200);
	assert_string_equal(ht_param(1, 1), SORT_KEY_TITLE);
	assert_int_equal(json_object_array_length(ht_member(ht_json(), "tasks")), 1);
}

static void list_of_another_owner_is_403(void **state)
{
	(void)state;
	PGresult *r = list_result(STMT_TASK_LIST, 1, "10", "0", SORT_KEY_ID);
	ht_set(r, 0, LIST_OK, "f");
	ht_expect(STMT_TASK_LIST, DB_OK, r, NULL);
	ht_run(&(struct ht_request){.method = HTTP_GET,
	                            .path = "/api/v1/tasks",
	                            .authorization = ht_bearer(7),
	                            .query = "owner_id=8"});
	assert_int_equal(ht_status(), 403);
	assert_string_equal(ht_detail(), "Not enough permissions. Admin access required.");
}

static void list_with_bad_status_is_422(void **state)
{
	(void)state;
	ht_expect(STMT_CALLER, DB_OK, as_user7(STMT_CALLER, 1), NULL);
	ht_run(&(struct ht_request){.method = HTTP_GET,
	                            .path = "/api/v1/tasks",
	                            .authorization = ht_bearer(7),
	                            .query = "status=later"});
	assert_int_equal(ht_status(), 422);
}

static void list_with_database_away_is_503(void **state)
{
	(void)state;
	ht_expect(STMT_TASK_LIST, DB_UNAVAILABLE, NULL, NULL);
	ht_call(HTTP_GET, "/api/v1/tasks", NULL, ht_bearer(7));
	ht_assert_503_retry();
}

/* ==== GET /tasks/stats ==== */

static void stats_answers_the_counts(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_TASK_STATS, 1);
	ht_set(r, 0, STATS_OK, "t");
	ht_set(r, 0, STATS_TOTAL, "6");
	for (int i = 0; task_statuses[i]; i++) {
		char n[4];
		snprintf(n, sizeof n, "%d", i + 1);
		ht_set(r, 0, STATS_BY_STATUS + i, n);
	}
	for (int i = 0; task_priorities[i]; i++) {
		char n[4];
		snprintf(n, sizeof n, "%d", 10 + i);
		ht_set(r, 0, STATS_BY_PRIORITY + i, n);
	}
	ht_set(r, 0, STATS_OVERDUE, "2");
	ht_set(r, 0, STATS_DUE_SOON, "3");
	ht_set(r, 0, STATS_DONE_RECENTLY, "4");
	ht_expect(STMT_TASK_STATS, DB_OK, r, NULL);
	ht_call(HTTP_GET, "/api/v1/tasks/stats", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 200);
	struct json_object *o = ht_json();
	assert_int_equal(json_object_object_length(o), 6);
	assert_int_equal(ht_int(o, "total"), 6);
	struct json_object *by_status = ht_member(o, "by_status");
	assert_int_equal(json_object_object_length(by_status), TASK_STATUS_COUNT);
	for (int i = 0; task_statuses[i]; i++)
		assert_int_equal(ht_int(by_status, task_statuses[i]), i + 1);
	struct json_object *by_priority = ht_member(o, "by_priority");
	assert_int_equal(json_object_object_length(by_priority), TASK_PRIORITY_COUNT);
	for (int i = 0; task_priorities[i]; i++)
		assert_int_equal(ht_int(by_priority, task_priorities[i]), 10 + i);
	assert_int_equal(ht_int(o, "overdue"), 2);
	assert_int_equal(ht_int(o, "due_next_7_days"), 3);
	assert_int_equal(ht_int(o, "completed_last_7_days"), 4);
	assert_null(ht_param(0, 1)); /* no owner_id: the caller's own */
}

static void stats_of_another_owner_is_403(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_TASK_STATS, 1);
	ht_set(r, 0, STATS_OK, "f");
	ht_expect(STMT_TASK_STATS, DB_OK, r, NULL);
	ht_run(&(struct ht_request){.method = HTTP_GET,
	                            .path = "/api/v1/tasks/stats",
	                            .authorization = ht_bearer(7),
	                            .query = "owner_id=8"});
	assert_int_equal(ht_status(), 403);
	assert_string_equal(ht_param(0, 1), "8");
}

static void stats_with_database_away_is_503(void **state)
{
	(void)state;
	ht_expect(STMT_TASK_STATS, DB_UNAVAILABLE, NULL, NULL);
	ht_call(HTTP_GET, "/api/v1/tasks/stats", NULL, ht_bearer(7));
	ht_assert_503_retry();
}

#define T(f) cmocka_unit_test_setup_teardown(f, ht_setup, ht_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(get_without_credential_is_401),
		T(get_with_bad_token_is_401),
		T(get_for_unknown_caller_is_401),
		T(get_for_inactive_caller_is_403),
		T(get_missing_task_is_404),
		T(get_answers_the_task_with_its_etag),
		T(get_with_current_etag_is_304),
		T(get_with_bad_id_checks_the_caller_then_422),
		T(get_with_database_away_is_503),
		T(get_with_database_error_is_500),
		T(create_answers_201_with_defaults),
		T(create_passes_the_body_fields),
		T(create_without_credential_is_401),
		T(create_without_title_is_422),
		T(create_with_database_away_is_503),
		T(create_with_outcome_unknown_is_502_without_retry),
		T(update_answers_the_task_with_its_new_etag),
		T(update_with_stale_etag_is_412),
		T(update_without_if_match_passes_no_condition),
		T(update_with_contradicting_completion_is_422),
		T(update_timed_out_before_any_write_is_503),
		T(delete_answers_204),
		T(delete_with_stale_etag_is_412),
		T(delete_of_someone_elses_task_is_404),
		T(delete_with_database_away_is_503),
		T(list_answers_the_page),
		T(list_with_more_rows_links_the_next_page),
		T(list_runs_the_preferred_sort),
		T(list_of_another_owner_is_403),
		T(list_with_bad_status_is_422),
		T(list_with_database_away_is_503),
		T(stats_answers_the_counts),
		T(stats_of_another_owner_is_403),
		T(stats_with_database_away_is_503),
	};
	return cmocka_run_group_tests(tests, ht_group_setup, NULL);
}
