/* The report handlers (src/handlers_reports.c: create, generate, status, download), the
   database answered by the harness. */
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

/* The loc of the n-th problem (the 422 list), its parts joined by '.'. */
static const char *problem_loc(int n)
{
	static char out[128];
	struct json_object *d = ht_member(ht_json(), "detail");
	struct json_object *loc = ht_member(json_object_array_get_idx(d, n), "loc");
	out[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(loc); i++)
		snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i ? "." : "",
		         json_object_get_string(json_object_array_get_idx(loc, i)));
	return out;
}

/* ==== POST /reports ==== */

static PGresult *created(const char *id, const char *allowed)
{
	PGresult *r = as_user7(STMT_REPORT_CREATE, 1);
	ht_set(r, 0, RCREATE_ID, id);
	ht_set(r, 0, RCREATE_ALLOWED, allowed);
	return r;
}

static void create_queues_the_report(void **state)
{
	(void)state;
	ht_expect(STMT_REPORT_CREATE, DB_OK, created("9", "t"), NULL);
	ht_call(HTTP_POST, "/api/v1/reports",
	        "{\"kind\":\"tasks_csv\",\"filters\":{\"status\":\"todo\","
	        "\"created_after\":\"2026-01-01T00:00:00+01:00\"}}",
	        ht_bearer(7));
	assert_int_equal(ht_status(), 202);
	assert_string_equal(ht_header("Location"), "/api/v1/reports/9");
	struct json_object *o = ht_json();
	assert_int_equal(json_object_object_length(o), 4);
	assert_int_equal(ht_int(o, "id"), 9);
	assert_string_equal(ht_str(o, "kind"), "tasks_csv");
	assert_string_equal(ht_str(o, "status"), "queued");
	assert_string_equal(ht_str(o, "url"), "/api/v1/reports/9");
	assert_string_equal(ht_param(0, 1), "tasks_csv");
	/* the filters stored canonical: times in UTC */
	assert_string_equal(ht_param(0, 2),
	                    "{\"status\":\"todo\",\"created_after\":\"2025-12-31T23:00:00.000000Z\"}");
	assert_null(ht_param(0, 3)); /* no owner_id */
}

static void create_for_another_owner_by_a_user_is_403(void **state)
{
	(void)state;
	ht_expect(STMT_REPORT_CREATE, DB_OK, created(NULL, "f"), NULL);
	ht_call(HTTP_POST, "/api/v1/reports", "{\"kind\":\"tasks_summary\",\"filters\":{\"owner_id\":3}}",
	        ht_bearer(7));
	assert_int_equal(ht_status(), 403);
	assert_string_equal(ht_detail(), "Not enough permissions. Admin access required.");
	assert_string_equal(ht_param(0, 2), "{}");
	assert_string_equal(ht_param(0, 3), "3");
}

static void create_of_unknown_kind_is_422(void **state)
{
	(void)state;
	ht_expect(STMT_CALLER, DB_OK, as_user7(STMT_CALLER, 1), NULL);
	ht_call(HTTP_POST, "/api/v1/reports", "{\"kind\":\"pdf\"}", ht_bearer(7));
	assert_int_equal(ht_status(), 422);
	assert_string_equal(problem_loc(0), "body.kind");
}

static void create_with_bad_filter_is_422(void **state)
{
	(void)state;
	ht_expect(STMT_CALLER, DB_OK, as_user7(STMT_CALLER, 1), NULL);
	ht_call(HTTP_POST, "/api/v1/reports", "{\"kind\":\"tasks_csv\",\"filters\":{\"status\":\"done\"}}",
	        ht_bearer(7));
	assert_int_equal(ht_status(), 422);
	assert_string_equal(problem_loc(0), "body.filters.status");
}

static void create_without_credential_is_401(void **state)
{
	(void)state;
	ht_call(HTTP_POST, "/api/v1/reports", "{\"kind\":\"tasks_csv\"}", NULL);
	assert_int_equal(ht_status(), 401);
	assert_int_equal(ht_statements_run(), 0);
}

static void create_for_unknown_caller_is_401(void **state)
{
	(void)state;
	ht_expect(STMT_REPORT_CREATE, DB_OK, ht_result(STMT_REPORT_CREATE, 1), NULL);
	ht_call(HTTP_POST, "/api/v1/reports", "{\"kind\":\"tasks_csv\"}", ht_bearer(7));
	assert_int_equal(ht_status(), 401);
	assert_string_equal(ht_detail(), "Could not validate credentials");
}

static void create_with_database_away_is_503(void **state)
{
	(void)state;
	ht_expect(STMT_REPORT_CREATE, DB_UNAVAILABLE, NULL, NULL);
	ht_call(HTTP_POST, "/api/v1/reports", "{\"kind\":\"tasks_csv\"}", ht_bearer(7));
	ht_assert_503_retry();
}

/* ==== GET /reports/{id} ==== */

#define REPORT_SET(r, col, v) ht_set(r, 0, CALLER_NCOLS + (col), v)

static PGresult *report(const char *kind, const char *status, const char *rows_done,
                        const char *rows_total)
{
	PGresult *r = as_user7(STMT_REPORT_GET, 1);
	REPORT_SET(r, REPORT_ID, "9");
	REPORT_SET(r, REPORT_KIND, kind);
	REPORT_SET(r, REPORT_STATUS, status);
	REPORT_SET(r, REPORT_FILTERS, "{\"status\": \"todo\"}");
	REPORT_SET(r, REPORT_ROWS_DONE, rows_done);
	REPORT_SET(r, REPORT_ROWS_TOTAL, rows_total);
	REPORT_SET(r, REPORT_BYTES, "2048");
	REPORT_SET(r, REPORT_SUMMARY, NULL);
	REPORT_SET(r, REPORT_ERROR, NULL);
	REPORT_SET(r, REPORT_CREATED_AT, "2026-04-01 10:00:00+00");
	REPORT_SET(r, REPORT_FINISHED_AT, strcmp(status, "done") == 0 ? "2026-04-01 10:00:05+00" : NULL);
	REPORT_SET(r, REPORT_EXPIRES_AT, "2026-04-02 10:00:00+00");
	REPORT_SET(r, REPORT_CHUNKS, "1");
	return r;
}

static void get_of_a_done_export_links_its_download(void **state)
{
	(void)state;
	ht_expect(STMT_REPORT_GET, DB_OK, report("tasks_csv", "done", "40", "40"), NULL);
	ht_call(HTTP_GET, "/api/v1/reports/9", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 200);
	struct json_object *o = ht_json();
	assert_int_equal(json_object_object_length(o), 12);
	assert_int_equal(ht_int(o, "id"), 9);
	assert_string_equal(ht_str(o, "kind"), "tasks_csv");
	assert_string_equal(ht_str(o, "status"), "done");
	assert_string_equal(ht_str(ht_member(o, "filters"), "status"), "todo");
	struct json_object *p = ht_member(o, "progress");
	assert_int_equal(json_object_object_length(p), 3);
	assert_int_equal(ht_int(p, "rows_done"), 40);
	assert_int_equal(ht_int(p, "rows_total"), 40);
	assert_int_equal(ht_int(p, "percent"), 100);
	assert_true(ht_is_null(o, "summary"));
	assert_string_equal(ht_str(o, "download_url"), "/api/v1/reports/9/download");
	assert_int_equal(ht_int(o, "bytes"), 2048);
	assert_true(ht_is_null(o, "error"));
	assert_string_equal(ht_str(o, "created_at"), "2026-04-01T10:00:00Z");
	assert_string_equal(ht_str(o, "finished_at"), "2026-04-01T10:00:05Z");
	assert_string_equal(ht_str(o, "expires_at"), "2026-04-02T10:00:00Z");
	assert_string_equal(ht_param(0, 1), "9");
}

static void get_of_a_running_report_has_its_progress(void **state)
{
	(void)state;
	ht_expect(STMT_REPORT_GET, DB_OK, report("tasks_csv", "running", "10", "40"), NULL);
	ht_call(HTTP_GET, "/api/v1/reports/9", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 200);
	struct json_object *o = ht_json();
	assert_int_equal(json_object_object_length(o), 11); /* no bytes */
	assert_string_equal(ht_str(o, "status"), "running");
	assert_int_equal(ht_int(ht_member(o, "progress"), "percent"), 25);
	assert_true(ht_is_null(o, "download_url"));
	assert_true(ht_is_null(o, "finished_at"));
}

static void get_of_a_queued_report_without_total_is_0_percent(void **state)
{
	(void)state;
	ht_expect(STMT_REPORT_GET, DB_OK, report("tasks_summary", "queued", "0", NULL), NULL);
	ht_call(HTTP_GET, "/api/v1/reports/9", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 200);
	struct json_object *p = ht_member(ht_json(), "progress");
	assert_true(ht_is_null(p, "rows_total"));
	assert_int_equal(ht_int(p, "percent"), 0);
}

static void get_of_someone_elses_report_is_404(void **state)
{
	(void)state;
	ht_expect(STMT_REPORT_GET, DB_OK, as_user7(STMT_REPORT_GET, 1), NULL);
	ht_call(HTTP_GET, "/api/v1/reports/9", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 404);
	assert_string_equal(ht_detail(), "Report not found");
}

static void get_with_bad_id_is_422(void **state)
{
	(void)state;
	ht_expect(STMT_CALLER, DB_OK, as_user7(STMT_CALLER, 1), NULL);
	ht_call(HTTP_GET, "/api/v1/reports/nine", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 422);
	assert_string_equal(problem_loc(0), "path.id");
}

static void get_without_credential_is_401(void **state)
{
	(void)state;
	ht_call(HTTP_GET, "/api/v1/reports/9", NULL, NULL);
	assert_int_equal(ht_status(), 401);
	assert_int_equal(ht_statements_run(), 0);
}

static void get_with_database_away_is_503(void **state)
{
	(void)state;
	ht_expect(STMT_REPORT_GET, DB_UNAVAILABLE, NULL, NULL);
	ht_call(HTTP_GET, "/api/v1/reports/9", NULL, ht_bearer(7));
	ht_assert_503_retry();
}

/* ==== POST /reports/generate ==== */

static void generate_without_body_queues_a_csv_export(void **state)
{
	(void)state;
	ht_expect(STMT_REPORT_CREATE, DB_OK, created("11", "t"), NULL);
	ht_call(HTTP_POST, "/api/v1/reports/generate", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 202);
	assert_string_equal(ht_header("Location"), "/api/v1/reports/11");
	struct json_object *o = ht_json();
	assert_int_equal(json_object_object_length(o), 5);
	assert_string_equal(ht_str(o, "message"), "Report generation started");
	assert_int_equal(ht_int(o, "id"), 11);
	assert_string_equal(ht_str(o, "kind"), "tasks_csv");
	assert_string_equal(ht_str(o, "status"), "queued");
	assert_string_equal(ht_param(0, 1), "tasks_csv");
}

static void generate_with_unknown_field_is_422(void **state)
{
	(void)state;
	ht_expect(STMT_CALLER, DB_OK, as_user7(STMT_CALLER, 1), NULL); /* the caller first */
	ht_call(HTTP_POST, "/api/v1/reports/generate", "{\"format\":\"pdf\"}", ht_bearer(7));
	assert_int_equal(ht_status(), 422);
	assert_string_equal(problem_loc(0), "body.format");
}

static void generate_without_credential_is_401(void **state)
{
	(void)state;
	ht_call(HTTP_POST, "/api/v1/reports/generate", NULL, NULL);
	assert_int_equal(ht_status(), 401);
	assert_int_equal(ht_statements_run(), 0);
}

/* ==== GET /reports/{id}/download ==== */

static void download_of_a_done_export_streams_its_csv(void **state)
{
	(void)state;
	ht_expect(STMT_REPORT_GET, DB_OK, report("tasks_csv", "done", "40", "40"), NULL);
	ht_call(HTTP_GET, "/api/v1/reports/9/download", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 200);
	assert_string_equal(ht_header("Content-Disposition"), "attachment; filename=\"tasks-report-9.csv\"");
}

static void download_before_done_is_409_with_retry_after(void **state)
{
	(void)state;
	ht_expect(STMT_REPORT_GET, DB_OK, report("tasks_csv", "running", "10", "40"), NULL);
	ht_call(HTTP_GET, "/api/v1/reports/9/download", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 409);
	assert_string_equal(ht_detail(), "Report is not ready yet");
	assert_string_equal(ht_header("Retry-After"), "2");
}

static void download_of_a_summary_is_404(void **state)
{
	(void)state;
	ht_expect(STMT_REPORT_GET, DB_OK, report("tasks_summary", "done", "40", "40"), NULL);
	ht_call(HTTP_GET, "/api/v1/reports/9/download", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 404);
	assert_string_equal(ht_detail(),
	                    "This report has no download; its summary is in GET /api/v1/reports/{id}");
}

static void download_of_someone_elses_report_is_404(void **state)
{
	(void)state;
	ht_expect(STMT_REPORT_GET, DB_OK, as_user7(STMT_REPORT_GET, 1), NULL);
	ht_call(HTTP_GET, "/api/v1/reports/9/download", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 404);
	assert_string_equal(ht_detail(), "Report not found");
}

static void download_with_database_away_is_503(void **state)
{
	(void)state;
	ht_expect(STMT_REPORT_GET, DB_UNAVAILABLE, NULL, NULL);
	ht_call(HTTP_GET, "/api/v1/reports/9/download", NULL, ht_bearer(7));
	ht_assert_503_retry();
}

#define T(f) cmocka_unit_test_setup_teardown(f, ht_setup, ht_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(create_queues_the_report),
		T(create_for_another_owner_by_a_user_is_403),
		T(create_of_unknown_kind_is_422),
		T(create_with_bad_filter_is_422),
		T(create_without_credential_is_401),
		T(create_for_unknown_caller_is_401),
		T(create_with_database_away_is_503),
		T(get_of_a_done_export_links_its_download),
		T(get_of_a_running_report_has_its_progress),
		T(get_of_a_queued_report_without_total_is_0_percent),
		T(get_of_someone_elses_report_is_404),
		T(get_with_bad_id_is_422),
		T(get_without_credential_is_401),
		T(get_with_database_away_is_503),
		T(generate_without_body_queues_a_csv_export),
		T(generate_with_unknown_field_is_422),
		T(generate_without_credential_is_401),
		T(download_of_a_done_export_streams_its_csv),
		T(download_before_done_is_409_with_retry_after),
		T(download_of_a_summary_is_404),
		T(download_of_someone_elses_report_is_404),
		T(download_with_database_away_is_503),
	};
	return cmocka_run_group_tests(tests, ht_group_setup, NULL);
}
