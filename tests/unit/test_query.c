/* Query-string lookup and percent-decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "query.h"

static int arena_setup(void **state)
{
	static struct arena a;
	a.head = NULL;
	*state = &a;
	return 0;
}

static int arena_teardown(void **state)
{
	arena_free(*state);
	return 0;
}

static void test_present_name_found(void **state)
{
	struct arena *a = *state;
	assert_string_equal(query_get(a, "skip=0&limit=10", "skip"), "0");
	assert_string_equal(query_get(a, "skip=0&limit=10", "limit"), "10");
	assert_string_equal(query_get(a, "status=todo", "status"), "todo");
}

static void test_absent_name_is_null(void **state)
{
	struct arena *a = *state;
	assert_null(query_get(a, "skip=0&limit=10", "status"));
	assert_null(query_get(a, "", "limit"));
	assert_null(query_get(a, NULL, "limit"));
}

static void test_name_prefix_or_suffix_not_matched(void **state)
{
	struct arena *a = *state;
	assert_null(query_get(a, "limitx=5&xlimit=6", "limit"));
	assert_null(query_get(a, "lim=5", "limit"));
	assert_string_equal(query_get(a, "xlimit=6&limit=3", "limit"), "3");
}

static void test_percent_decoding(void **state)
{
	struct arena *a = *state;
	assert_string_equal(query_get(a, "q=hello%20world", "q"), "hello world");
	assert_string_equal(query_get(a, "q=%41%62%63", "q"), "Abc");
	assert_string_equal(query_get(a, "q=%e2%82%ac", "q"), "\xe2\x82\xac");
	assert_string_equal(query_get(a, "q=%E2%82%AC", "q"), "\xe2\x82\xac");
	assert_string_equal(query_get(a, "q=a%26b%3Dc", "q"), "a&b=c");
}

static void test_plus_is_space(void **state)
{
	struct arena *a = *state;
	assert_string_equal(query_get(a, "q=buy+milk", "q"), "buy milk");
	assert_string_equal(query_get(a, "q=1%2B1", "q"), "1+1");
}

static void test_first_of_repeated_names(void **state)
{
	struct arena *a = *state;
	assert_string_equal(query_get(a, "status=todo&status=completed", "status"), "todo");
	assert_string_equal(query_get(a, "limit=&limit=5", "limit"), "");
}

static void test_empty_value(void **state)
{
	struct arena *a = *state;
	const char *v = query_get(a, "limit=&skip=1", "limit");
	assert_non_null(v);
	assert_string_equal(v, "");
	assert_string_equal(query_get(a, "skip=1&limit=", "limit"), "");
}

static void test_name_without_equals_is_empty_value(void **state)
{
	struct arena *a = *state;
	const char *v = query_get(a, "verbose&limit=2", "verbose");
	assert_non_null(v);
	assert_string_equal(v, "");
	assert_string_equal(query_get(a, "limit=2&verbose", "verbose"), "");
	assert_string_equal(query_get(a, "verbose&limit=2", "limit"), "2");
}

static void test_encoded_name_matches(void **state)
{
	struct arena *a = *state;
	assert_string_equal(query_get(a, "%6Cimit=4", "limit"), "4");
	assert_string_equal(query_get(a, "due+date=x", "due date"), "x");
	assert_string_equal(query_get(a, "a%3Db=1", "a=b"), "1");
}

static void test_empty_segments_skipped(void **state)
{
	struct arena *a = *state;
	assert_string_equal(query_get(a, "&&limit=5&", "limit"), "5");
	assert_null(query_get(a, "&&&", "limit"));
}

static void test_value_keeps_later_equals(void **state)
{
	struct arena *a = *state;
	assert_string_equal(query_get(a, "q=a=b", "q"), "a=b");
}

static void test_encoded_nul_bad_becomes_0x01(void **state)
{
	struct arena *a = *state;
	const char *v = query_get(a, "q=ab%00cd", "q");
	assert_non_null(v);
	assert_int_equal(strlen(v), 5);
	assert_memory_equal(v,
	                    "ab\x01"
	                    "cd",
	                    5);
}

static void test_truncated_escape_bad_kept_literally(void **state)
{
	struct arena *a = *state;
	assert_string_equal(query_get(a, "q=%4", "q"), "%4");
	assert_string_equal(query_get(a, "q=%", "q"), "%");
	assert_string_equal(query_get(a, "q=ab%", "q"), "ab%");
	assert_string_equal(query_get(a, "q=%4&r=1", "q"), "%4");
}

static void test_invalid_hex_escape_bad_kept_literally(void **state)
{
	struct arena *a = *state;
	assert_string_equal(query_get(a, "q=%zz", "q"), "%zz");
	assert_string_equal(query_get(a, "q=%4g", "q"), "%4g");
	assert_string_equal(query_get(a, "q=%%41", "q"), "%A");
}

static void test_decode_without_plus_keeps_plus(void **state)
{
	(void)state;
	char out[16];
	assert_int_equal(query_decode("a+b%20c", 7, out, 0), 5);
	assert_string_equal(out, "a+b c");
	assert_int_equal(query_decode("a+b", 3, out, 1), 3);
	assert_string_equal(out, "a b");
}

static void test_decode_respects_length(void **state)
{
	(void)state;
	char out[16];
	/* Only the first 3 bytes are read: "%41" would need 3 bytes past the '%'. */
	assert_int_equal(query_decode("ab%41", 3, out, 1), 3);
	assert_string_equal(out, "ab%");
	assert_int_equal(query_decode("", 0, out, 1), 0);
	assert_string_equal(out, "");
}

#define T(name) cmocka_unit_test_setup_teardown(name, arena_setup, arena_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_present_name_found),
		T(test_absent_name_is_null),
		T(test_name_prefix_or_suffix_not_matched),
		T(test_percent_decoding),
		T(test_plus_is_space),
		T(test_first_of_repeated_names),
		T(test_empty_value),
		T(test_name_without_equals_is_empty_value),
		T(test_encoded_name_matches),
		T(test_empty_segments_skipped),
		T(test_value_keeps_later_equals),
		T(test_encoded_nul_bad_becomes_0x01),
		T(test_truncated_escape_bad_kept_literally),
		T(test_invalid_hex_escape_bad_kept_literally),
		cmocka_unit_test(test_decode_without_plus_keeps_plus),
		cmocka_unit_test(test_decode_respects_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
