/* Webhook targets: only http(s), never a local or private address unless
   TASKAPI_WEBHOOK_ALLOW names it; and the signature a receiver checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "webhook.h"

static int load(const char *allow)
{
	char err[256];
	setenv("APP_ENV", "development", 1);
	setenv("TASKAPI_WEBHOOK_ALLOW", allow, 1);
	return config_load(&cfg, err, sizeof err);
}

static int url_ok(const char *url)
{
	char why[160];
	return webhook_url_check(url, why, sizeof why) == 0;
}

static void test_refused_targets(void **state)
{
	(void)state;
	assert_int_equal(load(""), 0);
	static const char *const bad[] = {
		"http://127.0.0.1/",
		"http://127.9.9.9:8080/x",
		"http://localhost/",
		"http://10.0.0.1/",
		"http://172.16.5.4/",
		"http://172.31.255.255/",
		"http://192.168.1.1/",
		"http://169.254.169.254/latest",
		"http://100.64.0.1/",
		"http://0.0.0.0/",
		"http://224.0.0.1/",
		"http://255.255.255.255/",
		"http://[::1]/",
		"http://[::]/",
		"http://[fe80::1]/",
		"http://[fd00::1]/",
		"http://[ff02::1]/",
		"http://[::ffff:127.0.0.1]/",
		"http://[::ffff:10.1.2.3]/",
		"http://[64:ff9b::a9fe:a9fe]/",
		"http://[2002:7f00:1::]/",
		"http://2130706433/",
		"http://0x7f.1/",
		"http://017700000001/",
		"file:///etc/passwd",
		"ftp://8.8.8.8/",
		"gopher://8.8.8.8/",
		"https://user:pw@8.8.8.8/",
		"not a url",
		"http://",
		"//8.8.8.8/",
		"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (url_ok(bad[i]))
			fail_msg("accepted %s", bad[i]);
}

static void test_public_targets(void **state)
{
	(void)state;
	assert_int_equal(load(""), 0);
	assert_true(url_ok("https://8.8.8.8/hook"));
	assert_true(url_ok("http://93.184.216.34:8080/a?b=c"));
	assert_true(url_ok("http://[2606:4700::1111]/"));
	assert_true(url_ok("HTTPS://1.1.1.1/"));
	assert_true(url_ok("http://172.32.0.1/")); /* just outside 172.16.0.0/12 */
}

static void test_allow_list(void **state)
{
	(void)state;
	assert_int_equal(load("127.0.0.1/32, 10.1.0.0/16"), 0);
	assert_true(url_ok("http://127.0.0.1:9000/"));
	assert_true(url_ok("http://[::ffff:127.0.0.1]:9000/"));
	assert_true(url_ok("http://10.1.2.3/"));
	assert_false(url_ok("http://127.0.0.2/"));
	assert_false(url_ok("http://10.2.0.1/"));
	assert_false(url_ok("http://169.254.169.254/"));
	assert_false(url_ok("file:///etc/passwd")); /* the scheme whatever the address */
	assert_int_equal(load("10.0.0.0/33"), -1);
	assert_int_equal(load(""), 0);
}

static void test_signature(void **state)
{
	(void)state;
	char sig[WEBHOOK_SIGNATURE_MAX];
	/* HMAC-SHA256("whsec_test", "1700000000." + body), computed independently */
	webhook_sign("whsec_test", 1700000000, "{\"a\":1}", 7, sig);
	assert_string_equal(
		sig, "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789");
	webhook_sign("whsec_test", 1700000001, "{\"a\":1}", 7, sig);
	assert_string_not_equal(
		sig, "t=1700000001,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused_targets),
		cmocka_unit_test(test_public_targets),
		cmocka_unit_test(test_allow_list),
		cmocka_unit_test(test_signature),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
