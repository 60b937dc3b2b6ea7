/* Entity tags: format, If-None-Match (weak comparison), If-Match versions (strong). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http.h"

static void test_format(void **state)
{
	(void)state;
	char tag[ETAG_MAX];
	etag_format(tag, "42", "7");
	assert_string_equal(tag, "\"42-7\"");
}

static void test_none_match(void **state)
{
	(void)state;
	assert_true(etag_none_match("\"42-7\"", "\"42-7\""));
	assert_true(etag_none_match("\"1-1\", \"42-7\"", "\"42-7\""));
	assert_true(etag_none_match("\"1-1\",\"42-7\"", "\"42-7\""));
	assert_true(etag_none_match("W/\"42-7\"", "\"42-7\""));
	assert_true(etag_none_match("*", "\"42-7\""));
	assert_true(etag_none_match("  *  ", "\"42-7\""));
}

static void test_bad_none_match_misses(void **state)
{
	(void)state;
	assert_false(etag_none_match("\"42-6\"", "\"42-7\""));
	assert_false(etag_none_match("42-7", "\"42-7\""));
	assert_false(etag_none_match("\"42-7", "\"42-7\""));
	assert_false(etag_none_match("\"42-77\"", "\"42-7\""));
	assert_false(etag_none_match("", "\"42-7\""));
	assert_false(etag_none_match(",,,", "\"42-7\""));
	assert_false(etag_none_match("\"*\"", "\"42-7\""));
}

static void test_match_versions(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(etag_match_versions("\"42-7\"", 42, out, sizeof out), 0);
	assert_string_equal(out, "{7}");
	assert_int_equal(etag_match_versions("\"42-7\", \"42-9\"", 42, out, sizeof out), 0);
	assert_string_equal(out, "{7,9}");
	assert_int_equal(etag_match_versions("\"41-7\", \"42-9\"", 42, out, sizeof out), 0);
	assert_string_equal(out, "{9}");
}

static void test_match_star_is_any(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(etag_match_versions("*", 42, out, sizeof out), 1);
	assert_int_equal(etag_match_versions(" * ", 42, out, sizeof out), 1);
}

static void test_bad_match_tags_name_no_version(void **state)
{
	(void)state;
	char out[64];
	const char *bad[] = {"W/\"42-7\"", "\"41-7\"",  "42-7",      "\"42-\"",
	                     "\"-7\"",     "\"42-0\"",  "\"42--7\"", "\"42-7a\"",
	                     "\"42-+7\"",  "\"42- 7\"", "\"x\"",     "\"\"",
	                     "",           "\"42-7",    "W/*",       "\"42-99999999999999999999\""};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(etag_match_versions(bad[i], 42, out, sizeof out), 0);
		if (strcmp(out, "{}") != 0)
			fail_msg("If-Match %s gave %s", bad[i], out);
	}
}

static void test_match_small_buffer_stays_valid(void **state)
{
	(void)state;
	char out[8];
	assert_int_equal(etag_match_versions("\"42-1\", \"42-22\", \"42-333\"", 42, out, sizeof out), 0);
	assert_string_equal(out, "{1,22}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_none_match),
		cmocka_unit_test(test_bad_none_match_misses),
		cmocka_unit_test(test_match_versions),
		cmocka_unit_test(test_match_star_is_any),
		cmocka_unit_test(test_bad_match_tags_name_no_version),
		cmocka_unit_test(test_match_small_buffer_stays_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
