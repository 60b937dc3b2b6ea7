/* The notification handlers (src/handlers_notifications.c), the database answered by the harness. */
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

static PGresult *as_user7(enum stmt_id id, int rows)
{
	PGresult *r = ht_result(id, rows);
	ht_caller(r, "7", ROLE_USER, "t");
	return r;
}

/* A notification (NOTIF_ROW) at column col of row; read_at NULL: unread. */
static void notif_row(PGresult *r, int row, int col, const char *id, const char *read_at)
{
	ht_set(r, row, col + NOTIF_ID, id);
	ht_set(r, row, col + NOTIF_KIND, "task_completed");
	ht_set(r, row, col + NOTIF_TASK_ID, "5");
	ht_set(r, row, col + NOTIF_TITLE, "Task completed");
	ht_set(r, row, col + NOTIF_MESSAGE, "Write tests is done");
	ht_set(r, row, col + NOTIF_CREATED_AT, "2026-03-01 12:00:00+00");
	ht_set(r, row, col + NOTIF_READ_AT, read_at);
}

/* The JSON of a notif_row, field by field. */
static void notif_check(struct json_object *o, long long id, int read)
{
	assert_int_equal(json_object_object_length(o), 8);
	assert_int_equal(ht_int(o, "id"), id);
	assert_string_equal(ht_str(o, "kind"), "task_completed");
	assert_int_equal(ht_int(o, "task_id"), 5);
	assert_string_equal(ht_str(o, "title"), "Task completed");
	assert_string_equal(ht_str(o, "message"), "Write tests is done");
	assert_string_equal(ht_str(o, "created_at"), "2026-03-01T12:00:00Z");
	assert_int_equal(ht_bool(o, "read"), read);
	if (read)
		assert_string_equal(ht_str(o, "read_at"), "2026-03-02T08:30:00Z");
	else
		assert_true(ht_is_null(o, "read_at"));
}

/* A notif_list result: the unread count, then rows notifications, ids 30, 29, ... */
static PGresult *list_result(int rows, const char *unread)
{
	PGresult *r = as_user7(STMT_NOTIF_LIST, rows);
	ht_set(r, 0, NLIST_UNREAD, unread);
	for (int i = 0; i < rows; i++) {
		char id[8];
		snprintf(id, sizeof id, "%d", 30 - i);
		notif_row(r, i, NLIST_NOTIF, id, NULL);
	}
	return r;
}

/* ==== GET /notifications ==== */

static void list_pages_with_a_cursor(void **state)
{
	(void)state;
	/* limit 2: the statement is asked for 3 rows; a third means there is a next page. */
	ht_expect(STMT_NOTIF_LIST, DB_OK, list_result(3, "4"), NULL);
	ht_run(&(struct ht_request){.method = HTTP_GET,
	                            .path = "/api/v1/notifications",
	                            .authorization = ht_bearer(7),
	                            .query = "limit=2"});
	assert_int_equal(ht_status(), 200);
	assert_string_equal(ht_param(0, 1), "f");
	assert_null(ht_param(0, 2));
	assert_string_equal(ht_param(0, 3), "3");
	struct json_object *o = ht_json();
	assert_int_equal(json_object_object_length(o), 5);
	struct json_object *list = ht_member(o, "notifications");
	assert_int_equal(json_object_array_length(list), 2);
	notif_check(json_object_array_get_idx(list, 0), 30, 0);
	notif_check(json_object_array_get_idx(list, 1), 29, 0);
	assert_int_equal(ht_int(o, "unread_count"), 4);
	assert_int_equal(ht_int(o, "page"), 1);
	assert_int_equal(ht_int(o, "page_size"), 2);
	char cursor[512], query[600], link[700];
	snprintf(cursor, sizeof cursor, "%s", ht_str(o, "next_cursor"));
	snprintf(link, sizeof link, "</api/v1/notifications?limit=2&cursor=%s>; rel=\"next\"", cursor);
	assert_string_equal(ht_header("Link"), link);

	/* The next page starts below the last id shown. */
	ht_expect(STMT_NOTIF_LIST, DB_OK, list_result(1, "4"), NULL);
	snprintf(query, sizeof query, "limit=2&cursor=%s", cursor);
	ht_run(&(struct ht_request){.method = HTTP_GET,
	                            .path = "/api/v1/notifications",
	                            .authorization = ht_bearer(7),
	                            .query = query});
	assert_int_equal(ht_status(), 200);
	assert_string_equal(ht_param(1, 2), "29");
	assert_int_equal(ht_int(ht_json(), "page"), 2);
	assert_true(ht_is_null(ht_json(), "next_cursor"));
	assert_null(ht_header("Link"));
}

static void list_with_cursor_of_another_filter_is_422(void **state)
{
	(void)state;
	ht_expect(STMT_NOTIF_LIST, DB_OK, list_result(2, "4"), NULL);
	ht_run(&(struct ht_request){.method = HTTP_GET,
	                            .path = "/api/v1/notifications",
	                            .authorization = ht_bearer(7),
	                            .query = "limit=1"});
	char query[600];
	snprintf(query, sizeof query, "unread=true&cursor=%s", ht_str(ht_json(), "next_cursor"));
	ht_expect(STMT_CALLER, DB_OK, as_user7(STMT_CALLER, 1), NULL);
	ht_run(&(struct ht_request){.method = HTTP_GET,
	                            .path = "/api/v1/notifications",
	                            .authorization = ht_bearer(7),
	                            .query = query});
	assert_int_equal(ht_status(), 422);
	struct json_object *first = json_object_array_get_idx(ht_member(ht_json(), "detail"), 0);
	assert_string_equal(ht_str(first, "msg"), "Invalid cursor: it does not belong to this list");
}

static void list_with_database_away_is_503(void **state)
{
	(void)state;
	ht_expect(STMT_NOTIF_LIST, DB_UNAVAILABLE, NULL, NULL);
	ht_call(HTTP_GET, "/api/v1/notifications", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 503);
	assert_non_null(ht_header("Retry-After"));
}

/* ==== POST /notifications/{id}/read and /notifications/read-all ==== */

static void read_answers_the_notification(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_NOTIF_READ, 1);
	notif_row(r, 0, CALLER_NCOLS, "30", "2026-03-02 08:30:00+00");
	ht_expect(STMT_NOTIF_READ, DB_OK, r, NULL);
	ht_call(HTTP_POST, "/api/v1/notifications/30/read", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 200);
	notif_check(ht_json(), 30, 1);
	assert_string_equal(ht_param(0, 1), "30");
}

static void read_of_someone_elses_is_404(void **state)
{
	(void)state;
	ht_expect(STMT_NOTIF_READ, DB_OK, as_user7(STMT_NOTIF_READ, 1), NULL);
	ht_call(HTTP_POST, "/api/v1/notifications/31/read", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 404);
	assert_string_equal(ht_detail(), "Notification not found");
}

static void read_without_credential_is_401(void **state)
{
	(void)state;
	ht_call(HTTP_POST, "/api/v1/notifications/31/read", NULL, NULL);
	assert_int_equal(ht_status(), 401);
	assert_int_equal(ht_statements_run(), 0);
}

static void read_all_counts_what_it_marked(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_NOTIF_READ_ALL, 1);
	ht_set(r, 0, CHANGED_COUNT, "3");
	ht_expect(STMT_NOTIF_READ_ALL, DB_OK, r, NULL);
	ht_call(HTTP_POST, "/api/v1/notifications/read-all", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 200);
	assert_int_equal(json_object_object_length(ht_json()), 1);
	assert_int_equal(ht_int(ht_json(), "marked_read"), 3);
}

#define T(f) cmocka_unit_test_setup_teardown(f, ht_setup, ht_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(list_pages_with_a_cursor),       T(list_with_cursor_of_another_filter_is_422),
		T(list_with_database_away_is_503), T(read_answers_the_notification),
		T(read_of_someone_elses_is_404),   T(read_without_credential_is_401),
		T(read_all_counts_what_it_marked),
	};
	return cmocka_run_group_tests(tests, ht_group_setup, NULL);
}
