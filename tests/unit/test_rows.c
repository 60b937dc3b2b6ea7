/*
 * Row layouts (include/rows.h): the SQL column lists and positions they generate, the
 * JSON written from them (results built with libpq's own PQmakeEmptyPGresult/PQsetvalue),
 * and the statements' parameter counts against their SQL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "handlers.h"

/* A one-row result of n columns; NULL values are SQL NULLs. */
static PGresult *row(int n, const char *const *values)
{
	PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	PGresAttDesc attrs[64];
	char names[64][8];
	memset(attrs, 0, sizeof attrs);
	for (int i = 0; i < n; i++) {
		snprintf(names[i], sizeof names[i], "c%d", i);
		attrs[i].name = names[i];
		attrs[i].format = 0;
		attrs[i].typlen = -1;
		attrs[i].atttypmod = -1;
	}
	assert_int_equal(PQsetResultAttrs(r, n, attrs), 1);
	for (int i = 0; i < n; i++) {
		char *v = (char *)values[i];
		assert_int_equal(PQsetvalue(r, 0, i, v, v ? (int)strlen(v) : -1), 1);
	}
	return r;
}

/* Columns at depth 0 of a SQL column list (commas inside parentheses do not count). */
static int sql_columns(const char *sql)
{
	int n = 1, depth = 0;
	for (; *sql; sql++) {
		depth += *sql == '(' ? 1 : *sql == ')' ? -1 : 0;
		n += *sql == ',' && depth == 0;
	}
	return n;
}

static void test_column_lists(void **state)
{
	(void)state;
	assert_string_equal(CALLER_COLS, "c.id, c.role, c.is_active");
	assert_string_equal(TASK_COLS("t"), "t.id, t.title, t.description, t.status, t.priority, "
	                                    "t.due_date, t.owner_id, t.created_at, t.updated_at, t.version");
	assert_int_equal(sql_columns(CALLER_COLS), CALLER_NCOLS);
	assert_int_equal(sql_columns(USER_COLS("u")), USER_NCOLS);
	assert_int_equal(sql_columns(TASK_COLS("t")), TASK_NCOLS);
	assert_int_equal(sql_columns(API_KEY_COLS("k")), API_KEY_NCOLS);
	assert_int_equal(sql_columns(NOTIF_COLS("n")), NOTIF_NCOLS);
	assert_int_equal(sql_columns(REPORT_COLS("r")), REPORT_NCOLS);
	assert_int_equal(sql_columns(PREFS_COLS), PREFS_NCOLS);
	assert_int_equal(sql_columns(ROW_SQL(LIST_HEAD_ROW, "")), LIST_TASK - CALLER_NCOLS);
	assert_int_equal(TASK_VERSION, TASK_NCOLS - 1);
	assert_int_equal(LIST_TASK, 7);
}

static void test_json_task(void **state)
{
	(void)state;
	const char *v[] = {"5",
	                   "user",
	                   "t",
	                   "7",
	                   "a \"b\"",
	                   NULL,
	                   "completed",
	                   "high",
	                   "2026-01-02 03:04:05+00",
	                   "5",
	                   "2026-01-01 00:00:00.5+00",
	                   "2026-01-01 00:00:01+00",
	                   "3"};
	PGresult *r = row(CALLER_NCOLS + TASK_NCOLS, v);
	struct buf b = {0};
	struct jsonw w;
	jsonw_start(&w, &b);
	json_task(&w, NULL, r, 0, CALLER_NCOLS);
	assert_string_equal(b.data, "{\"id\":7,\"title\":\"a \\\"b\\\"\",\"description\":null,"
	                            "\"status\":\"completed\",\"priority\":\"high\","
	                            "\"due_date\":\"2026-01-02T03:04:05Z\",\"is_completed\":true,"
	                            "\"owner_id\":5,\"created_at\":\"2026-01-01T00:00:00.5Z\","
	                            "\"updated_at\":\"2026-01-01T00:00:01Z\"}");
	buf_free(&b);
	PQclear(r);
}

static void test_json_user(void **state)
{
	(void)state;
	const char *v[] = {"1",
	                   "a@example.com",
	                   "alice",
	                   NULL,
	                   "admin",
	                   "f",
	                   "2026-01-01 00:00:00+00",
	                   "2026-01-01 00:00:00+00"};
	PGresult *r = row(USER_NCOLS, v);
	struct buf b = {0};
	struct jsonw w;
	jsonw_start(&w, &b);
	json_user(&w, NULL, r, 0, FIRST_COL);
	assert_string_equal(b.data, "{\"id\":1,\"email\":\"a@example.com\",\"username\":\"alice\","
	                            "\"full_name\":null,\"role\":\"admin\",\"is_active\":false,"
	                            "\"created_at\":\"2026-01-01T00:00:00Z\","
	                            "\"updated_at\":\"2026-01-01T00:00:00Z\"}");
	buf_free(&b);
	PQclear(r);
}

static void test_json_api_key(void **state)
{
	(void)state;
	const char *v[] = {"5", "user", "t", "2", "ci", "tak_abcd", "2026-01-01 00:00:00+00", NULL, NULL};
	PGresult *r = row(CALLER_NCOLS + API_KEY_NCOLS, v);
	struct buf b = {0};
	struct jsonw w;
	jsonw_start(&w, &b);
	json_api_key(&w, r, 0, CALLER_NCOLS, "tak_secret");
	assert_string_equal(b.data, "{\"id\":2,\"name\":\"ci\",\"prefix\":\"tak_abcd\","
	                            "\"created_at\":\"2026-01-01T00:00:00Z\",\"last_used_at\":null,"
	                            "\"expires_at\":null,\"key\":\"tak_secret\"}");
	buf_free(&b);
	PQclear(r);
}

static void test_json_notification(void **state)
{
	(void)state;
	const char *unread[] = {"9", "task_created", NULL, "T", "M", "2026-01-01 00:00:00+00", NULL};
	const char *read[] = {
		"9", "task_created", "4", "T", "M", "2026-01-01 00:00:00+00", "2026-01-02 00:00:00+00"};
	PGresult *r = row(NOTIF_NCOLS, unread);
	struct buf b = {0};
	struct jsonw w;
	jsonw_start(&w, &b);
	json_notification(&w, NULL, r, 0, FIRST_COL);
	assert_string_equal(b.data, "{\"id\":9,\"kind\":\"task_created\",\"task_id\":null,\"title\":\"T\","
	                            "\"message\":\"M\",\"created_at\":\"2026-01-01T00:00:00Z\","
	                            "\"read\":false,\"read_at\":null}");
	PQclear(r);
	r = row(NOTIF_NCOLS, read);
	buf_reset(&b);
	jsonw_start(&w, &b);
	json_notification(&w, NULL, r, 0, FIRST_COL);
	assert_string_equal(b.data, "{\"id\":9,\"kind\":\"task_created\",\"task_id\":4,\"title\":\"T\","
	                            "\"message\":\"M\",\"created_at\":\"2026-01-01T00:00:00Z\","
	                            "\"read\":true,\"read_at\":\"2026-01-02T00:00:00Z\"}");
	buf_free(&b);
	PQclear(r);
}

static void test_statement_params(void **state)
{
	(void)state;
	assert_int_equal(db_statements_check(), 0);
	assert_int_equal(db_sql_params_ok("SELECT 1", 0), 0);
	assert_int_equal(db_sql_params_ok("SELECT $1::int, $2::text, $1", 2), 0);
	assert_int_equal(db_sql_params_ok("SELECT $1", 2), -1);         /* one missing */
	assert_int_equal(db_sql_params_ok("SELECT $1, $3", 3), -1);     /* a gap */
	assert_int_equal(db_sql_params_ok("SELECT $1, $2, $3", 2), -1); /* one more */
	assert_int_equal(db_sql_params_ok("SELECT $10", 10), -1);       /* $10 is not $1 */
	const char *one[] = {"x"};
	const char *two[2] = {"x", NULL};
	assert_int_equal(DB_NPARAMS(one), 1);
	assert_int_equal(DB_NPARAMS(two), 2);
	assert_int_equal(DB_NPARAMS((const char *const[]){"x"}), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_column_lists),      cmocka_unit_test(test_json_task),
		cmocka_unit_test(test_json_user),         cmocka_unit_test(test_json_api_key),
		cmocka_unit_test(test_json_notification), cmocka_unit_test(test_statement_params),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
