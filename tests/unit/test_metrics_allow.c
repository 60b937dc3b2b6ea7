/* /metrics is for loopback and the METRICS_ALLOW networks, decided on REMOTE_ADDR. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "config.h"

static int load(const char *allow)
{
	char err[256];
	setenv("APP_ENV", "development", 1);
	setenv("METRICS_ALLOW", allow, 1);
	return config_load(&cfg, err, sizeof err);
}

static void test_loopback_always(void **state)
{
	(void)state;
	assert_int_equal(load(""), 0);
	assert_true(config_metrics_allowed(&cfg, "127.0.0.1"));
	assert_true(config_metrics_allowed(&cfg, "::1"));
	assert_true(config_metrics_allowed(&cfg, "::ffff:127.0.0.1"));
}

static void test_others_bad(void **state)
{
	(void)state;
	assert_int_equal(load(""), 0);
	assert_false(config_metrics_allowed(&cfg, "10.1.2.3"));
	assert_false(config_metrics_allowed(&cfg, "127.0.0.2")); /* as the NGINX templates: only .1 */
	assert_false(config_metrics_allowed(&cfg, "::2"));
	assert_false(config_metrics_allowed(&cfg, "::ffff:10.0.0.1"));
	assert_false(config_metrics_allowed(&cfg, NULL)); /* no REMOTE_ADDR: not trusted */
	assert_false(config_metrics_allowed(&cfg, ""));
	assert_false(config_metrics_allowed(&cfg, "localhost"));
	assert_false(config_metrics_allowed(&cfg, "127.0.0.1x"));
}

static void test_allowed_networks(void **state)
{
	(void)state;
	assert_int_equal(load("10.0.0.0/8, 192.168.1.0/25,fd00::/8 203.0.113.7"), 0);
	assert_true(config_metrics_allowed(&cfg, "10.200.0.1"));
	assert_false(config_metrics_allowed(&cfg, "11.0.0.1"));
	assert_true(config_metrics_allowed(&cfg, "192.168.1.127"));
	assert_false(config_metrics_allowed(&cfg, "192.168.1.128"));
	assert_true(config_metrics_allowed(&cfg, "fd12::1"));
	assert_false(config_metrics_allowed(&cfg, "fe80::1"));
	assert_true(config_metrics_allowed(&cfg, "203.0.113.7"));
	assert_false(config_metrics_allowed(&cfg, "203.0.113.8"));
	assert_true(config_metrics_allowed(&cfg, "::ffff:10.0.0.9"));
}

static void test_bad_setting_refused(void **state)
{
	(void)state;
	assert_int_equal(load("10.0.0.0/33"), -1);
	assert_int_equal(load("intranet"), -1);
	assert_int_equal(load("10.0.0.0/"), -1);
	assert_int_equal(load("::1/129"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loopback_always),
		cmocka_unit_test(test_others_bad),
		cmocka_unit_test(test_allowed_networks),
		cmocka_unit_test(test_bad_setting_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
