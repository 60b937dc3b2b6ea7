/* The API key handlers (src/handlers_apikeys.c), the database answered by the harness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "auth.h"
#include "config.h"
#include "crypto.h"
#include "handler_test.h"
#include "rows.h"
#include "words.h"

#define PREFIX "tak_0123456789abcdef"

static PGresult *as_user7(enum stmt_id id, int rows)
{
	PGresult *r = ht_result(id, rows);
	ht_caller(r, "7", ROLE_USER, "t");
	return r;
}

/* An API key row (API_KEY_ROW) after the caller. */
static void key_row(PGresult *r, int row, const char *id, const char *name, const char *prefix)
{
	ht_set(r, row, CALLER_NCOLS + API_KEY_ID, id);
	ht_set(r, row, CALLER_NCOLS + API_KEY_NAME, name);
	ht_set(r, row, CALLER_NCOLS + API_KEY_PREFIX, prefix);
	ht_set(r, row, CALLER_NCOLS + API_KEY_CREATED_AT, "2026-02-01 09:00:00+00");
	ht_set(r, row, CALLER_NCOLS + API_KEY_LAST_USED_AT, NULL);
	ht_set(r, row, CALLER_NCOLS + API_KEY_EXPIRES_AT, "2027-02-01 09:00:00+00");
}

/* The JSON of a key_row, field by field (fields: 6, or 7 with the secret). */
static void key_check(struct json_object *o, long long id, const char *name, const char *prefix,
                      int fields)
{
	assert_int_equal(json_object_object_length(o), fields);
	assert_int_equal(ht_int(o, "id"), id);
	assert_string_equal(ht_str(o, "name"), name);
	assert_string_equal(ht_str(o, "prefix"), prefix);
	assert_string_equal(ht_str(o, "created_at"), "2026-02-01T09:00:00Z");
	assert_true(ht_is_null(o, "last_used_at"));
	assert_string_equal(ht_str(o, "expires_at"), "2027-02-01T09:00:00Z");
}

/* ==== POST /api-keys ==== */

static void create_shows_the_secret_once_and_stores_its_hash(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_API_KEY_CREATE, 1);
	key_row(r, 0, "4", "ci", PREFIX);
	ht_expect(STMT_API_KEY_CREATE, DB_OK, r, NULL);
	ht_call(HTTP_POST, "/api/v1/api-keys", "{\"name\":\"ci\",\"expires_at\":\"2027-02-01T09:00:00Z\"}",
	        ht_bearer(7));
	assert_int_equal(ht_status(), 201);
	assert_string_equal(ht_header("Cache-Control"), "no-store");
	struct json_object *o = ht_json();
	key_check(o, 4, "ci", PREFIX, 7);
	const char *key = ht_str(o, "key");
	assert_int_equal(strlen(key), API_KEY_LEN);
	assert_true(api_key_valid(key));
	/* The statement gets the key's prefix and its SHA-256, not the key. */
	char hash[SHA256_HEX_LEN + 1];
	crypto_sha256_hex(key, API_KEY_LEN, hash);
	assert_string_equal(ht_param(0, 1), "ci");
	assert_int_equal(strlen(ht_param(0, 2)), API_KEY_PREFIX_LEN);
	assert_int_equal(strncmp(key, ht_param(0, 2), API_KEY_PREFIX_LEN), 0);
	assert_string_equal(ht_param(0, 3), hash);
	assert_string_equal(ht_param(0, 4), "2027-02-01T09:00:00.000000Z");
}

static void create_without_credential_is_401(void **state)
{
	(void)state;
	ht_call(HTTP_POST, "/api/v1/api-keys", "{\"name\":\"ci\"}", NULL);
	assert_int_equal(ht_status(), 401);
	assert_int_equal(ht_statements_run(), 0);
}

static void create_by_api_key_is_403(void **state)
{
	(void)state;
	ht_call(HTTP_POST, "/api/v1/api-keys", "{\"name\":\"ci\"}", ht_bearer_api_key());
	assert_int_equal(ht_status(), 403);
	assert_int_equal(ht_statements_run(), 0);
}

static void create_expiring_in_the_past_is_422(void **state)
{
	(void)state;
	ht_expect(STMT_CALLER, DB_OK, as_user7(STMT_CALLER, 1), NULL);
	ht_call(HTTP_POST, "/api/v1/api-keys", "{\"name\":\"ci\",\"expires_at\":\"2001-01-01T00:00:00Z\"}",
	        ht_bearer(7));
	assert_int_equal(ht_status(), 422);
	struct json_object *first = json_object_array_get_idx(ht_member(ht_json(), "detail"), 0);
	assert_string_equal(ht_str(first, "type"), "datetime_future");
}

static void create_for_unknown_caller_is_401(void **state)
{
	(void)state;
	ht_expect(STMT_API_KEY_CREATE, DB_OK, ht_result(STMT_API_KEY_CREATE, 1), NULL);
	ht_call(HTTP_POST, "/api/v1/api-keys", "{\"name\":\"ci\"}", ht_bearer(7));
	assert_int_equal(ht_status(), 401);
	assert_null(ht_header("Cache-Control"));
}

static void create_with_database_away_is_503(void **state)
{
	(void)state;
	ht_expect(STMT_API_KEY_CREATE, DB_UNAVAILABLE, NULL, NULL);
	ht_call(HTTP_POST, "/api/v1/api-keys", "{\"name\":\"ci\"}", ht_bearer(7));
	ht_assert_503_retry();
}

/* ==== GET /api-keys ==== */

static void list_answers_the_keys_without_secrets(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_API_KEY_LIST, 2);
	key_row(r, 0, "4", "ci", PREFIX);
	key_row(r, 1, "5", "backup", "tak_fedcba9876543210");
	ht_expect(STMT_API_KEY_LIST, DB_OK, r, NULL);
	ht_call(HTTP_GET, "/api/v1/api-keys", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 200);
	assert_string_equal(ht_header("Cache-Control"), "no-store");
	struct json_object *a = ht_json();
	assert_int_equal(json_object_array_length(a), 2);
	key_check(json_object_array_get_idx(a, 0), 4, "ci", PREFIX, 6);
	key_check(json_object_array_get_idx(a, 1), 5, "backup", "tak_fedcba9876543210", 6);
}

static void list_without_keys_is_empty(void **state)
{
	(void)state;
	/* The caller's row comes back alone: no key columns. */
	ht_expect(STMT_API_KEY_LIST, DB_OK, as_user7(STMT_API_KEY_LIST, 1), NULL);
	ht_call(HTTP_GET, "/api/v1/api-keys", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 200);
	assert_int_equal(json_object_array_length(ht_json()), 0);
}

static void list_for_inactive_caller_is_403(void **state)
{
	(void)state;
	PGresult *r = ht_result(STMT_API_KEY_LIST, 1);
	ht_caller(r, "7", ROLE_USER, "f");
	ht_expect(STMT_API_KEY_LIST, DB_OK, r, NULL);
	ht_call(HTTP_GET, "/api/v1/api-keys", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 403);
	assert_string_equal(ht_detail(), "Inactive user");
}

/* ==== DELETE /api-keys/{id} ==== */

static void delete_answers_204(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_API_KEY_DELETE, 1);
	ht_set(r, 0, CHANGED_COUNT, "1");
	ht_expect(STMT_API_KEY_DELETE, DB_OK, r, NULL);
	ht_call(HTTP_DELETE, "/api/v1/api-keys/4", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 204);
	assert_string_equal(ht_param(0, 1), "4");
}

static void delete_of_unknown_key_is_404(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_API_KEY_DELETE, 1);
	ht_set(r, 0, CHANGED_COUNT, "0");
	ht_expect(STMT_API_KEY_DELETE, DB_OK, r, NULL);
	ht_call(HTTP_DELETE, "/api/v1/api-keys/4", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 404);
	assert_string_equal(ht_detail(), "API key not found");
}

static void delete_with_bad_id_is_422(void **state)
{
	(void)state;
	ht_expect(STMT_CALLER, DB_OK, as_user7(STMT_CALLER, 1), NULL);
	ht_call(HTTP_DELETE, "/api/v1/api-keys/4x", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 422);
}

static void delete_with_database_away_is_503(void **state)
{
	(void)state;
	ht_expect(STMT_API_KEY_DELETE, DB_UNAVAILABLE, NULL, NULL);
	ht_call(HTTP_DELETE, "/api/v1/api-keys/4", NULL, ht_bearer(7));
	ht_assert_503_retry();
}

#define T(f) cmocka_unit_test_setup_teardown(f, ht_setup, ht_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(create_shows_the_secret_once_and_stores_its_hash),
		T(create_without_credential_is_401),
		T(create_by_api_key_is_403),
		T(create_expiring_in_the_past_is_422),
		T(create_for_unknown_caller_is_401),
		T(create_with_database_away_is_503),
		T(list_answers_the_keys_without_secrets),
		T(list_without_keys_is_empty),
		T(list_for_inactive_caller_is_403),
		T(delete_answers_204),
		T(delete_of_unknown_key_is_404),
		T(delete_with_bad_id_is_422),
		T(delete_with_database_away_is_503),
	};
	return cmocka_run_group_tests(tests, ht_group_setup, NULL);
}
