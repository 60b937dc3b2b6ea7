/* The JSON writer: commas, nesting, escaping, and every kind of value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "jsonw.h"

static void test_object(void **state)
{
	(void)state;
	struct buf b = {0};
	struct jsonw w;
	jsonw_start(&w, &b);
	jsonw_obj_open(&w, NULL);
	jsonw_int(&w, "id", -42);
	jsonw_cstr(&w, "name", "a \"quoted\"\n\\ name");
	jsonw_str(&w, "part", "abcdef", 3);
	jsonw_cstr(&w, "none", NULL);
	jsonw_bool(&w, "yes", 1);
	jsonw_bool(&w, "no", 0);
	jsonw_null(&w, "nothing");
	jsonw_raw(&w, "raw", "{\"x\":[1,2]}", 11);
	jsonw_obj_close(&w);
	assert_string_equal(b.data, "{\"id\":-42,\"name\":\"a \\\"quoted\\\"\\n\\\\ name\",\"part\":\"abc\","
	                            "\"none\":null,\"yes\":true,\"no\":false,\"nothing\":null,"
	                            "\"raw\":{\"x\":[1,2]}}");
	buf_free(&b);
}

static void test_nesting(void **state)
{
	(void)state;
	struct buf b = {0};
	struct jsonw w;
	buf_puts(&b, "prefix:");
	jsonw_start(&w, &b);
	jsonw_obj_open(&w, NULL);
	jsonw_arr_open(&w, "list");
	for (int i = 0; i < 3; i++) {
		jsonw_obj_open(&w, NULL);
		jsonw_int(&w, "i", i);
		jsonw_arr_open(&w, "empty");
		jsonw_arr_close(&w);
		jsonw_obj_close(&w);
	}
	jsonw_arr_close(&w);
	jsonw_obj_open(&w, "empty");
	jsonw_obj_close(&w);
	jsonw_arr_open(&w, "values");
	jsonw_int(&w, NULL, 1);
	jsonw_cstr(&w, NULL, "two");
	jsonw_null(&w, NULL);
	jsonw_arr_close(&w);
	jsonw_obj_close(&w);
	assert_string_equal(b.data, "prefix:{\"list\":[{\"i\":0,\"empty\":[]},{\"i\":1,\"empty\":[]},"
	                            "{\"i\":2,\"empty\":[]}],\"empty\":{},\"values\":[1,\"two\",null]}");
	buf_free(&b);
}

static void test_long_key(void **state)
{
	(void)state;
	char key[200];
	memset(key, 'k', sizeof key - 1);
	key[sizeof key - 1] = '\0';
	struct buf b = {0};
	struct jsonw w;
	jsonw_start(&w, &b);
	jsonw_obj_open(&w, NULL);
	jsonw_int(&w, "a", 1);
	jsonw_int(&w, key, 2);
	jsonw_obj_close(&w);
	assert_int_equal(b.len, strlen("{\"a\":1,\"\":2}") + strlen(key));
	assert_int_equal(strncmp(b.data, "{\"a\":1,\"kkk", 11), 0);
	assert_string_equal(b.data + b.len - 5, "k\":2}");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_long_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
