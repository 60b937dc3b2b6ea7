/* The request id rule the worker applies to REQUEST_ID (the same as NGINX's map). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http.h"

static void test_tokens_accepted(void **state)
{
	(void)state;
	assert_true(http_request_id_valid("0f3c9a7e5b2d41c8a6e0f9b8c7d6e5f4"));
	assert_true(http_request_id_valid("client-123.trace:4_5"));
	assert_true(http_request_id_valid("a"));
	char longest[HTTP_REQUEST_ID_MAX + 1];
	memset(longest, 'x', HTTP_REQUEST_ID_MAX);
	longest[HTTP_REQUEST_ID_MAX] = '\0';
	assert_true(http_request_id_valid(longest));
}

static void test_unsafe_ids_bad(void **state)
{
	(void)state;
	char too_long[HTTP_REQUEST_ID_MAX + 2];
	memset(too_long, 'x', HTTP_REQUEST_ID_MAX + 1);
	too_long[HTTP_REQUEST_ID_MAX + 1] = '\0';
	assert_false(http_request_id_valid(too_long));
	assert_false(http_request_id_valid(""));
	assert_false(http_request_id_valid(NULL));
	assert_false(http_request_id_valid("abc\r\nSet-Cookie: x=1")); /* header injection */
	assert_false(http_request_id_valid("has space"));
	assert_false(http_request_id_valid("quote\"d"));
	assert_false(http_request_id_valid("slash/ed"));
	assert_false(http_request_id_valid("\xc3\xbcnicode"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens_accepted),
		cmocka_unit_test(test_unsafe_ids_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
