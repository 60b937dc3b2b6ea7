/* Registration, the caller's account and preferences, the admin's view of accounts
   (src/handlers_auth.c, src/handlers_users.c), the database answered by the harness. */
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

#define REGISTER_BODY                                                                                   \
	"{\"email\":\"ada@example.com\",\"username\":\"ada\",\"password\":\"Secret123\","                   \
	"\"full_name\":null}"

static PGresult *as_user7(enum stmt_id id)
{
	PGresult *r = ht_result(id, 1);
	ht_caller(r, "7", ROLE_USER, "t");
	return r;
}

/* ==== POST /auth/register ==== */

static void register_answers_201_with_the_user(void **state)
{
	(void)state;
	PGresult *r = ht_result(STMT_REGISTER, 1);
	ht_user(r, FIRST_COL, "9", "ada", "ada@example.com");
	ht_expect(STMT_REGISTER, DB_OK, r, NULL);
	ht_call(HTTP_POST, "/api/v1/auth/register", REGISTER_BODY, NULL);
	assert_int_equal(ht_status(), 201);
	ht_user_check(ht_json(), 9, "ada", "ada@example.com");
	assert_string_equal(ht_param(0, 0), "ada@example.com");
	assert_string_equal(ht_param(0, 1), "ada");
	assert_null(ht_param(0, 2));
	/* The password is stored as its bcrypt hash, never as itself. */
	assert_int_equal(strncmp(ht_param(0, 3), "$2", 2), 0);
	assert_true(password_verify("Secret123", ht_param(0, 3)));
	assert_string_equal(ht_param(0, 4), ROLE_USER);
}

static void register_taken_email_is_400(void **state)
{
	(void)state;
	ht_expect(STMT_REGISTER, DB_UNIQUE, NULL, "users_email_key");
	ht_call(HTTP_POST, "/api/v1/auth/register", REGISTER_BODY, NULL);
	assert_int_equal(ht_status(), 400);
	assert_string_equal(ht_detail(), "Email already registered");
}

static void register_taken_username_is_400(void **state)
{
	(void)state;
	ht_expect(STMT_REGISTER, DB_UNIQUE, NULL, "users_username_key");
	ht_call(HTTP_POST, "/api/v1/auth/register", REGISTER_BODY, NULL);
	assert_int_equal(ht_status(), 400);
	assert_string_equal(ht_detail(), "Username already taken");
}

static void register_weak_password_is_422_without_a_statement(void **state)
{
	(void)state;
	ht_call(HTTP_POST, "/api/v1/auth/register",
	        "{\"email\":\"ada@example.com\",\"username\":\"ada\",\"password\":\"short\"}", NULL);
	assert_int_equal(ht_status(), 422);
	struct json_object *first = json_object_array_get_idx(ht_member(ht_json(), "detail"), 0);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(ht_member(first, "loc"), 1)),
	                    "password");
	assert_int_equal(ht_statements_run(), 0);
}

static void register_with_database_away_is_503(void **state)
{
	(void)state;
	ht_expect(STMT_REGISTER, DB_UNAVAILABLE, NULL, NULL);
	ht_call(HTTP_POST, "/api/v1/auth/register", REGISTER_BODY, NULL);
	ht_assert_503_retry();
}

static void register_admin_when_disabled_is_403(void **state)
{
	(void)state;
	int allowed = cfg.allow_admin_registration;
	cfg.allow_admin_registration = 0;
	ht_call(HTTP_POST, "/api/v1/auth/register-admin", REGISTER_BODY, NULL);
	cfg.allow_admin_registration = allowed;
	assert_int_equal(ht_status(), 403);
	assert_string_equal(ht_detail(), "Admin registration is disabled");
	assert_int_equal(ht_statements_run(), 0);
}

static void register_admin_passes_the_admin_role(void **state)
{
	(void)state;
	int allowed = cfg.allow_admin_registration;
	cfg.allow_admin_registration = 1;
	PGresult *r = ht_result(STMT_REGISTER, 1);
	ht_user(r, FIRST_COL, "10", "ada", "ada@example.com");
	ht_expect(STMT_REGISTER, DB_OK, r, NULL);
	ht_call(HTTP_POST, "/api/v1/auth/register-admin", REGISTER_BODY, NULL);
	cfg.allow_admin_registration = allowed;
	assert_int_equal(ht_status(), 201);
	assert_string_equal(ht_param(0, 4), ROLE_ADMIN);
}

/* ==== GET /users/me ==== */

static void me_without_credential_is_401(void **state)
{
	(void)state;
	ht_call(HTTP_GET, "/api/v1/users/me", NULL, NULL);
	assert_int_equal(ht_status(), 401);
	assert_string_equal(ht_detail(), "Not authenticated");
	assert_int_equal(ht_statements_run(), 0);
}

static void me_for_deleted_user_is_401(void **state)
{
	(void)state;
	ht_expect(STMT_ME, DB_OK, ht_result(STMT_ME, 1), NULL);
	ht_call(HTTP_GET, "/api/v1/users/me", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 401);
	assert_string_equal(ht_detail(), "Could not validate credentials");
}

static void me_answers_the_user(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_ME);
	ht_user(r, CALLER_NCOLS, "7", "ada", "ada@example.com");
	ht_expect(STMT_ME, DB_OK, r, NULL);
	ht_call(HTTP_GET, "/api/v1/users/me", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 200);
	ht_user_check(ht_json(), 7, "ada", "ada@example.com");
	assert_int_equal(strncmp(ht_param(0, 0), "{\"7\",", 5), 0);
}

static void me_by_api_key_passes_its_prefix_and_hash(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_ME);
	ht_user(r, CALLER_NCOLS, "7", "ada", "ada@example.com");
	ht_expect(STMT_ME, DB_OK, r, NULL);
	const char *bearer = ht_bearer_api_key();
	ht_call(HTTP_GET, "/api/v1/users/me", NULL, bearer);
	assert_int_equal(ht_status(), 200);
	/* {NULL,NULL,NULL,NULL,"<prefix>","<sha-256 of the key>"} */
	char hash[SHA256_HEX_LEN + 1], want[160];
	crypto_sha256_hex(bearer + 7, API_KEY_LEN, hash);
	snprintf(want, sizeof want, "{NULL,NULL,NULL,NULL,\"%.*s\",\"%s\"}", API_KEY_PREFIX_LEN, bearer + 7,
	         hash);
	assert_string_equal(ht_param(0, 0), want);
}

static void me_with_database_away_is_503(void **state)
{
	(void)state;
	ht_expect(STMT_ME, DB_UNAVAILABLE, NULL, NULL);
	ht_call(HTTP_GET, "/api/v1/users/me", NULL, ht_bearer(7));
	ht_assert_503_retry();
}

/* ==== PUT /users/me ==== */

static void me_update_answers_the_user(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_ME_UPDATE);
	ht_user(r, CALLER_NCOLS, "7", "ada2", "ada@example.com");
	ht_expect(STMT_ME_UPDATE, DB_OK, r, NULL);
	ht_call(HTTP_PUT, "/api/v1/users/me", "{\"username\":\"ada2\"}", ht_bearer(7));
	assert_int_equal(ht_status(), 200);
	ht_user_check(ht_json(), 7, "ada2", "ada@example.com");
	assert_string_equal(ht_param(0, 1), "f"); /* email not given */
	assert_string_equal(ht_param(0, 3), "t"); /* username given */
	assert_string_equal(ht_param(0, 4), "ada2");
	assert_string_equal(ht_param(0, 7), "f"); /* password not given */
	assert_string_equal(ht_param(0, 9), "3"); /* the token's session */
}

static void me_update_to_taken_username_is_400(void **state)
{
	(void)state;
	ht_expect(STMT_ME_UPDATE, DB_UNIQUE, NULL, "users_username_key");
	ht_call(HTTP_PUT, "/api/v1/users/me", "{\"username\":\"bob\"}", ht_bearer(7));
	assert_int_equal(ht_status(), 400);
	assert_string_equal(ht_detail(), "Username already taken");
}

static void me_update_bad_email_checks_the_caller_then_422(void **state)
{
	(void)state;
	ht_expect(STMT_CALLER, DB_OK, as_user7(STMT_CALLER), NULL);
	ht_call(HTTP_PUT, "/api/v1/users/me", "{\"email\":\"not an address\"}", ht_bearer(7));
	assert_int_equal(ht_status(), 422);
}

static void me_update_bad_body_of_unknown_caller_is_401(void **state)
{
	(void)state;
	/* FastAPI's order: the caller is resolved before the body is judged. */
	ht_expect(STMT_CALLER, DB_OK, ht_result(STMT_CALLER, 1), NULL);
	ht_call(HTTP_PUT, "/api/v1/users/me", "{\"email\":\"not an address\"}", ht_bearer(7));
	assert_int_equal(ht_status(), 401);
}

/* ==== DELETE /users/me ==== */

static void me_delete_answers_204(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_ME_DELETE);
	ht_set(r, 0, CHANGED_COUNT, "1");
	ht_expect(STMT_ME_DELETE, DB_OK, r, NULL);
	ht_call(HTTP_DELETE, "/api/v1/users/me", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 204);
}

static void me_delete_by_api_key_is_403(void **state)
{
	(void)state;
	ht_call(HTTP_DELETE, "/api/v1/users/me", NULL, ht_bearer_api_key());
	assert_int_equal(ht_status(), 403);
	assert_string_equal(ht_detail(), "This action needs a login session, not an API key");
	assert_int_equal(ht_statements_run(), 0);
}

static void me_delete_with_outcome_unknown_is_502(void **state)
{
	(void)state;
	ht_expect(STMT_ME_DELETE, DB_UNKNOWN, NULL, NULL);
	ht_call(HTTP_DELETE, "/api/v1/users/me", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 502);
	assert_null(ht_header("Retry-After"));
}

/* ==== The admin's view: GET /users, GET and DELETE /users/{id} ==== */

static PGresult *as_admin1(enum stmt_id id)
{
	PGresult *r = ht_result(id, 1);
	ht_caller(r, "1", ROLE_ADMIN, "t");
	return r;
}

static void users_list_by_non_admin_is_403(void **state)
{
	(void)state;
	ht_expect(STMT_USERS_LIST, DB_OK, as_user7(STMT_USERS_LIST), NULL);
	ht_call(HTTP_GET, "/api/v1/users", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 403);
	assert_string_equal(ht_detail(), "Not enough permissions. Admin access required.");
}

static void users_list_answers_the_page(void **state)
{
	(void)state;
	PGresult *r = as_admin1(STMT_USERS_LIST);
	ht_user(r, CALLER_NCOLS, "7", "ada", "ada@example.com");
	ht_expect(STMT_USERS_LIST, DB_OK, r, NULL);
	ht_run(&(struct ht_request){.method = HTTP_GET,
	                            .path = "/api/v1/users",
	                            .authorization = ht_bearer(1),
	                            .query = "skip=20&limit=5"});
	assert_int_equal(ht_status(), 200);
	assert_int_equal(json_object_array_length(ht_json()), 1);
	ht_user_check(json_object_array_get_idx(ht_json(), 0), 7, "ada", "ada@example.com");
	assert_string_equal(ht_param(0, 1), "5");
	assert_string_equal(ht_param(0, 2), "20");
}

static void users_list_with_bad_limit_is_422(void **state)
{
	(void)state;
	ht_expect(STMT_CALLER, DB_OK, as_admin1(STMT_CALLER), NULL);
	ht_run(&(struct ht_request){.method = HTTP_GET,
	                            .path = "/api/v1/users",
	                            .authorization = ht_bearer(1),
	                            .query = "limit=1001"});
	assert_int_equal(ht_status(), 422);
}

static void user_get_missing_is_404(void **state)
{
	(void)state;
	ht_expect(STMT_USER_GET, DB_OK, as_admin1(STMT_USER_GET), NULL);
	ht_call(HTTP_GET, "/api/v1/users/99", NULL, ht_bearer(1));
	assert_int_equal(ht_status(), 404);
	assert_string_equal(ht_detail(), "User not found");
	assert_string_equal(ht_param(0, 1), "99");
}

static void user_get_answers_the_user(void **state)
{
	(void)state;
	PGresult *r = as_admin1(STMT_USER_GET);
	ht_user(r, CALLER_NCOLS, "7", "ada", "ada@example.com");
	ht_expect(STMT_USER_GET, DB_OK, r, NULL);
	ht_call(HTTP_GET, "/api/v1/users/7", NULL, ht_bearer(1));
	assert_int_equal(ht_status(), 200);
	ht_user_check(ht_json(), 7, "ada", "ada@example.com");
}

static void user_delete_by_non_admin_is_403(void **state)
{
	(void)state;
	PGresult *r = as_user7(STMT_USER_DELETE);
	ht_set(r, 0, CHANGED_COUNT, "0");
	ht_expect(STMT_USER_DELETE, DB_OK, r, NULL);
	ht_call(HTTP_DELETE, "/api/v1/users/8", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 403);
}

static void user_delete_answers_204_or_404(void **state)
{
	(void)state;
	PGresult *r = as_admin1(STMT_USER_DELETE);
	ht_set(r, 0, CHANGED_COUNT, "1");
	ht_expect(STMT_USER_DELETE, DB_OK, r, NULL);
	ht_call(HTTP_DELETE, "/api/v1/users/8", NULL, ht_bearer(1));
	assert_int_equal(ht_status(), 204);
	r = as_admin1(STMT_USER_DELETE);
	ht_set(r, 0, CHANGED_COUNT, "0");
	ht_expect(STMT_USER_DELETE, DB_OK, r, NULL);
	ht_call(HTTP_DELETE, "/api/v1/users/8", NULL, ht_bearer(1));
	assert_int_equal(ht_status(), 404);
	assert_string_equal(ht_detail(), "User not found");
}

/* ==== GET and PUT /users/me/preferences ==== */

/* A preferences result after the caller (PREFS_ROW). */
static PGresult *prefs_result(enum stmt_id id)
{
	PGresult *r = as_user7(id);
	ht_set(r, 0, CALLER_NCOLS + PREFS_PAGE_SIZE, "25");
	ht_set(r, 0, CALLER_NCOLS + PREFS_SORT, "-due_date");
	ht_set(r, 0, CALLER_NCOLS + PREFS_TIMEZONE, "Europe/Paris");
	ht_set(r, 0, CALLER_NCOLS + PREFS_TASK_CREATED, "t");
	ht_set(r, 0, CALLER_NCOLS + PREFS_TASK_COMPLETED, "f");
	ht_set(r, 0, CALLER_NCOLS + PREFS_DUE_SOON, "t");
	return r;
}

static void prefs_check(struct json_object *o)
{
	assert_int_equal(json_object_object_length(o), 4);
	assert_int_equal(ht_int(o, "default_page_size"), 25);
	assert_string_equal(ht_str(o, "default_sort"), "-due_date");
	assert_string_equal(ht_str(o, "timezone"), "Europe/Paris");
	struct json_object *n = ht_member(o, "notifications");
	assert_int_equal(json_object_object_length(n), 3);
	assert_true(ht_bool(n, "task_created"));
	assert_false(ht_bool(n, "task_completed"));
	assert_true(ht_bool(n, "due_soon"));
}

static void prefs_get_answers_them(void **state)
{
	(void)state;
	ht_expect(STMT_PREFS_GET, DB_OK, prefs_result(STMT_PREFS_GET), NULL);
	ht_call(HTTP_GET, "/api/v1/users/me/preferences", NULL, ht_bearer(7));
	assert_int_equal(ht_status(), 200);
	prefs_check(ht_json());
}

static void prefs_update_passes_what_is_given(void **state)
{
	(void)state;
	PGresult *r = prefs_result(STMT_PREFS_UPDATE);
	ht_set(r, 0, PREFS_TZ_OK, "t");
	ht_expect(STMT_PREFS_UPDATE, DB_OK, r, NULL);
	ht_call(HTTP_PUT, "/api/v1/users/me/preferences",
	        "{\"timezone\":\"Europe/Paris\",\"notifications\":{\"task_completed\":false}}",
	        ht_bearer(7));
	assert_int_equal(ht_status(), 200);
	prefs_check(ht_json());
	assert_string_equal(ht_param(0, 1), "f"); /* default_page_size not given */
	assert_string_equal(ht_param(0, 5), "t");
	assert_string_equal(ht_param(0, 6), "Europe/Paris");
	assert_string_equal(ht_param(0, 7), "f"); /* task_created not given */
	assert_string_equal(ht_param(0, 9), "t"); /* task_completed given: false */
	assert_string_equal(ht_param(0, 10), "f");
}

static void prefs_update_to_unknown_zone_is_422(void **state)
{
	(void)state;
	PGresult *r = prefs_result(STMT_PREFS_UPDATE);
	ht_set(r, 0, PREFS_TZ_OK, "f"); /* PostgreSQL does not know it: nothing was changed */
	ht_expect(STMT_PREFS_UPDATE, DB_OK, r, NULL);
	ht_expect(STMT_CALLER, DB_OK, as_user7(STMT_CALLER), NULL);
	ht_call(HTTP_PUT, "/api/v1/users/me/preferences", "{\"timezone\":\"Mars/Olympus\"}", ht_bearer(7));
	assert_int_equal(ht_status(), 422);
	struct json_object *first = json_object_array_get_idx(ht_member(ht_json(), "detail"), 0);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(ht_member(first, "loc"), 1)),
	                    "timezone");
}

static void prefs_update_with_unknown_field_is_422(void **state)
{
	(void)state;
	ht_expect(STMT_CALLER, DB_OK, as_user7(STMT_CALLER), NULL);
	ht_call(HTTP_PUT, "/api/v1/users/me/preferences", "{\"theme\":\"dark\"}", ht_bearer(7));
	assert_int_equal(ht_status(), 422);
}

#define T(f) cmocka_unit_test_setup_teardown(f, ht_setup, ht_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(register_answers_201_with_the_user),
		T(register_taken_email_is_400),
		T(register_taken_username_is_400),
		T(register_weak_password_is_422_without_a_statement),
		T(register_with_database_away_is_503),
		T(register_admin_when_disabled_is_403),
		T(register_admin_passes_the_admin_role),
		T(me_without_credential_is_401),
		T(me_for_deleted_user_is_401),
		T(me_answers_the_user),
		T(me_by_api_key_passes_its_prefix_and_hash),
		T(me_with_database_away_is_503),
		T(me_update_answers_the_user),
		T(me_update_to_taken_username_is_400),
		T(me_update_bad_email_checks_the_caller_then_422),
		T(me_update_bad_body_of_unknown_caller_is_401),
		T(me_delete_answers_204),
		T(me_delete_by_api_key_is_403),
		T(me_delete_with_outcome_unknown_is_502),
		T(users_list_by_non_admin_is_403),
		T(users_list_answers_the_page),
		T(users_list_with_bad_limit_is_422),
		T(user_get_missing_is_404),
		T(user_get_answers_the_user),
		T(user_delete_by_non_admin_is_403),
		T(user_delete_answers_204_or_404),
		T(prefs_get_answers_them),
		T(prefs_update_passes_what_is_given),
		T(prefs_update_to_unknown_zone_is_422),
		T(prefs_update_with_unknown_field_is_422),
	};
	return cmocka_run_group_tests(tests, ht_group_setup, NULL);
}
