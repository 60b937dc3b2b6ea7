/* Growable byte buffer: appends, printf growth, JSON string escaping, reset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"

static void assert_json_str(const char *in, size_t n, const char *want)
{
	struct buf b = {0};
	buf_json_str(&b, in, n);
	assert_string_equal(b.data, want);
	assert_int_equal(b.len, strlen(want));
	buf_free(&b);
}

/* ==== Appending ==== */

static void test_append_puts_putc(void **state)
{
	(void)state;
	struct buf b = {0};
	buf_append(&b, "abc", 3);
	buf_puts(&b, "def");
	buf_putc(&b, '!');
	assert_string_equal(b.data, "abcdef!");
	assert_int_equal(b.len, 7);
	assert_true(b.cap > b.len);
	buf_free(&b);
}

static void test_append_embedded_nul_counted(void **state)
{
	(void)state;
	struct buf b = {0};
	buf_append(&b, "a\0b", 3);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "a\0b", 4);
	buf_free(&b);
}

static void test_append_zero_bytes_gives_empty_string(void **state)
{
	(void)state;
	struct buf b = {0};
	buf_append(&b, "", 0);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void test_printf_formats(void **state)
{
	(void)state;
	struct buf b = {0};
	buf_printf(&b, "%d-%s-%lld", 42, "x", 1234567890123LL);
	buf_printf(&b, "|%05.1f", 3.14159);
	assert_string_equal(b.data, "42-x-1234567890123|003.1");
	buf_free(&b);
}

static void test_printf_grows_past_initial_capacity(void **state)
{
	(void)state;
	struct buf b = {0};
	char big[5000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	buf_puts(&b, "start:");
	size_t first_cap = b.cap;
	buf_printf(&b, "%s:%d", big, 7);
	assert_true(b.cap > first_cap);
	assert_int_equal(b.len, 6 + 4999 + 2);
	assert_int_equal(strlen(b.data), b.len);
	assert_true(strncmp(b.data, "start:xxx", 9) == 0);
	assert_string_equal(b.data + b.len - 3, "x:7");
	buf_free(&b);
}

static void test_many_small_appends_grow(void **state)
{
	(void)state;
	struct buf b = {0};
	for (int i = 0; i < 10000; i++)
		buf_printf(&b, "%d,", i % 10);
	assert_int_equal(b.len, 20000);
	assert_int_equal(strlen(b.data), 20000);
	assert_memory_equal(b.data + 19990, "5,6,7,8,9,", 10);
	buf_free(&b);
}

/* ==== JSON strings ==== */

static void test_json_plain_string(void **state)
{
	(void)state;
	assert_json_str("hello", 5, "\"hello\"");
	assert_json_str("", 0, "\"\"");
}

static void test_json_escapes_quote_and_backslash(void **state)
{
	(void)state;
	assert_json_str("say \"hi\"", 8, "\"say \\\"hi\\\"\"");
	assert_json_str("C:\\dir", 6, "\"C:\\\\dir\"");
	assert_json_str("/", 1, "\"/\"");
}

static void test_json_escapes_control_chars(void **state)
{
	(void)state;
	assert_json_str("a\nb", 3, "\"a\\nb\"");
	assert_json_str("a\tb", 3, "\"a\\tb\"");
	assert_json_str("a\rb", 3, "\"a\\rb\"");
	assert_json_str("\x01", 1, "\"\\u0001\"");
	assert_json_str("\x1f", 1, "\"\\u001f\"");
	assert_json_str("\b\f", 2, "\"\\u0008\\u000c\"");
}

static void test_json_escapes_embedded_nul(void **state)
{
	(void)state;
	assert_json_str("a\0b", 3, "\"a\\u0000b\"");
}

static void test_json_utf8_passed_through(void **state)
{
	(void)state;
	const char *s = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";
	assert_json_str(s, strlen(s), "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
}

static void test_json_null(void **state)
{
	(void)state;
	assert_json_str(NULL, 0, "null");
	struct buf b = {0};
	buf_json_cstr(&b, NULL);
	assert_string_equal(b.data, "null");
	buf_free(&b);
}

static void test_json_cstr(void **state)
{
	(void)state;
	struct buf b = {0};
	buf_putc(&b, '[');
	buf_json_cstr(&b, "a\"b");
	buf_putc(&b, ',');
	buf_json_cstr(&b, "");
	buf_putc(&b, ']');
	assert_string_equal(b.data, "[\"a\\\"b\",\"\"]");
	buf_free(&b);
}

static void test_json_respects_length(void **state)
{
	(void)state;
	assert_json_str("abcdef", 3, "\"abc\"");
}

static void test_json_long_string_all_escaped(void **state)
{
	(void)state;
	/* Every byte grows to six: the buffer must grow beyond the first estimate. */
	char in[1000];
	memset(in, '\x01', sizeof in);
	struct buf b = {0};
	buf_json_str(&b, in, sizeof in);
	assert_int_equal(b.len, 2 + 6 * sizeof in);
	assert_memory_equal(b.data + 1 + 6 * 999, "\\u0001\"", 8);
	buf_free(&b);
}

/* ==== Reset and free ==== */

static void test_reset_empties_and_keeps_working(void **state)
{
	(void)state;
	struct buf b = {0};
	buf_puts(&b, "first request");
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	buf_puts(&b, "second");
	assert_string_equal(b.data, "second");
	buf_free(&b);
}

static void test_reset_after_large_growth_keeps_working(void **state)
{
	(void)state;
	struct buf b = {0};
	char chunk[4096];
	memset(chunk, 'z', sizeof chunk);
	for (int i = 0; i < 64; i++)
		buf_append(&b, chunk, sizeof chunk);
	assert_int_equal(b.len, 64 * 4096);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	/* A large buffer is given back. */
	assert_true(b.cap <= 64 * 1024);
	buf_puts(&b, "again");
	assert_string_equal(b.data, "again");
	assert_int_equal(b.len, 5);
	buf_reset(&b);
	buf_printf(&b, "%s", "third");
	assert_string_equal(b.data, "third");
	buf_free(&b);
}

static void test_reset_of_empty_buffer(void **state)
{
	(void)state;
	struct buf b = {0};
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	buf_putc(&b, 'x');
	assert_string_equal(b.data, "x");
	buf_free(&b);
}

static void test_free_leaves_usable_empty_buffer(void **state)
{
	(void)state;
	struct buf b = {0};
	buf_puts(&b, "abc");
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	buf_free(&b);
	buf_puts(&b, "xyz");
	assert_string_equal(b.data, "xyz");
	buf_free(&b);
}

/* Text from outside for the log: ill-formed UTF-8 becomes U+FFFD, the rest as buf_json_str. */
static void test_json_text_replaces_ill_formed_utf8(void **state)
{
	(void)state;
	struct buf b = {0};
	buf_json_text(&b, "/tasks/1\xff", 9);
	assert_string_equal(b.data, "\"/tasks/1\\ufffd\"");
	buf_reset(&b);
	/* A multibyte character cut at the end, an overlong '/', a surrogate. */
	buf_json_text(&b, "a\xc3", 2);
	buf_json_text(&b, "\xc0\xaf", 2);
	buf_json_text(&b, "\xed\xa0\x80", 3);
	assert_string_equal(b.data, "\"a\\ufffd\"\"\\ufffd\\ufffd\"\"\\ufffd\\ufffd\\ufffd\"");
	buf_reset(&b);
	buf_json_text(&b, "caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\"\n", 15);
	assert_string_equal(b.data, "\"caf\xc3\xa9 \xf0\x9f\x98\x80 \\\"q\\\"\\n\"");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_puts_putc),
		cmocka_unit_test(test_append_embedded_nul_counted),
		cmocka_unit_test(test_append_zero_bytes_gives_empty_string),
		cmocka_unit_test(test_printf_formats),
		cmocka_unit_test(test_printf_grows_past_initial_capacity),
		cmocka_unit_test(test_many_small_appends_grow),
		cmocka_unit_test(test_json_plain_string),
		cmocka_unit_test(test_json_escapes_quote_and_backslash),
		cmocka_unit_test(test_json_escapes_control_chars),
		cmocka_unit_test(test_json_escapes_embedded_nul),
		cmocka_unit_test(test_json_utf8_passed_through),
		cmocka_unit_test(test_json_null),
		cmocka_unit_test(test_json_cstr),
		cmocka_unit_test(test_json_respects_length),
		cmocka_unit_test(test_json_long_string_all_escaped),
		cmocka_unit_test(test_reset_empties_and_keeps_working),
		cmocka_unit_test(test_reset_after_large_growth_keeps_working),
		cmocka_unit_test(test_reset_of_empty_buffer),
		cmocka_unit_test(test_free_leaves_usable_empty_buffer),
		cmocka_unit_test(test_json_text_replaces_ill_formed_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
