/* The webhook handlers (src/handlers_webhooks.c), the database answered by the harness. */
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

/* A public address, given as a number: no name to resolve. */
#define HOOK_URL    "https://93.184.216.34/hook"
#define CREATE_BODY "{\"url\":\"" HOOK_URL "\",\"events\":[\"task_completed\",\"task_created\"]}"

static PGresult *as_user7(enum stmt_id id, int rows)
{
	PGresult *r = ht_result(id, rows);
	ht_caller(r, "7", ROLE_USER, "t");
	return r;
}

static void assert_caller7(const char *param)
{
	assert_non_null(param);
	assert_int_equal(strncmp(param, "{\"7\",", 5), 0);
}

/* The field of the n-th problem's loc (the 422 list). */
static const char *problem_field(int n)
{
	struct json_object *d = ht_member(ht_json(), "detail");
	struct json_object *loc = ht_member(json_object_array_get_idx(d, n), "loc");
	return json_object_get_string(json_object_array_get_idx(loc, json_object_array_length(loc) - 1));
}

/* A webhook row (WEBHOOK_ROW) after the caller. */
static void hook_row(PGresult *r, int row, const char *id, const char *description)
{
	ht_set(r, row, CALLER_NCOLS + WEBHOOK_ID, id);
	ht_set(r, row, CALLER_NCOLS + WEBHOOK_URL, HOOK_URL);
	ht_set(r, row, CALLER_NCOLS + WEBHOOK_EVENTS, "[\"task_created\",\"task_completed\"]");
	ht_set(r, row, CALLER_NCOLS + WEBHOOK_DESCRIPTION, description);
	ht_set(r, row, CALLER_NCOLS + WEBHOOK_CREATED_AT, "2026-03-01 12:00:00.25+00");
}

/* The JSON of a hook_row, field by field (fields: 5, or 6 with the secret). */
static void hook_check(struct json_object *o, long long id, const char *description, int fields)
{
	assert_int_equal(json_object_object_length(o), fields);
	assert_int_equal(ht_int(o, "id"), id);
	assert_string_equal(ht_str(o, "url"), HOOK_URL);
	struct json_object *ev = ht_member(o, "events");
	assert_int_equal(json_object_array_length(ev), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(ev, 0)), "task_created");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(ev, 1)), "task_completed");
	if (description)
		assert_string_equal(ht_str(o, "description"), description);
	else
		assert_true(ht_is_null(o, "description"));
	assert_string_equal(ht_str(o, "created_at"), "2026-03-01T12:00:00.25Z");
}

/* ==== POST /webhooks ==== */

static void create_shows_the_secret_once(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_WEBHOOK_CREATE, 1);
	hook_row(r, 0, "5", NULL);
	ht_expect(STMT_WEBHOOK_CREATE, DB_OK, r, NULL);
	ht_call(HTTP_POST, "/api/v1/webhooks", CREATE_BODY, ht_bearer(7));
	assert_int_equal(ht_status(), 201);
	assert_string_equal(ht_header("Location"), "/api/v1/webhooks/5");
	assert_string_equal(ht_header("Cache-Control"), "no-store");
	struct json_object *o = ht_json();
	hook_check(o, 5, NULL, 6);
	const char *secret = ht_str(o, "secret");
	assert_int_equal(strncmp(secret, "whsec_", 6), 0);
	assert_int_equal(strlen(secret), 6 + 43);
	assert_caller7(ht_param(0, 0));
	assert_string_equal(ht_param(0, 1), HOOK_URL);
	assert_string_equal(ht_param(0, 2), "{task_created,task_completed}"); /* the kinds' order */
	assert_null(ht_param(0, 3));
	assert_string_equal(ht_param(0, 4), secret);
	assert_string_equal(ht_param(0, 5), "20");
}

static void create_without_events_takes_every_kind(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_WEBHOOK_CREATE, 1);
	hook_row(r, 0, "5", "ci");
	ht_expect(STMT_WEBHOOK_CREATE, DB_OK, r, NULL);
	ht_call(HTTP_POST, "/api/v1/webhooks", "{\"url\":\"" HOOK_URL "\",\"description\":\"ci\"}",
	        ht_bearer(7));
	assert_int_equal(ht_status(), 201);
	assert_string_equal(ht_param(0, 2), "{task_created,task_completed,task_due_date_set,task_due_soon}");
	assert_string_equal(ht_param(0, 3), "ci");
	hook_check(ht_json(), 5, "ci", 6);
}

static void create_beyond_the_limit_is_409(void **state)
{
	(void)state;
	ht_expect(STMT_WEBHOOK_CREATE, DB_OK, as_user7(STMT_WEBHOOK_CREATE, 1), NULL);
	ht_call(HTTP_POST, "/api/v1/webhooks", CREATE_BODY, ht_bearer(7));
	assert_int_equal(ht_status(), 409);
	assert_string_equal(ht_detail(), "At most 20 webhooks per user: delete one first");
}

static void create_with_unknown_event_is_422(void **state)
{
	(void)state;
	ht_expect(STMT_CALLER, DB_OK, as_user7(STMT_CALLER, 1), NULL);
	ht_call(HTTP_POST, "/api/v1/webhooks", "{\"url\":\"" HOOK_URL "\",\"events\":[\"nope\"]}",
	        ht_bearer(7));
	assert_int_equal(ht_status(), 422);
	assert_string_equal(problem_field(0), "events");
}

static void create_to_loopback_is_422(void **state)
{
	(void)state;
	ht_expect(STMT_CALLER, DB_OK, as_user7(STMT_CALLER, 1), NULL);
	ht_call(HTTP_POST, "/api/v1/webhooks", "{\"url\":\"http://127.0.0.1:8080/hook\"}", ht_bearer(7));
	assert_int_equal(ht_status(), 422);
	assert_string_equal(problem_field(0), "url");
}

static void create_with_own_secret_is_422(void **state)
{
	(void)state;
	ht_expect(STMT_CALLER, DB_OK, as_user7(STMT_CALLER, 1), NULL);
	ht_call(HTTP_POST, "/api/v1/webhooks", "{\"url\":\"" HOOK_URL "\",\"secret\":\"mine\"}",
	        ht_bearer(7));
	assert_int_equal(ht_status(), 422);
	assert_string_equal(problem_field(0), "secret");
}

static void create_without_credential_is_401(void **state)
{
	(void)state;
	ht_call(HTTP_POST, "/api/v1/webhooks", CREATE_BODY, NULL);
	assert_int_equal(ht_status(), 401);
	assert_int_equal(ht_statements_run(), 0);
}

static void create_for_unknown_caller_is_401(void **state)
{
	(void)state;
	ht_expect(STMT_WEBHOOK_CREATE, DB_OK, ht_result(STMT_WEBHOOK_CREATE, 1), NULL);
	ht_call(HTTP_POST, "/api/v1/webhooks", CREATE_BODY, ht_bearer(7));
	assert_int_equal(ht_status(), 401);
	assert_string_equal(ht_detail(), "Could not validate credentials");
}

static void create_with_database_away_is_503(void **state)
{
	(void)state;
	ht_expect(STMT_WEBHOOK_CREATE, DB_UNAVAILABLE, NULL, NULL);
	ht_call(HTTP_POST, "/api/v1/webhooks", CREATE_BODY, ht_bearer(7));
	ht_assert_503_retry();
}

/* ==== GET /webhooks ==== */

static void list_answers_the_webhooks_without_secrets(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_WEBHOOK_LIST, 2);
	hook_row(r, 0, "6", "second");
	hook_row(r, 1, "5", NULL);
	ht_expect(STMT_WEBHOOK_LIST, DB_OK, r, NULL);
	ht_call(HTTP_GET, "/api/v1/webhooks", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 200);
	struct json_object *a = ht_json();
	assert_int_equal(json_object_array_length(a), 2);
	hook_check(json_object_array_get_idx(a, 0), 6, "second", 5);
	hook_check(json_object_array_get_idx(a, 1), 5, NULL, 5);
	assert_caller7(ht_param(0, 0));
}

static void list_without_webhooks_is_empty(void **state)
{
	(void)state;
	ht_expect(STMT_WEBHOOK_LIST, DB_OK, as_user7(STMT_WEBHOOK_LIST, 1), NULL);
	ht_call(HTTP_GET, "/api/v1/webhooks", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 200);
	assert_int_equal(json_object_array_length(ht_json()), 0);
}

static void list_without_credential_is_401(void **state)
{
	(void)state;
	ht_call(HTTP_GET, "/api/v1/webhooks", NULL, NULL);
	assert_int_equal(ht_status(), 401);
}

static void list_with_database_away_is_503(void **state)
{
	(void)state;
	ht_expect(STMT_WEBHOOK_LIST, DB_UNAVAILABLE, NULL, NULL);
	ht_call(HTTP_GET, "/api/v1/webhooks", NULL, ht_bearer(7));
	ht_assert_503_retry();
}

/* ==== GET /webhooks/{id} ==== */

static void get_answers_the_webhook(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_WEBHOOK_GET, 1);
	hook_row(r, 0, "5", "ci");
	ht_expect(STMT_WEBHOOK_GET, DB_OK, r, NULL);
	ht_call(HTTP_GET, "/api/v1/webhooks/5", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 200);
	hook_check(ht_json(), 5, "ci", 5);
	assert_caller7(ht_param(0, 0));
	assert_string_equal(ht_param(0, 1), "5");
}

static void get_of_someone_elses_webhook_is_404(void **state)
{
	(void)state;
	ht_expect(STMT_WEBHOOK_GET, DB_OK, as_user7(STMT_WEBHOOK_GET, 1), NULL);
	ht_call(HTTP_GET, "/api/v1/webhooks/5", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 404);
	assert_string_equal(ht_detail(), "Webhook not found");
}

static void get_with_bad_id_is_422(void **state)
{
	(void)state;
	ht_expect(STMT_CALLER, DB_OK, as_user7(STMT_CALLER, 1), NULL);
	ht_call(HTTP_GET, "/api/v1/webhooks/five", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 422);
	assert_string_equal(problem_field(0), "id");
}

static void get_with_database_away_is_503(void **state)
{
	(void)state;
	ht_expect(STMT_WEBHOOK_GET, DB_UNAVAILABLE, NULL, NULL);
	ht_call(HTTP_GET, "/api/v1/webhooks/5", NULL, ht_bearer(7));
	ht_assert_503_retry();
}

/* ==== DELETE /webhooks/{id} ==== */

static PGresult *changed(const char *count)
{
	PGresult *r = as_user7(STMT_WEBHOOK_DELETE, 1);
	ht_set(r, 0, CHANGED_COUNT, count);
	return r;
}

static void delete_answers_204(void **state)
{
	(void)state;
	ht_expect(STMT_WEBHOOK_DELETE, DB_OK, changed("1"), NULL);
	ht_call(HTTP_DELETE, "/api/v1/webhooks/5", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 204);
	assert_string_equal(ht_param(0, 1), "5");
}

static void delete_of_unknown_webhook_is_404(void **state)
{
	(void)state;
	ht_expect(STMT_WEBHOOK_DELETE, DB_OK, changed("0"), NULL);
	ht_call(HTTP_DELETE, "/api/v1/webhooks/5", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 404);
	assert_string_equal(ht_detail(), "Webhook not found");
}

static void delete_of_inactive_caller_is_403(void **state)
{
	(void)state;
	PGresult *r = changed("1");
	ht_caller(r, "7", ROLE_USER, "f");
	ht_expect(STMT_WEBHOOK_DELETE, DB_OK, r, NULL);
	ht_call(HTTP_DELETE, "/api/v1/webhooks/5", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 403);
	assert_string_equal(ht_detail(), "Inactive user");
}

static void delete_with_database_away_is_503(void **state)
{
	(void)state;
	ht_expect(STMT_WEBHOOK_DELETE, DB_UNAVAILABLE, NULL, NULL);
	ht_call(HTTP_DELETE, "/api/v1/webhooks/5", NULL, ht_bearer(7));
	ht_assert_503_retry();
}

/* ==== GET /webhooks/{id}/deliveries ==== */

static void delivery_row(PGresult *r, int row, const char *id, const char *status_code)
{
	const int col = DLIST_DELIVERY;
	ht_set(r, row, DLIST_OWNED, "t");
	ht_set(r, row, col + DELIVERY_ID, id);
	ht_set(r, row, col + DELIVERY_NOTIFICATION_ID, "30");
	ht_set(r, row, col + DELIVERY_ATTEMPT, "2");
	ht_set(r, row, col + DELIVERY_STARTED_AT, "2026-03-02 08:00:00+00");
	ht_set(r, row, col + DELIVERY_FINISHED_AT, "2026-03-02 08:00:01.5+00");
	ht_set(r, row, col + DELIVERY_DELIVERED, status_code ? "true" : "false");
	ht_set(r, row, col + DELIVERY_STATUS_CODE, status_code);
	ht_set(r, row, col + DELIVERY_ERROR, status_code ? NULL : "connection refused");
	ht_set(r, row, col + DELIVERY_DURATION_MS, "1500");
}

static void deliveries_answer_a_page_and_where_the_next_starts(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_WEBHOOK_DELIVERIES, 2);
	delivery_row(r, 0, "12", NULL);
	delivery_row(r, 1, "11", "200");
	ht_expect(STMT_WEBHOOK_DELIVERIES, DB_OK, r, NULL);
	ht_run(&(struct ht_request){.method = HTTP_GET,
	                            .path = "/api/v1/webhooks/5/deliveries",
	                            .query = "limit=1",
	                            .authorization = ht_bearer(7)});
	assert_int_equal(ht_status(), 200);
	struct json_object *o = ht_json();
	assert_int_equal(json_object_object_length(o), 2);
	assert_int_equal(ht_int(o, "next_before"), 12);
	struct json_object *a = ht_member(o, "deliveries");
	assert_int_equal(json_object_array_length(a), 1);
	struct json_object *d = json_object_array_get_idx(a, 0);
	assert_int_equal(json_object_object_length(d), 9);
	assert_int_equal(ht_int(d, "id"), 12);
	assert_int_equal(ht_int(d, "notification_id"), 30);
	assert_int_equal(ht_int(d, "attempt"), 2);
	assert_string_equal(ht_str(d, "started_at"), "2026-03-02T08:00:00Z");
	assert_string_equal(ht_str(d, "finished_at"), "2026-03-02T08:00:01.5Z");
	assert_false(ht_bool(d, "delivered"));
	assert_true(ht_is_null(d, "status_code"));
	assert_string_equal(ht_str(d, "error"), "connection refused");
	assert_int_equal(ht_int(d, "duration_ms"), 1500);
	assert_string_equal(ht_param(0, 1), "5");
	assert_null(ht_param(0, 2));              /* no before */
	assert_string_equal(ht_param(0, 3), "2"); /* one more than the page */
}

static void deliveries_last_page_has_no_next(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_WEBHOOK_DELIVERIES, 1);
	delivery_row(r, 0, "11", "200");
	ht_expect(STMT_WEBHOOK_DELIVERIES, DB_OK, r, NULL);
	ht_run(&(struct ht_request){.method = HTTP_GET,
	                            .path = "/api/v1/webhooks/5/deliveries",
	                            .query = "before=12",
	                            .authorization = ht_bearer(7)});
	assert_int_equal(ht_status(), 200);
	struct json_object *o = ht_json();
	assert_true(ht_is_null(o, "next_before"));
	struct json_object *d = json_object_array_get_idx(ht_member(o, "deliveries"), 0);
	assert_true(ht_bool(d, "delivered"));
	assert_int_equal(ht_int(d, "status_code"), 200);
	assert_true(ht_is_null(d, "error"));
	assert_string_equal(ht_param(0, 2), "12");
	assert_string_equal(ht_param(0, 3), "51");
}

static void deliveries_of_someone_elses_webhook_are_404(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_WEBHOOK_DELIVERIES, 1);
	ht_set(r, 0, DLIST_OWNED, "f");
	ht_expect(STMT_WEBHOOK_DELIVERIES, DB_OK, r, NULL);
	ht_call(HTTP_GET, "/api/v1/webhooks/5/deliveries", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 404);
	assert_string_equal(ht_detail(), "Webhook not found");
}

static void deliveries_with_bad_limit_are_422(void **state)
{
	(void)state;
	ht_expect(STMT_CALLER, DB_OK, as_user7(STMT_CALLER, 1), NULL);
	ht_run(&(struct ht_request){.method = HTTP_GET,
	                            .path = "/api/v1/webhooks/5/deliveries",
	                            .query = "limit=201",
	                            .authorization = ht_bearer(7)});
	assert_int_equal(ht_status(), 422);
	assert_string_equal(problem_field(0), "limit");
}

static void deliveries_without_credential_are_401(void **state)
{
	(void)state;
	ht_call(HTTP_GET, "/api/v1/webhooks/5/deliveries", NULL, NULL);
	assert_int_equal(ht_status(), 401);
}

static void deliveries_with_database_away_are_503(void **state)
{
	(void)state;
	ht_expect(STMT_WEBHOOK_DELIVERIES, DB_UNAVAILABLE, NULL, NULL);
	ht_call(HTTP_GET, "/api/v1/webhooks/5/deliveries", NULL, ht_bearer(7));
	ht_assert_503_retry();
}

#define T(f) cmocka_unit_test_setup_teardown(f, ht_setup, ht_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(create_shows_the_secret_once),
		T(create_without_events_takes_every_kind),
		T(create_beyond_the_limit_is_409),
		T(create_with_unknown_event_is_422),
		T(create_to_loopback_is_422),
		T(create_with_own_secret_is_422),
		T(create_without_credential_is_401),
		T(create_for_unknown_caller_is_401),
		T(create_with_database_away_is_503),
		T(list_answers_the_webhooks_without_secrets),
		T(list_without_webhooks_is_empty),
		T(list_without_credential_is_401),
		T(list_with_database_away_is_503),
		T(get_answers_the_webhook),
		T(get_of_someone_elses_webhook_is_404),
		T(get_with_bad_id_is_422),
		T(get_with_database_away_is_503),
		T(delete_answers_204),
		T(delete_of_unknown_webhook_is_404),
		T(delete_of_inactive_caller_is_403),
		T(delete_with_database_away_is_503),
		T(deliveries_answer_a_page_and_where_the_next_starts),
		T(deliveries_last_page_has_no_next),
		T(deliveries_of_someone_elses_webhook_are_404),
		T(deliveries_with_bad_limit_are_422),
		T(deliveries_without_credential_are_401),
		T(deliveries_with_database_away_are_503),
	};
	return cmocka_run_group_tests(tests, ht_group_setup, NULL);
}
