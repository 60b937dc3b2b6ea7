/* The consistency token of read-your-writes: WAL positions, the cookie, header vs cookie. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "app.h"
#include "http.h"
#include "lsn.h"

static void test_parse_postgres_text_form(void **state)
{
	(void)state;
	uint64_t v = 1;
	assert_int_equal(lsn_parse("0/0", &v), 0);
	assert_true(v == 0);
	assert_int_equal(lsn_parse("16/B374D848", &v), 0);
	assert_true(v == 0x16B374D848ULL);
	assert_int_equal(lsn_parse("ffffffff/FFFFFFFF", &v), 0);
	assert_true(v == UINT64_MAX);
}

static void test_format_round_trips(void **state)
{
	(void)state;
	char out[LSN_TEXT_MAX];
	uint64_t cases[] = {0, 0x3000148, 0x16B374D848ULL, UINT64_MAX};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint64_t back;
		lsn_format(cases[i], out);
		assert_int_equal(lsn_parse(out, &back), 0);
		assert_true(back == cases[i]);
	}
	lsn_format(0x16B374D848ULL, out);
	assert_string_equal(out, "16/B374D848");
}

static void test_parse_bad_forms_refused(void **state)
{
	(void)state;
	const char *bad[] = {"",     "/",    "0/",          "/0",          "0",    "0/0/0", "g/0", "0/x1",
	                     " 0/1", "0/1 ", "123456789/0", "0/123456789", "-1/0", "0x1/0", NULL};
	for (int i = 0; bad[i]; i++) {
		uint64_t v = 42;
		assert_int_equal(lsn_parse(bad[i], &v), -1);
		assert_true(v == 42);
	}
	uint64_t v;
	assert_int_equal(lsn_parse(NULL, &v), -1);
}

static void test_cookie_found_among_others(void **state)
{
	(void)state;
	char v[32];
	assert_int_equal(http_cookie_get("a=1; taskapi_lsn=0/3000148; b=2", "taskapi_lsn", v, sizeof v), 0);
	assert_string_equal(v, "0/3000148");
	assert_int_equal(http_cookie_get("taskapi_lsn=1/2", "taskapi_lsn", v, sizeof v), 0);
	assert_string_equal(v, "1/2");
	assert_int_equal(http_cookie_get("x=y;taskapi_lsn=\"A/B\" ", "taskapi_lsn", v, sizeof v), 0);
	assert_string_equal(v, "A/B");
}

static void test_cookie_bad_names_and_sizes(void **state)
{
	(void)state;
	char v[8];
	assert_int_equal(http_cookie_get("xtaskapi_lsn=1/2", "taskapi_lsn", v, sizeof v), -1);
	assert_int_equal(http_cookie_get("taskapi_lsnx=1/2", "taskapi_lsn", v, sizeof v), -1);
	assert_int_equal(http_cookie_get("taskapi_lsn", "taskapi_lsn", v, sizeof v), -1);
	assert_int_equal(http_cookie_get("", "taskapi_lsn", v, sizeof v), -1);
	assert_int_equal(http_cookie_get(NULL, "taskapi_lsn", v, sizeof v), -1);
	assert_int_equal(http_cookie_get("taskapi_lsn=12345678/9", "taskapi_lsn", v, sizeof v), -1);
}

static void test_token_from_header_or_cookie_later_wins(void **state)
{
	(void)state;
	struct http_request req = {0};
	assert_true(app_consistency_token(&req) == 0);
	req.consistency_token = "0/200";
	assert_true(app_consistency_token(&req) == 0x200);
	req.cookie = "taskapi_lsn=0/300";
	assert_true(app_consistency_token(&req) == 0x300);
	req.consistency_token = "1/0";
	assert_true(app_consistency_token(&req) == 0x100000000ULL);
	req.consistency_token = NULL;
	assert_true(app_consistency_token(&req) == 0x300);
}

static void test_token_bad_values_ignored(void **state)
{
	(void)state;
	struct http_request req = {.consistency_token = "not-a-token", .cookie = "taskapi_lsn=zz"};
	assert_true(app_consistency_token(&req) == 0);
	req.cookie = "taskapi_lsn=0/10";
	assert_true(app_consistency_token(&req) == 0x10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_postgres_text_form),
		cmocka_unit_test(test_format_round_trips),
		cmocka_unit_test(test_parse_bad_forms_refused),
		cmocka_unit_test(test_cookie_found_among_others),
		cmocka_unit_test(test_cookie_bad_names_and_sizes),
		cmocka_unit_test(test_token_from_header_or_cookie_later_wins),
		cmocka_unit_test(test_token_bad_values_ignored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
