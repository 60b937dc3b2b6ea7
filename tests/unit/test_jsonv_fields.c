/* jsonv's integer and object fields, unknown keys, and nested problem locations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "jsonv.h"
#include "problems.h"

static const struct field_spec spec[] = {
	{.name = "size", .type = FIELD_INT, .nullable = 1, .min = 1, .max = 100},
	{.name = "opts", .type = FIELD_OBJECT, .nullable = 1},
};

static int extract(const char *body, struct field_value v[2], struct problems *p)
{
	memset(p, 0, sizeof *p);
	struct json_object *obj = json_parse_body(body, strlen(body), p);
	assert_non_null(obj);
	int n = json_extract(obj, spec, 2, v, p);
	n += json_forbid_unknown(obj, spec, 2, "body", NULL, p);
	json_object_put(obj);
	return n;
}

static void test_int_in_range(void **state)
{
	(void)state;
	struct field_value v[2];
	struct problems p;
	assert_int_equal(extract("{\"size\":1}", v, &p), 0);
	assert_int_equal(v[0].integer, 1);
	assert_int_equal(extract("{\"size\":100}", v, &p), 0);
	assert_int_equal(v[0].integer, 100);
	assert_int_equal(extract("{\"size\":null}", v, &p), 0);
	assert_true(v[0].is_null);
}

static void test_bad_int_values(void **state)
{
	(void)state;
	struct field_value v[2];
	struct problems p;
	const char *bad[] = {"{\"size\":0}",   "{\"size\":101}",
	                     "{\"size\":-1}",  "{\"size\":\"5\"}",
	                     "{\"size\":5.0}", "{\"size\":true}",
	                     "{\"size\":[5]}", "{\"size\":99999999999999999999999}"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(extract(bad[i], v, &p), 1);
		assert_string_equal(p.list[0].field, "size");
	}
	extract("{\"size\":0}", v, &p);
	assert_string_equal(p.list[0].type, "greater_than_equal");
	extract("{\"size\":101}", v, &p);
	assert_string_equal(p.list[0].type, "less_than_equal");
	extract("{\"size\":\"5\"}", v, &p);
	assert_string_equal(p.list[0].type, "int_type");
}

static void test_object_field(void **state)
{
	(void)state;
	struct field_value v[2];
	struct problems p;
	assert_int_equal(extract("{\"opts\":{\"a\":true}}", v, &p), 0);
	assert_true(v[1].present);
	assert_non_null(v[1].object);
	assert_int_equal(extract("{\"opts\":[1]}", v, &p), 1);
	assert_string_equal(p.list[0].type, "dict_type");
	assert_int_equal(extract("{\"opts\":\"x\"}", v, &p), 1);
}

static void test_bad_unknown_keys_listed(void **state)
{
	(void)state;
	struct problems p = {0};
	const char *body = "{\"size\":5,\"colour\":1,\"Size\":2}";
	struct json_object *obj = json_parse_body(body, strlen(body), &p);
	/* The problems point at the body's keys: read them while it lives. */
	assert_int_equal(json_forbid_unknown(obj, spec, 2, "body", NULL, &p), 2);
	assert_string_equal(p.list[0].field, "colour");
	assert_string_equal(p.list[0].type, "extra_forbidden");
	assert_string_equal(p.list[1].field, "Size");
	assert_int_equal(json_forbid_unknown(obj, spec, 2, "body", "parent", &p), 2);
	assert_string_equal(p.list[2].field, "parent");
	assert_string_equal(p.list[2].subfield, "colour");
	json_object_put(obj);
}

static void test_nested_loc_written(void **state)
{
	(void)state;
	struct problems p = {0};
	struct buf b = {0};
	problems_add_nested(&p, "body", "notifications", "sms", "extra_forbidden",
	                    "Extra inputs are not permitted");
	problems_write_json(&p, &b);
	assert_string_equal(b.data,
	                    "{\"detail\":[{\"loc\":[\"body\",\"notifications\",\"sms\"],"
	                    "\"msg\":\"Extra inputs are not permitted\",\"type\":\"extra_forbidden\"}],"
	                    "\"message\":\"Validation error occurred\"}");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_int_in_range),       cmocka_unit_test(test_bad_int_values),
		cmocka_unit_test(test_object_field),       cmocka_unit_test(test_bad_unknown_keys_listed),
		cmocka_unit_test(test_nested_loc_written),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
