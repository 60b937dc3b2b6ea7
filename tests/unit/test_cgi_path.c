/*
 * The route path and mount prefix from each front end's variables. The variable sets
 * are the ones the servers from Debian 12's packages send (captured with a FastCGI
 * program that prints its parameters) for the same request, /api/v1/tasks?x=1 at the
 * root or under a prefix.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cgi.h"

static struct arena arena;

static void derive(const char *mount, const char *doc, const char *script, const char *info,
                   const char *uri, const char *want_path, const char *want_base)
{
	struct cgi_path_vars v = {doc, script, info, uri};
	const char *path, *base;
	cgi_path(&v, mount, &arena, &path, &base);
	assert_string_equal(path, want_path);
	assert_string_equal(base, want_base);
	arena_reset(&arena);
}

static void test_nginx_root(void **state)
{
	(void)state;
	/* fastcgi_params as shipped: SCRIPT_NAME is $fastcgi_script_name (the whole path), no PATH_INFO */
	derive("", "/api/v1/tasks", "/api/v1/tasks", NULL, "/api/v1/tasks?x=1", "/api/v1/tasks", "");
}

static void test_nginx_prefix_split_path_info(void **state)
{
	(void)state;
	/* location /tasks-api/ { fastcgi_split_path_info ^(/tasks-api)(/.*)$; PATH_INFO $fastcgi_path_info }
	 */
	derive("", "/tasks-api/api/v1/tasks", "/tasks-api", "/api/v1/tasks", "/tasks-api/api/v1/tasks?x=1",
	       "/api/v1/tasks", "/tasks-api");
	derive("", "/tasks-api/", "/tasks-api", "/", "/tasks-api/", "/", "/tasks-api");
}

static void test_nginx_prefix_without_split_needs_mount(void **state)
{
	(void)state;
	derive("", "/tasks-api/api/v1/tasks", "/tasks-api/api/v1/tasks", NULL, "/tasks-api/api/v1/tasks",
	       "/tasks-api/api/v1/tasks", "");
	derive("/tasks-api", "/tasks-api/api/v1/tasks", "/tasks-api/api/v1/tasks", NULL,
	       "/tasks-api/api/v1/tasks", "/api/v1/tasks", "/tasks-api");
	derive("/tasks-api", "/tasks-api", "/tasks-api", NULL, "/tasks-api", "/", "/tasks-api");
}

static void test_lighttpd(void **state)
{
	(void)state;
	/* fastcgi.server = ("/" => (... "check-local" => "disable", "fix-root-scriptname" => "enable")) */
	derive("", NULL, "", "/api/v1/tasks/A", "/api/v1/tasks/%41?q=1", "/api/v1/tasks/A", "");
	derive("", NULL, "", "/", "/", "/", "");
	/* fastcgi.server = ("/tasks-api" => (...)) */
	derive("", NULL, "/tasks-api", "/api/v1/tasks", "/tasks-api/api/v1/tasks?x=1", "/api/v1/tasks",
	       "/tasks-api");
	/* ("/tasks-api/" => ...): lighttpd splits after the next segment; TASKAPI_MOUNT repairs it */
	derive("", NULL, "/tasks-api/api", "/v1/tasks", "/tasks-api/api/v1/tasks?x=1", "/v1/tasks",
	       "/tasks-api/api");
	derive("/tasks-api", NULL, "/tasks-api/api", "/v1/tasks", "/tasks-api/api/v1/tasks?x=1",
	       "/api/v1/tasks", "/tasks-api");
}

static void test_apache_mod_fcgid(void **state)
{
	(void)state;
	/* Alias /fcgid /srv/taskapi.fcgi with AddHandler fcgid-script .fcgi */
	derive("", NULL, "/fcgid", "/api/v1/tasks", "/fcgid/api/v1/tasks?x=1", "/api/v1/tasks", "/fcgid");
}

static void test_apache_htaccess_front_controller(void **state)
{
	(void)state;
	/* /sub/.htaccess: RewriteRule ^(.*)$ taskapi.fcgi/$1 [L]; clients never see taskapi.fcgi */
	derive("", NULL, "/sub/taskapi.fcgi", "/api/v1/tasks", "/sub/api/v1/tasks?x=1", "/api/v1/tasks",
	       "/sub");
	/* the script's own URL still works, and is the prefix the client used */
	derive("", NULL, "/sub/taskapi.fcgi", "/api/v1/tasks", "/sub/taskapi.fcgi/api/v1/tasks",
	       "/api/v1/tasks", "/sub/taskapi.fcgi");
	/* at the document root */
	derive("", NULL, "/taskapi.fcgi", "/api/v1/tasks", "/api/v1/tasks", "/api/v1/tasks", "");
}

static void test_apache_proxy_fcgi(void **state)
{
	(void)state;
	/* <Location /sh/> SetHandler "proxy:fcgi://127.0.0.1:9000" */
	derive("", NULL, "/sh", "/api/v1/tasks", "/sh/api/v1/tasks?x=1", "/api/v1/tasks", "/sh");
	/* ProxyPass "/pp/" "fcgi://127.0.0.1:9000/": the whole path in SCRIPT_NAME, no PATH_INFO */
	derive("", NULL, "/pp/api/v1/tasks", NULL, "/pp/api/v1/tasks?x=1", "/pp/api/v1/tasks", "");
	derive("/pp", NULL, "/pp/api/v1/tasks", NULL, "/pp/api/v1/tasks?x=1", "/api/v1/tasks", "/pp");
	/* ProxyPass "/" ...: at the root */
	derive("", NULL, "/api/v1/tasks", NULL, "/api/v1/tasks?x=1", "/api/v1/tasks", "");
}

static void test_plain_cgi_and_request_uri_fallback(void **state)
{
	(void)state;
	/* ScriptAlias /cgi/taskapi /usr/lib/cgi-bin/taskapi */
	derive("", NULL, "/cgi/taskapi", "/api/v1/users/me", "/cgi/taskapi/api/v1/users/me",
	       "/api/v1/users/me", "/cgi/taskapi");
	/* nothing but REQUEST_URI: its path, decoded */
	derive("", NULL, NULL, NULL, "/api/v1/tasks/%31?x=%2F", "/api/v1/tasks/1", "");
	derive("", NULL, NULL, NULL, "/a%00b", "/", "");
	derive("", NULL, NULL, NULL, NULL, "/", "");
	derive("/m", NULL, NULL, NULL, "/m/health", "/health", "/m");
}

static void test_mount_only_at_a_segment(void **state)
{
	(void)state;
	/* a path that is not under the mount is routed as is (an NGINX that strips the prefix) */
	derive("/tasks-api", "/api/v1/tasks", "/api/v1/tasks", NULL, "/api/v1/tasks", "/api/v1/tasks", "");
	derive("/tasks-api", "/tasks-apix/health", "/tasks-apix/health", NULL, NULL, "/tasks-apix/health",
	       "");
}

static void test_unsafe_prefix_dropped(void **state)
{
	(void)state;
	/* a prefix that would break a Set-Cookie or Link header is not used */
	derive("", NULL, "/a;b", "/health", "/a;b/health", "/health", "");
	derive("", NULL, "/a b", "/health", "/a%20b/health", "/health", "");
	derive("", NULL, "/x\r\nSet-Cookie: a=1", "/health", NULL, "/health", "");
}

static void test_mount_parse(void **state)
{
	(void)state;
	char m[CGI_MOUNT_MAX];
	assert_int_equal(cgi_mount_parse("/tasks-api/", m), 0);
	assert_string_equal(m, "/tasks-api");
	assert_int_equal(cgi_mount_parse("/a/b", m), 0);
	assert_string_equal(m, "/a/b");
	assert_int_equal(cgi_mount_parse("/", m), 0);
	assert_string_equal(m, "");
	assert_int_equal(cgi_mount_parse("", m), 0);
	assert_string_equal(m, "");
	assert_int_equal(cgi_mount_parse("tasks-api", m), -1);
	assert_int_equal(cgi_mount_parse("/a//b", m), -1);
	assert_int_equal(cgi_mount_parse("/a/../b", m), -1);
	assert_int_equal(cgi_mount_parse("/a/./b", m), -1);
	assert_int_equal(cgi_mount_parse("/a;b", m), -1);
	assert_int_equal(cgi_mount_parse("/a b", m), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nginx_root),
		cmocka_unit_test(test_nginx_prefix_split_path_info),
		cmocka_unit_test(test_nginx_prefix_without_split_needs_mount),
		cmocka_unit_test(test_lighttpd),
		cmocka_unit_test(test_apache_mod_fcgid),
		cmocka_unit_test(test_apache_htaccess_front_controller),
		cmocka_unit_test(test_apache_proxy_fcgi),
		cmocka_unit_test(test_plain_cgi_and_request_uri_fallback),
		cmocka_unit_test(test_mount_only_at_a_segment),
		cmocka_unit_test(test_unsafe_prefix_dropped),
		cmocka_unit_test(test_mount_parse),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	arena_free(&arena);
	return rc;
}
