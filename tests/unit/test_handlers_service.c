/* The service routes (src/handlers_service.c: the welcome document, liveness, readiness),
   the database answered by the harness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "handler_test.h"
#include "version.h"

static void root_is_the_welcome_document(void **state)
{
	(void)state;
	ht_call(HTTP_GET, "/", NULL, NULL);
	assert_int_equal(ht_status(), 200);
	struct json_object *o = ht_json();
	assert_int_equal(json_object_object_length(o), 4);
	assert_string_equal(ht_str(o, "message"), "Welcome to Task Management API");
	assert_string_equal(ht_str(o, "version"), API_VERSION);
	assert_string_equal(ht_str(o, "docs"), "/docs");
	assert_string_equal(ht_str(o, "redoc"), "/redoc");
	assert_int_equal(ht_statements_run(), 0);
}

static void health_needs_no_database(void **state)
{
	(void)state;
	ht_call(HTTP_GET, "/health", NULL, NULL);
	assert_int_equal(ht_status(), 200);
	struct json_object *o = ht_json();
	assert_int_equal(json_object_object_length(o), 3);
	assert_string_equal(ht_str(o, "status"), "healthy");
	assert_string_equal(ht_str(o, "version"), API_VERSION);
	assert_string_equal(ht_str(o, "build"), ht_header("X-Build-ID"));
	assert_int_equal(ht_statements_run(), 0);
}

static void ready_when_the_primary_answers(void **state)
{
	(void)state;
	/* taskapi_ready()'s answer is not read: an empty result stands for it */
	ht_expect(STMT_READY, DB_OK, PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK), NULL);
	ht_call(HTTP_GET, "/health/ready", NULL, NULL);
	assert_int_equal(ht_status(), 200);
	struct json_object *o = ht_json();
	assert_int_equal(json_object_object_length(o), 3); /* no replica configured */
	assert_string_equal(ht_str(o, "status"), "ready");
	assert_string_equal(ht_str(o, "version"), API_VERSION);
	assert_string_equal(ht_str(o, "database"), "ok");
}

static void not_ready_when_the_primary_is_away(void **state)
{
	(void)state;
	ht_expect(STMT_READY, DB_UNAVAILABLE, NULL, NULL);
	ht_call(HTTP_GET, "/health/ready", NULL, NULL);
	ht_assert_503_retry();
}

#define T(f) cmocka_unit_test_setup_teardown(f, ht_setup, ht_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(root_is_the_welcome_document),
		T(health_needs_no_database),
		T(ready_when_the_primary_answers),
		T(not_ready_when_the_primary_is_away),
	};
	return cmocka_run_group_tests(tests, ht_group_setup, NULL);
}
