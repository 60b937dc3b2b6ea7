/* Task list cursors: round trip, tamper evidence, binding; base64url. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "crypto.h"
#include "cursor.h"

static const unsigned char secret[] = "unit-test-secret-of-at-least-32-bytes!";
#define SECRET secret, sizeof secret - 1
static const char bind[] = "u=7;o=0;s=0;p=0;db=;da=;ca=;cb=;od=-1;q=0:";

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

static struct cursor sample(void)
{
	struct cursor c = {.page = 3, .id = 12345};
	strcpy(c.sort, "-due_date");
	strcpy(c.key, "2026-01-15 10:35:00.123456+00");
	return c;
}

static void test_round_trip(void **state)
{
	struct cursor c = sample(), out;
	char *token = cursor_encode(*state, &c, bind, SECRET);
	assert_non_null(token);
	assert_int_equal(cursor_decode(token, bind, SECRET, &out), 0);
	assert_string_equal(out.sort, "-due_date");
	assert_int_equal(out.page, 3);
	assert_int_equal(out.id, 12345);
	assert_string_equal(out.key, "2026-01-15 10:35:00.123456+00");
}

static void test_token_is_url_safe(void **state)
{
	struct cursor c = sample();
	strcpy(c.key, "\xff\xfe title with / and + and ?&=#");
	char *token = cursor_encode(*state, &c, bind, SECRET);
	assert_non_null(token);
	for (const char *p = token; *p; p++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.", *p));
	assert_non_null(strchr(token, '.'));
}

static void test_empty_key_round_trip(void **state)
{
	struct cursor c = {.page = 2, .id = 9}, out;
	strcpy(c.sort, "id");
	char *token = cursor_encode(*state, &c, bind, SECRET);
	assert_int_equal(cursor_decode(token, bind, SECRET, &out), 0);
	assert_string_equal(out.key, "");
	assert_string_equal(out.sort, "id");
}

static void test_title_key_with_newlines_round_trip(void **state)
{
	struct cursor c = {.page = 2, .id = 9}, out;
	strcpy(c.sort, "title");
	strcpy(c.key, "line one\nline two\n3\n4");
	char *token = cursor_encode(*state, &c, bind, SECRET);
	assert_int_equal(cursor_decode(token, bind, SECRET, &out), 0);
	assert_string_equal(out.key, "line one\nline two\n3\n4");
	assert_int_equal(out.id, 9);
}

static void test_bad_every_changed_character_refused(void **state)
{
	struct cursor c = sample(), out;
	char *token = cursor_encode(*state, &c, bind, SECRET);
	size_t n = strlen(token);
	char copy[CURSOR_TOKEN_MAX];
	for (size_t i = 0; i < n; i++) {
		strcpy(copy, token);
		copy[i] = copy[i] == 'A' ? 'B' : 'A';
		if (cursor_decode(copy, bind, SECRET, &out) == 0)
			fail_msg("changing character %zu of %s was accepted", i, token);
	}
}

static void test_bad_truncated_or_extended_refused(void **state)
{
	struct cursor c = sample(), out;
	char *token = cursor_encode(*state, &c, bind, SECRET);
	char copy[CURSOR_TOKEN_MAX];
	size_t n = strlen(token);
	for (size_t len = 0; len < n; len++) {
		memcpy(copy, token, len);
		copy[len] = '\0';
		assert_int_equal(cursor_decode(copy, bind, SECRET, &out), -1);
	}
	snprintf(copy, sizeof copy, "%sA", token);
	assert_int_equal(cursor_decode(copy, bind, SECRET, &out), -1);
	snprintf(copy, sizeof copy, "%s=", token);
	assert_int_equal(cursor_decode(copy, bind, SECRET, &out), -1);
}

static void test_bad_other_binding_refused(void **state)
{
	struct cursor c = sample(), out;
	char *token = cursor_encode(*state, &c, bind, SECRET);
	assert_int_equal(cursor_decode(token, "u=8;o=0;s=0;p=0;db=;da=;ca=;cb=;od=-1;q=0:", SECRET, &out),
	                 -1);
	assert_int_equal(cursor_decode(token, "u=7;o=0;s=1;p=0;db=;da=;ca=;cb=;od=-1;q=0:", SECRET, &out),
	                 -1);
	assert_int_equal(cursor_decode(token, "", SECRET, &out), -1);
}

static void test_bad_other_secret_refused(void **state)
{
	struct cursor c = sample(), out;
	char *token = cursor_encode(*state, &c, bind, SECRET);
	static const unsigned char other[] = "another-secret-of-at-least-32-bytes!!!";
	assert_int_equal(cursor_decode(token, bind, other, sizeof other - 1, &out), -1);
}

static void test_bad_garbage_refused(void **state)
{
	(void)state;
	struct cursor out;
	const char *bad[] = {"",
	                     ".",
	                     "abc",
	                     "abc.",
	                     ".abc",
	                     "a.b.c",
	                     "%%%.$$$",
	                     "MQ.MQ",
	                     "====.====",
	                     "MQppZAoyCjkK.",
	                     "\xc3\xa9.\xc3\xa9"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(cursor_decode(bad[i], bind, SECRET, &out), -1);
	char big[CURSOR_TOKEN_MAX + 10];
	memset(big, 'A', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	big[100] = '.';
	assert_int_equal(cursor_decode(big, bind, SECRET, &out), -1);
}

static void test_longest_key_encodes(void **state)
{
	struct cursor c = sample();
	memset(c.key, 'x', sizeof c.key - 1);
	c.key[sizeof c.key - 1] = '\0';
	/* The longest key (a title of 200 four-byte characters) fits; a full buffer still encodes. */
	assert_non_null(cursor_encode(*state, &c, bind, SECRET));
}

static void test_b64url_known_values(void **state)
{
	(void)state;
	char out[16];
	unsigned char back[16];
	assert_int_equal(crypto_b64url((const unsigned char *)"f", 1, out), 2);
	assert_string_equal(out, "Zg");
	assert_int_equal(crypto_b64url((const unsigned char *)"fo", 2, out), 3);
	assert_string_equal(out, "Zm8");
	assert_int_equal(crypto_b64url((const unsigned char *)"foo", 3, out), 4);
	assert_string_equal(out, "Zm9v");
	assert_int_equal(crypto_b64url((const unsigned char *)"\xfb\xff", 2, out), 3);
	assert_string_equal(out, "-_8");
	assert_int_equal(crypto_b64url_decode("-_8", 3, back, sizeof back), 2);
	assert_memory_equal(back, "\xfb\xff", 2);
	assert_int_equal(crypto_b64url_decode("Zm9v", 4, back, sizeof back), 3);
	assert_int_equal(crypto_b64url_decode("Zg", 2, back, sizeof back), 1);
	assert_int_equal(crypto_b64url_decode("Z", 1, back, sizeof back), -1);
	assert_int_equal(crypto_b64url_decode("Zm+v", 4, back, sizeof back), -1);
	assert_int_equal(crypto_b64url_decode("Zm/v", 4, back, sizeof back), -1);
	assert_int_equal(crypto_b64url_decode("Zm=v", 4, back, sizeof back), -1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, arena_setup, arena_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_round_trip),
		T(test_token_is_url_safe),
		T(test_empty_key_round_trip),
		T(test_title_key_with_newlines_round_trip),
		T(test_bad_every_changed_character_refused),
		T(test_bad_truncated_or_extended_refused),
		T(test_bad_other_binding_refused),
		T(test_bad_other_secret_refused),
		T(test_bad_garbage_refused),
		T(test_longest_key_encodes),
		cmocka_unit_test(test_b64url_known_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
