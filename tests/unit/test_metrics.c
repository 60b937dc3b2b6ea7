/* Shared metrics: buckets, status slots, the segment shared across processes, rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "app.h"
#include "handlers.h"
#include "metrics.h"

static int route_index(const char *pattern)
{
	for (int i = 0; i < routes_count; i++)
		if (strcmp(routes[i].pattern, pattern) == 0)
			return i;
	return -1;
}

/* The value of the sample line that starts with series (name{labels}), or -1. */
static double sample(const char *text, const char *series)
{
	size_t n = strlen(series);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return -1;
}

static char *render(void)
{
	struct buf b = {0};
	metrics_render(&b);
	return b.data; /* the caller frees it */
}

static int fresh(void **state)
{
	(void)state;
	unsetenv("TASKAPI_METRICS_FD");
	metrics_detach();
	app_metrics_labels();
	return metrics_attach(); /* no master: a private segment */
}

static int gone(void **state)
{
	(void)state;
	metrics_detach();
	return 0;
}

/* ==== Pure helpers ==== */

static void test_bucket_bounds_are_inclusive(void **state)
{
	(void)state;
	const double b[] = {0.01, 0.1, 1};
	assert_int_equal(metrics_bucket(b, 3, 0), 0);
	assert_int_equal(metrics_bucket(b, 3, 0.01), 0);
	assert_int_equal(metrics_bucket(b, 3, 0.0100001), 1);
	assert_int_equal(metrics_bucket(b, 3, 1), 2);
	assert_int_equal(metrics_bucket(b, 3, 1.5), 3); /* +Inf */
}

static void test_status_slots_known_and_by_class(void **state)
{
	(void)state;
	assert_int_not_equal(metrics_status_slot(200), metrics_status_slot(201));
	assert_int_not_equal(metrics_status_slot(503), metrics_status_slot(500));
	/* unknown codes share their class's slot, distinct from every known code */
	assert_int_equal(metrics_status_slot(599), metrics_status_slot(598));
	assert_int_not_equal(metrics_status_slot(599), metrics_status_slot(500));
	assert_int_not_equal(metrics_status_slot(299), metrics_status_slot(599));
}

/* ==== Counting and rendering ==== */

static void test_request_counted_by_route_pattern(void **state)
{
	(void)state;
	int r = route_index("/api/v1/tasks/{id}");
	assert_true(r >= 0);
	for (int i = 0; i < 3; i++)
		metrics_request_end(HTTP_GET, r, 200, 0.003);
	metrics_request_end(HTTP_DELETE, r, 404, 0.2);
	char *t = render();
	assert_true(
		sample(t, "http_requests_total{method=\"GET\",route=\"/api/v1/tasks/{id}\",status=\"200\"}") ==
		3);
	assert_true(
		sample(t,
	           "http_requests_total{method=\"DELETE\",route=\"/api/v1/tasks/{id}\",status=\"404\"}") ==
		1);
	free(t);
}

static void test_unmatched_and_unknown_status(void **state)
{
	(void)state;
	metrics_request_end(HTTP_GET, -1, 404, 0.001);
	metrics_request_end(HTTP_OTHER, -1, 599, 0.001);
	char *t = render();
	assert_true(sample(t, "http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}") ==
	            1);
	assert_true(sample(t, "http_requests_total{method=\"OTHER\",route=\"unmatched\",status=\"5xx\"}") ==
	            1);
	free(t);
}

static void test_histogram_cumulative_and_count(void **state)
{
	(void)state;
	int r = route_index("/health");
	metrics_request_end(HTTP_GET, r, 200, 0.0004); /* le 0.001 */
	metrics_request_end(HTTP_GET, r, 200, 0.03);   /* le 0.05 */
	metrics_request_end(HTTP_GET, r, 200, 60);     /* +Inf only */
	char *t = render();
	assert_true(sample(t, "http_request_duration_seconds_bucket{route=\"/health\",le=\"0.001\"}") == 1);
	assert_true(sample(t, "http_request_duration_seconds_bucket{route=\"/health\",le=\"0.025\"}") == 1);
	assert_true(sample(t, "http_request_duration_seconds_bucket{route=\"/health\",le=\"0.05\"}") == 2);
	assert_true(sample(t, "http_request_duration_seconds_bucket{route=\"/health\",le=\"10\"}") == 2);
	assert_true(sample(t, "http_request_duration_seconds_bucket{route=\"/health\",le=\"+Inf\"}") == 3);
	assert_true(sample(t, "http_request_duration_seconds_count{route=\"/health\"}") == 3);
	double sum = sample(t, "http_request_duration_seconds_sum{route=\"/health\"}");
	assert_true(sum > 60.03 && sum < 60.031);
	free(t);
}

static void test_in_flight_gauge(void **state)
{
	(void)state;
	metrics_request_begin();
	metrics_request_begin();
	char *t = render();
	assert_true(sample(t, "http_requests_in_flight") == 2);
	free(t);
	metrics_request_end(HTTP_GET, 0, 200, 0.001);
	metrics_request_end(HTTP_GET, 0, 200, 0.001);
	t = render();
	assert_true(sample(t, "http_requests_in_flight") == 0);
	free(t);
}

static void test_dead_worker_leaves_no_in_flight(void **state)
{
	(void)state;
	metrics_request_begin(); /* this process is the "worker" that dies */
	metrics_worker_exited(getpid(), 1);
	char *t = render();
	assert_true(sample(t, "http_requests_in_flight") == 0);
	assert_true(sample(t, "worker_restarts_total") == 1);
	free(t);
	metrics_worker_exited(12345678, 0); /* a drained worker: no restart */
	t = render();
	assert_true(sample(t, "worker_restarts_total") == 1);
	free(t);
}

static void test_db_metrics(void **state)
{
	(void)state;
	metrics_db_query(STMT_READY, 0.0002);
	metrics_db_query(STMT_READY, 0.002);
	metrics_db_error(METRICS_DB_LOST);
	metrics_db_reconnect();
	char *t = render();
	assert_true(sample(t, "db_query_duration_seconds_bucket{statement=\"ready\",le=\"0.0005\"}") == 1);
	assert_true(sample(t, "db_query_duration_seconds_count{statement=\"ready\"}") == 2);
	assert_true(sample(t, "db_errors_total{kind=\"lost\"}") == 1);
	assert_true(sample(t, "db_errors_total{kind=\"connect\"}") == 0);
	assert_true(sample(t, "db_reconnects_total") == 1);
	free(t);
}

static void test_business_gauges_refresh_once_per_interval(void **state)
{
	(void)state;
	char *t = render();
	assert_null(strstr(t, "users_total")); /* nothing shown before the first refresh */
	assert_null(strstr(t, "db_up"));
	free(t);
	assert_int_equal(metrics_business_due(60000), 1);
	assert_int_equal(metrics_business_due(60000), 0); /* claimed: others use the cache */
	const long long tasks[METRICS_TASK_STATUSES] = {4, 5, 6};
	metrics_business_set(7, tasks);
	metrics_db_up(1);
	t = render();
	assert_true(sample(t, "db_up") == 1);
	assert_true(sample(t, "users_total") == 7);
	assert_true(sample(t, "tasks_total{status=\"todo\"}") == 4);
	assert_true(sample(t, "tasks_total{status=\"in_progress\"}") == 5);
	assert_true(sample(t, "tasks_total{status=\"completed\"}") == 6);
	free(t);
	metrics_db_up(0); /* a failed refresh: the cached values stay, db_up says why */
	t = render();
	assert_true(sample(t, "db_up") == 0);
	assert_true(sample(t, "users_total") == 7);
	free(t);
	usleep(5000);
	assert_int_equal(metrics_business_due(1), 1); /* older than 1 ms: due again */
}

static void test_build_info_and_families(void **state)
{
	(void)state;
	char *t = render();
	assert_non_null(strstr(t, "taskapi_build_info{version=\"" API_VERSION "\",build=\""));
	const char *families[] = {"http_requests_total counter",
	                          "http_request_duration_seconds histogram",
	                          "http_requests_in_flight gauge",
	                          "db_query_duration_seconds histogram",
	                          "db_errors_total counter",
	                          "db_reconnects_total counter",
	                          "workers_alive gauge",
	                          "worker_restarts_total counter",
	                          "process_resident_memory_bytes gauge"};
	for (size_t i = 0; i < sizeof families / sizeof *families; i++) {
		char line[128];
		snprintf(line, sizeof line, "# TYPE %s\n", families[i]);
		assert_non_null(strstr(t, line));
	}
	assert_true(sample(t, "process_resident_memory_bytes") > 0); /* this process holds a worker slot */
	free(t);
}

/* ==== Sharing ==== */

/* The master's segment reaches another process through the fd it exports, and what
   that process counts is seen here. */
static void test_segment_shared_with_child_process(void **state)
{
	(void)state;
	metrics_detach();
	assert_int_equal(metrics_create(), 0);
	assert_non_null(getenv("TASKAPI_METRICS_FD"));
	metrics_workers_alive(3);
	pid_t pid = fork();
	if (pid == 0) {
		metrics_detach();
		if (metrics_attach() != 0)
			_exit(1);
		for (int i = 0; i < 1000; i++)
			metrics_request_end(HTTP_POST, route_index("/api/v1/tasks"), 201, 0.001);
		_exit(0);
	}
	int status;
	for (int i = 0; i < 1000; i++)
		metrics_request_end(HTTP_POST, route_index("/api/v1/tasks"), 201, 0.001);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	char *t = render();
	assert_true(
		sample(t, "http_requests_total{method=\"POST\",route=\"/api/v1/tasks\",status=\"201\"}") ==
		2000);
	assert_true(sample(t, "workers_alive") == 3);
	assert_true(sample(t, "process_resident_memory_bytes") > 0); /* this process, as master */
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_bounds_are_inclusive),
		cmocka_unit_test(test_status_slots_known_and_by_class),
		cmocka_unit_test_setup_teardown(test_request_counted_by_route_pattern, fresh, gone),
		cmocka_unit_test_setup_teardown(test_unmatched_and_unknown_status, fresh, gone),
		cmocka_unit_test_setup_teardown(test_histogram_cumulative_and_count, fresh, gone),
		cmocka_unit_test_setup_teardown(test_in_flight_gauge, fresh, gone),
		cmocka_unit_test_setup_teardown(test_dead_worker_leaves_no_in_flight, fresh, gone),
		cmocka_unit_test_setup_teardown(test_db_metrics, fresh, gone),
		cmocka_unit_test_setup_teardown(test_business_gauges_refresh_once_per_interval, fresh, gone),
		cmocka_unit_test_setup_teardown(test_build_info_and_families, fresh, gone),
		cmocka_unit_test_setup_teardown(test_segment_shared_with_child_process, fresh, gone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
