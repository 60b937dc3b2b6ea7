/* Route matching over the real route table (src/routes.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "handlers.h"
#include "router.h"

static enum route_result match(const char *path, enum http_method m, struct route_match *out)
{
	memset(out, 0, sizeof *out);
	return router_match(routes, path, m, out);
}

/* ==== Exact paths ==== */

static void test_root_matches_service_root(void **state)
{
	(void)state;
	struct route_match m;
	assert_int_equal(match("/", HTTP_GET, &m), ROUTE_FOUND);
	assert_true(m.handler == service_root);
	assert_string_equal(m.route->pattern, "/");
	assert_int_equal(m.nparams, 0);
}

static void test_health_matches(void **state)
{
	(void)state;
	struct route_match m;
	assert_int_equal(match("/health", HTTP_GET, &m), ROUTE_FOUND);
	assert_true(m.handler == service_health);
}

static void test_auth_routes_match_post(void **state)
{
	(void)state;
	struct route_match m;
	assert_int_equal(match("/api/v1/auth/register", HTTP_POST, &m), ROUTE_FOUND);
	assert_true(m.handler == auth_register);
	assert_int_equal(match("/api/v1/auth/register-admin", HTTP_POST, &m), ROUTE_FOUND);
	assert_true(m.handler == auth_register_admin);
	assert_int_equal(match("/api/v1/auth/login", HTTP_POST, &m), ROUTE_FOUND);
	assert_true(m.handler == auth_login);
}

static void test_collection_without_trailing_slash(void **state)
{
	(void)state;
	struct route_match m;
	assert_int_equal(match("/api/v1/tasks", HTTP_GET, &m), ROUTE_FOUND);
	assert_true(m.handler == task_list);
	assert_int_equal(match("/api/v1/tasks", HTTP_POST, &m), ROUTE_FOUND);
	assert_true(m.handler == task_create);
	assert_int_equal(match("/api/v1/users", HTTP_GET, &m), ROUTE_FOUND);
	assert_true(m.handler == user_list);
}

static void test_collection_with_trailing_slash(void **state)
{
	(void)state;
	struct route_match m;
	assert_int_equal(match("/api/v1/tasks/", HTTP_GET, &m), ROUTE_FOUND);
	assert_true(m.handler == task_list);
	assert_int_equal(m.nparams, 0);
	assert_int_equal(match("/api/v1/tasks/", HTTP_POST, &m), ROUTE_FOUND);
	assert_true(m.handler == task_create);
	assert_int_equal(match("/api/v1/users/", HTTP_GET, &m), ROUTE_FOUND);
	assert_true(m.handler == user_list);
}

static void test_users_me_is_not_an_id(void **state)
{
	(void)state;
	struct route_match m;
	assert_int_equal(match("/api/v1/users/me", HTTP_GET, &m), ROUTE_FOUND);
	assert_true(m.handler == user_me_get);
	assert_int_equal(m.nparams, 0);
	assert_int_equal(match("/api/v1/users/me", HTTP_PUT, &m), ROUTE_FOUND);
	assert_true(m.handler == user_me_update);
	assert_int_equal(match("/api/v1/users/me/", HTTP_GET, &m), ROUTE_FOUND);
	assert_true(m.handler == user_me_get);
}

/* ==== Path parameters ==== */

static void test_task_id_param_captured(void **state)
{
	(void)state;
	struct route_match m;
	assert_int_equal(match("/api/v1/tasks/42", HTTP_GET, &m), ROUTE_FOUND);
	assert_true(m.handler == task_get);
	assert_string_equal(m.route->pattern, "/api/v1/tasks/{id}");
	assert_int_equal(m.nparams, 1);
	assert_string_equal(m.params[0], "42");
	assert_int_equal(m.param_too_long[0], 0);
	assert_int_equal(match("/api/v1/tasks/42", HTTP_PUT, &m), ROUTE_FOUND);
	assert_true(m.handler == task_update);
	assert_int_equal(match("/api/v1/tasks/42", HTTP_DELETE, &m), ROUTE_FOUND);
	assert_true(m.handler == task_delete);
}

static void test_id_param_with_trailing_slash(void **state)
{
	(void)state;
	struct route_match m;
	assert_int_equal(match("/api/v1/tasks/7/", HTTP_GET, &m), ROUTE_FOUND);
	assert_true(m.handler == task_get);
	assert_string_equal(m.params[0], "7");
}

static void test_user_id_param_captured(void **state)
{
	(void)state;
	struct route_match m;
	assert_int_equal(match("/api/v1/users/12", HTTP_DELETE, &m), ROUTE_FOUND);
	assert_true(m.handler == user_delete);
	assert_int_equal(m.nparams, 1);
	assert_string_equal(m.params[0], "12");
}

static void test_non_numeric_param_still_routes(void **state)
{
	(void)state;
	struct route_match m;
	/* Routing captures the raw segment; the handler answers 422 for a non-integer. */
	assert_int_equal(match("/api/v1/tasks/abc", HTTP_GET, &m), ROUTE_FOUND);
	assert_string_equal(m.params[0], "abc");
}

static void test_param_of_63_bytes_not_flagged(void **state)
{
	(void)state;
	struct route_match m;
	char path[128] = "/api/v1/tasks/";
	size_t at = strlen(path);
	memset(path + at, '9', 63);
	path[at + 63] = '\0';
	assert_int_equal(match(path, HTTP_GET, &m), ROUTE_FOUND);
	assert_int_equal(m.param_too_long[0], 0);
	assert_int_equal(strlen(m.params[0]), 63);
}

static void test_too_long_param_flagged(void **state)
{
	(void)state;
	struct route_match m;
	char path[256] = "/api/v1/tasks/";
	size_t at = strlen(path);
	memset(path + at, '1', 100);
	path[at + 100] = '\0';
	assert_int_equal(match(path, HTTP_GET, &m), ROUTE_FOUND);
	assert_true(m.handler == task_get);
	assert_int_equal(m.param_too_long[0], 1);
	/* Cut to the buffer, still NUL-terminated. */
	assert_int_equal(strlen(m.params[0]), sizeof m.params[0] - 1);
}

/* ==== Not found ==== */

static void test_unknown_path_not_found(void **state)
{
	(void)state;
	struct route_match m;
	assert_int_equal(match("/api/v1/projects", HTTP_GET, &m), ROUTE_NOT_FOUND);
	assert_int_equal(match("/nope", HTTP_GET, &m), ROUTE_NOT_FOUND);
	assert_int_equal(match("/api/v1", HTTP_GET, &m), ROUTE_NOT_FOUND);
}

static void test_extra_segment_not_found(void **state)
{
	(void)state;
	struct route_match m;
	assert_int_equal(match("/api/v1/tasks/42/extra", HTTP_GET, &m), ROUTE_NOT_FOUND);
	assert_int_equal(match("/health/x", HTTP_GET, &m), ROUTE_NOT_FOUND);
}

static void test_path_is_case_sensitive(void **state)
{
	(void)state;
	struct route_match m;
	assert_int_equal(match("/API/v1/tasks", HTTP_GET, &m), ROUTE_NOT_FOUND);
	assert_int_equal(match("/Health", HTTP_GET, &m), ROUTE_NOT_FOUND);
}

static void test_prefix_of_segment_not_found(void **state)
{
	(void)state;
	struct route_match m;
	assert_int_equal(match("/api/v1/task", HTTP_GET, &m), ROUTE_NOT_FOUND);
	assert_int_equal(match("/api/v1/tasksx", HTTP_GET, &m), ROUTE_NOT_FOUND);
	assert_int_equal(match("/healthz", HTTP_GET, &m), ROUTE_NOT_FOUND);
}

static void test_double_slash_bad_not_found(void **state)
{
	(void)state;
	struct route_match m;
	assert_int_equal(match("/api//v1/tasks", HTTP_GET, &m), ROUTE_NOT_FOUND);
	assert_int_equal(match("//api/v1/tasks", HTTP_GET, &m), ROUTE_NOT_FOUND);
	assert_int_equal(match("/api/v1/tasks//", HTTP_GET, &m), ROUTE_NOT_FOUND);
	assert_int_equal(match("/api/v1/tasks//42", HTTP_GET, &m), ROUTE_NOT_FOUND);
	assert_int_equal(match("//", HTTP_GET, &m), ROUTE_NOT_FOUND);
}

static void test_path_without_leading_slash_bad_not_found(void **state)
{
	(void)state;
	struct route_match m;
	assert_int_equal(match("health", HTTP_GET, &m), ROUTE_NOT_FOUND);
	assert_int_equal(match("", HTTP_GET, &m), ROUTE_NOT_FOUND);
}

/* ==== Methods ==== */

static void test_other_method_not_allowed(void **state)
{
	(void)state;
	struct route_match m;
	assert_int_equal(match("/api/v1/tasks/42", HTTP_POST, &m), ROUTE_METHOD_NOT_ALLOWED);
	assert_non_null(m.route);
	assert_string_equal(m.route->pattern, "/api/v1/tasks/{id}");
	assert_null(m.handler);
	assert_int_equal(match("/api/v1/tasks", HTTP_DELETE, &m), ROUTE_METHOD_NOT_ALLOWED);
	assert_int_equal(match("/api/v1/auth/login", HTTP_GET, &m), ROUTE_METHOD_NOT_ALLOWED);
	assert_int_equal(match("/health", HTTP_PATCH, &m), ROUTE_METHOD_NOT_ALLOWED);
	assert_int_equal(match("/", HTTP_OTHER, &m), ROUTE_METHOD_NOT_ALLOWED);
}

static void test_allow_lists_task_item_methods(void **state)
{
	(void)state;
	struct route_match m;
	char allow[64];
	assert_int_equal(match("/api/v1/tasks/42", HTTP_POST, &m), ROUTE_METHOD_NOT_ALLOWED);
	router_allow(m.route, allow, sizeof allow);
	assert_string_equal(allow, "GET, PUT, PATCH, DELETE");
}

static void test_allow_lists_other_routes(void **state)
{
	(void)state;
	struct route_match m;
	char allow[64];
	assert_int_equal(match("/api/v1/tasks/", HTTP_PUT, &m), ROUTE_METHOD_NOT_ALLOWED);
	router_allow(m.route, allow, sizeof allow);
	assert_string_equal(allow, "GET, POST");
	assert_int_equal(match("/api/v1/auth/login", HTTP_GET, &m), ROUTE_METHOD_NOT_ALLOWED);
	router_allow(m.route, allow, sizeof allow);
	assert_string_equal(allow, "POST");
	assert_int_equal(match("/api/v1/users/3", HTTP_PUT, &m), ROUTE_METHOD_NOT_ALLOWED);
	router_allow(m.route, allow, sizeof allow);
	assert_string_equal(allow, "GET, DELETE");
}

static void test_allow_small_buffer_keeps_whole_names(void **state)
{
	(void)state;
	struct route_match m;
	char allow[10];
	assert_int_equal(match("/api/v1/tasks/1", HTTP_GET, &m), ROUTE_FOUND);
	router_allow(m.route, allow, sizeof allow);
	assert_string_equal(allow, "GET, PUT");
}

static void test_head_uses_get_handler(void **state)
{
	(void)state;
	struct route_match m;
	assert_int_equal(match("/api/v1/tasks/42", HTTP_HEAD, &m), ROUTE_FOUND);
	assert_true(m.handler == task_get);
	assert_string_equal(m.params[0], "42");
	assert_int_equal(match("/health", HTTP_HEAD, &m), ROUTE_FOUND);
	assert_true(m.handler == service_health);
}

static void test_head_without_get_not_allowed(void **state)
{
	(void)state;
	struct route_match m;
	assert_int_equal(match("/api/v1/auth/login", HTTP_HEAD, &m), ROUTE_METHOD_NOT_ALLOWED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_matches_service_root),
		cmocka_unit_test(test_health_matches),
		cmocka_unit_test(test_auth_routes_match_post),
		cmocka_unit_test(test_collection_without_trailing_slash),
		cmocka_unit_test(test_collection_with_trailing_slash),
		cmocka_unit_test(test_users_me_is_not_an_id),
		cmocka_unit_test(test_task_id_param_captured),
		cmocka_unit_test(test_id_param_with_trailing_slash),
		cmocka_unit_test(test_user_id_param_captured),
		cmocka_unit_test(test_non_numeric_param_still_routes),
		cmocka_unit_test(test_param_of_63_bytes_not_flagged),
		cmocka_unit_test(test_too_long_param_flagged),
		cmocka_unit_test(test_unknown_path_not_found),
		cmocka_unit_test(test_extra_segment_not_found),
		cmocka_unit_test(test_path_is_case_sensitive),
		cmocka_unit_test(test_prefix_of_segment_not_found),
		cmocka_unit_test(test_double_slash_bad_not_found),
		cmocka_unit_test(test_path_without_leading_slash_bad_not_found),
		cmocka_unit_test(test_other_method_not_allowed),
		cmocka_unit_test(test_allow_lists_task_item_methods),
		cmocka_unit_test(test_allow_lists_other_routes),
		cmocka_unit_test(test_allow_small_buffer_keeps_whole_names),
		cmocka_unit_test(test_head_uses_get_handler),
		cmocka_unit_test(test_head_without_get_not_allowed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
