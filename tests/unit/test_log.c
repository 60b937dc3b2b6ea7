/* The JSON log: request lines and their fields, levels, stderr, request ids on errors. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "config.h"
#include "log.h"

static char path[] = "/tmp/taskapi-test-log.XXXXXX";

static int open_log(void **state)
{
	(void)state;
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	log_set_level(LOG_INFO);
	log_set_request_id(NULL);
	return log_open(path);
}

static int close_log(void **state)
{
	(void)state;
	log_open("-");
	unlink(path);
	strcpy(path, "/tmp/taskapi-test-log.XXXXXX");
	return 0;
}

/* Line n (0-based) of the file, parsed; NULL when there is no such line. */
static struct json_object *line(const char *file, int n)
{
	FILE *f = fopen(file, "r");
	char text[4096];
	struct json_object *o = NULL;
	for (int i = 0; f && fgets(text, sizeof text, f); i++)
		if (i == n) {
			o = json_tokener_parse(text);
			break;
		}
	if (f)
		fclose(f);
	return o;
}

static int lines(const char *file)
{
	FILE *f = fopen(file, "r");
	int n = 0, ch;
	while (f && (ch = fgetc(f)) != EOF)
		n += ch == '\n';
	if (f)
		fclose(f);
	return n;
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;
	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

static void test_request_line_has_every_field(void **state)
{
	(void)state;
	log_request("rid-1", "GET", "/api/v1/tasks/42", "/api/v1/tasks/{id}", 200, 1.5, 7, 321, "replica");
	struct json_object *o = line(path, 0);
	assert_non_null(o);
	assert_string_equal(str(o, "level"), "info");
	assert_string_equal(str(o, "request_id"), "rid-1");
	assert_string_equal(str(o, "method"), "GET");
	assert_string_equal(str(o, "path"), "/api/v1/tasks/42");
	assert_string_equal(str(o, "route"), "/api/v1/tasks/{id}");
	assert_string_equal(str(o, "status"), "200");
	assert_string_equal(str(o, "duration_ms"), "1.500");
	assert_string_equal(str(o, "user_id"), "7");
	assert_string_equal(str(o, "bytes"), "321");
	assert_string_equal(str(o, "db"), "replica");
	assert_non_null(str(o, "time"));
	assert_non_null(str(o, "pid"));
	json_object_put(o);
}

static void test_server_error_line_is_error_level(void **state)
{
	(void)state;
	log_request("rid-2", "POST", "/x", "unmatched", 503, 0.1, 0, 10, NULL);
	struct json_object *o = line(path, 0);
	assert_string_equal(str(o, "level"), "error");
	assert_null(str(o, "db")); /* no statement ran: no db field */
	json_object_put(o);
}

static void test_errors_carry_the_current_request_id(void **state)
{
	(void)state;
	log_set_request_id("rid-3");
	log_error(NULL, "db: %s", "connection lost");
	log_warn("db: no connection");
	log_set_request_id(NULL);
	log_error(NULL, "master: worker died");
	struct json_object *o = line(path, 0);
	assert_string_equal(str(o, "request_id"), "rid-3");
	assert_string_equal(str(o, "msg"), "db: connection lost");
	json_object_put(o);
	o = line(path, 1);
	assert_string_equal(str(o, "level"), "warn");
	assert_string_equal(str(o, "request_id"), "rid-3");
	json_object_put(o);
	o = line(path, 2);
	assert_null(str(o, "request_id"));
	json_object_put(o);
}

static void emit_one_of_each(void)
{
	log_debug("d");
	log_info("i");
	log_warn("w");
	log_error(NULL, "e");
	log_request("r", "GET", "/", "/", 200, 0, 0, 0, NULL);
	log_request("r", "GET", "/", "/", 500, 0, 0, 0, NULL);
}

static void test_levels_filter(void **state)
{
	(void)state;
	const int want[] = {[LOG_ERROR] = 2, [LOG_WARN] = 3, [LOG_INFO] = 5, [LOG_DEBUG] = 6};
	for (int level = LOG_ERROR; level <= LOG_DEBUG; level++) {
		assert_int_equal(truncate(path, 0), 0);
		log_set_level((enum log_level)level);
		emit_one_of_each();
		assert_int_equal(lines(path), want[level]);
	}
}

static void test_level_names(void **state)
{
	(void)state;
	assert_int_equal(log_level_parse("error"), LOG_ERROR);
	assert_int_equal(log_level_parse("warn"), LOG_WARN);
	assert_int_equal(log_level_parse("info"), LOG_INFO);
	assert_int_equal(log_level_parse("debug"), LOG_DEBUG);
	assert_int_equal(log_level_parse("INFO"), -1);
	assert_int_equal(log_level_parse("verbose"), -1);
	assert_int_equal(log_level_parse(NULL), -1);
}

static void test_config_reads_log_level(void **state)
{
	(void)state;
	struct config c;
	char err[256];
	setenv("APP_ENV", "development", 1);
	setenv("TASKAPI_LOG_LEVEL", "debug", 1);
	assert_int_equal(config_load(&c, err, sizeof err), 0);
	assert_int_equal(c.log_level, LOG_DEBUG);
	free(c.jwt_secret);
	unsetenv("TASKAPI_LOG_LEVEL");
	assert_int_equal(config_load(&c, err, sizeof err), 0);
	assert_int_equal(c.log_level, LOG_INFO);
	free(c.jwt_secret);
	setenv("TASKAPI_LOG_LEVEL", "loud", 1);
	assert_int_equal(config_load(&c, err, sizeof err), -1);
	assert_non_null(strstr(err, "TASKAPI_LOG_LEVEL"));
	unsetenv("TASKAPI_LOG_LEVEL");
	unsetenv("APP_ENV");
}

/* TASKAPI_LOG_FILE=-: lines go to stderr. */
static void test_dash_logs_to_stderr(void **state)
{
	(void)state;
	fflush(stderr);
	int saved = dup(2);
	int fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	assert_int_equal(log_open("-"), 0);
	log_request("rid-stderr", "GET", "/health", "/health", 200, 0.01, 0, 38, NULL);
	dup2(saved, 2);
	close(saved);
	struct json_object *o = line(path, 0);
	assert_non_null(o);
	assert_string_equal(str(o, "request_id"), "rid-stderr");
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request_line_has_every_field, open_log, close_log),
		cmocka_unit_test_setup_teardown(test_server_error_line_is_error_level, open_log, close_log),
		cmocka_unit_test_setup_teardown(test_errors_carry_the_current_request_id, open_log, close_log),
		cmocka_unit_test_setup_teardown(test_levels_filter, open_log, close_log),
		cmocka_unit_test(test_level_names),
		cmocka_unit_test(test_config_reads_log_level),
		cmocka_unit_test_setup_teardown(test_dash_logs_to_stderr, open_log, close_log),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
