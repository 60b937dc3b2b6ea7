/* The task list's query string: validation (422 problems) and statement parameters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "task_query.h"

static const unsigned char secret[] = "unit-test-secret-of-at-least-32-bytes!";
#define SECRET secret, sizeof secret - 1
static const unsigned char old_secret[] = "a-previous-secret-of-at-least-32-bytes";
/* The signing key first, then a previous one (as config.jwt_keys). */
static const struct jwt_key keys[] = {{secret, sizeof secret - 1, ""},
                                      {old_secret, sizeof old_secret - 1, ""}};

struct fixture {
	struct arena a;
	struct problems p;
	struct task_query tq;
	struct task_query_text text;
	const char *params[TASK_LIST_NPARAMS];
};

static int setup(void **state)
{
	static struct fixture f;
	memset(&f, 0, sizeof f);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	arena_free(&f->a);
	return 0;
}

static void parse(struct fixture *f, const char *query)
{
	memset(&f->p, 0, sizeof f->p);
	task_query_parse(&f->a, query, "user:7", keys, 2, &f->tq, &f->p);
	task_query_params(&f->tq, "7", &f->text, f->params);
}

/* Exactly one problem, at ["query", name]. */
static void assert_one_problem(struct fixture *f, const char *query, const char *name)
{
	parse(f, query);
	if (f->p.count != 1)
		fail_msg("%s: %d problems, expected 1 for %s", query, f->p.count, name);
	assert_string_equal(f->p.list[0].where, "query");
	assert_string_equal(f->p.list[0].field, name);
}

static void test_defaults_are_nulls(void **state)
{
	struct fixture *f = *state;
	parse(f, "");
	assert_int_equal(f->p.count, 0);
	assert_string_equal(f->params[0], "7");
	assert_null(f->params[1]); /* sort: the preference */
	assert_null(f->params[2]); /* limit: the preference */
	assert_string_equal(f->params[3], "0");
	for (int i = 4; i < TASK_LIST_NPARAMS; i++)
		if (f->params[i])
			fail_msg("parameter $%d is %s, expected NULL", i + 1, f->params[i]);
}

static void test_every_filter(void **state)
{
	struct fixture *f = *state;
	parse(
		f,
		"sort=-title&limit=25&skip=50&owner_id=3&status=completed,todo&priority=high"
		"&due_before=2030-01-01&due_after=2020-01-01T00:00:00%2B02:00&created_after=2024-05-05T10:00:00Z"
		"&created_before=2025-01-01&overdue=false&q=quarterly+report");
	assert_int_equal(f->p.count, 0);
	assert_string_equal(f->params[1], "-title");
	assert_string_equal(f->params[2], "25");
	assert_string_equal(f->params[3], "50");
	assert_string_equal(f->params[4], "3");
	assert_string_equal(f->params[5], "{0,2}");
	assert_string_equal(f->params[6], "{2}");
	assert_string_equal(f->params[7], "2030-01-01T00:00:00.000000Z");
	assert_string_equal(f->params[8], "2019-12-31T22:00:00.000000Z");
	assert_string_equal(f->params[9], "2024-05-05T10:00:00.000000Z");
	assert_string_equal(f->params[10], "2025-01-01T00:00:00.000000Z");
	assert_string_equal(f->params[11], "f");
	assert_string_equal(f->params[12], "quarterly report");
	assert_null(f->params[13]);
}

static void test_every_sort_known(void **state)
{
	struct fixture *f = *state;
	for (int i = 0; task_sorts[i]; i++) {
		char q[64];
		snprintf(q, sizeof q, "sort=%s", task_sorts[i]);
		parse(f, q);
		assert_int_equal(f->p.count, 0);
		assert_string_equal(f->params[1], task_sorts[i]);
	}
	assert_int_equal(task_sort_kind("-created_at"), SORT_TIME);
	assert_int_equal(task_sort_kind("due_date"), SORT_TIME);
	assert_int_equal(task_sort_kind("-priority"), SORT_RANK);
	assert_int_equal(task_sort_kind("status"), SORT_RANK);
	assert_int_equal(task_sort_kind("-title"), SORT_TEXT);
	assert_int_equal(task_sort_kind("-id"), SORT_ID);
}

static void test_bad_values_each_reported(void **state)
{
	struct fixture *f = *state;
	assert_one_problem(f, "sort=bogus", "sort");
	assert_one_problem(f, "sort=", "sort");
	assert_one_problem(f, "sort=--id", "sort");
	assert_one_problem(f, "status=todo,nope", "status");
	assert_one_problem(f, "status=", "status");
	assert_one_problem(f, "status=todo,", "status");
	assert_one_problem(f, "priority=HIGH", "priority");
	assert_one_problem(f, "due_before=2024-02-30", "due_before");
	assert_one_problem(f, "due_after=x", "due_after");
	assert_one_problem(f, "created_after=", "created_after");
	assert_one_problem(f, "created_before=2024-01-01T25:00", "created_before");
	assert_one_problem(f, "overdue=yes", "overdue");
	assert_one_problem(f, "q=", "q");
	assert_one_problem(f, "q=a%00b", "q");
	assert_one_problem(f, "q=%FF", "q");
	assert_one_problem(f, "owner_id=0", "owner_id");
	assert_one_problem(f, "owner_id=x", "owner_id");
	assert_one_problem(f, "limit=101", "limit");
	assert_one_problem(f, "skip=-1", "skip");
	assert_one_problem(f, "cursor=abc", "cursor");
}

static void test_bad_many_at_once(void **state)
{
	struct fixture *f = *state;
	parse(f, "sort=x&status=x&priority=x&due_before=x&due_after=x&created_after=x&created_before=x"
	         "&overdue=x&q=&owner_id=x&limit=x&skip=x");
	assert_int_equal(f->p.count, 12);
}

/* A cursor from a first page, as the handler writes it. */
static char *cursor_for(struct fixture *f, const char *query, const char *sort, long long id,
                        const char *key)
{
	parse(f, query);
	struct cursor c = {.page = 2, .id = id};
	snprintf(c.sort, sizeof c.sort, "%s", sort);
	snprintf(c.key, sizeof c.key, "%s", key);
	return cursor_encode(&f->a, &c, f->tq.bind, SECRET);
}

static void test_cursor_of_previous_key_accepted(void **state)
{
	struct fixture *f = *state;
	parse(f, "");
	struct cursor c = {.page = 2, .id = 5};
	strcpy(c.sort, "id");
	char *token = cursor_encode(&f->a, &c, f->tq.bind, old_secret, sizeof old_secret - 1);
	char q[512];
	snprintf(q, sizeof q, "cursor=%s", token);
	parse(f, q);
	assert_int_equal(f->p.count, 0);
	static const unsigned char other[] = "a-secret-no-key-of-the-ring-has-at-all";
	token = cursor_encode(&f->a, &c, f->tq.bind, other, sizeof other - 1);
	snprintf(q, sizeof q, "cursor=%s", token);
	assert_one_problem(f, q, "cursor");
}

static void test_cursor_fills_keyset(void **state)
{
	struct fixture *f = *state;
	char *token = cursor_for(f, "status=todo", "-created_at", 99, "2026-01-01 00:00:00+00");
	char q[512];
	snprintf(q, sizeof q, "status=todo&cursor=%s", token);
	parse(f, q);
	assert_int_equal(f->p.count, 0);
	assert_string_equal(f->params[1], "-created_at");
	assert_string_equal(f->params[13], "99");
	assert_string_equal(f->params[14], "2026-01-01 00:00:00+00");
	assert_null(f->params[15]);
	assert_null(f->params[16]);
	token = cursor_for(f, "", "priority", 5, "2");
	snprintf(q, sizeof q, "cursor=%s", token);
	parse(f, q);
	assert_string_equal(f->params[15], "2");
	token = cursor_for(f, "", "title", 5, "Buy milk");
	snprintf(q, sizeof q, "cursor=%s&sort=title", token);
	parse(f, q);
	assert_int_equal(f->p.count, 0);
	assert_string_equal(f->params[16], "Buy milk");
}

static void test_bad_cursor_with_other_filters_or_sort(void **state)
{
	struct fixture *f = *state;
	char *token = cursor_for(f, "status=todo&q=milk", "id", 99, "");
	char q[512];
	snprintf(q, sizeof q, "status=todo&q=milk&cursor=%s", token);
	parse(f, q);
	assert_int_equal(f->p.count, 0);
	snprintf(q, sizeof q, "q=milk&status=todo&cursor=%s", token);
	parse(f, q);
	assert_int_equal(f->p.count, 0);
	snprintf(q, sizeof q, "status=todo&q=milks&cursor=%s", token);
	assert_one_problem(f, q, "cursor");
	snprintf(q, sizeof q, "status=todo,completed&q=milk&cursor=%s", token);
	assert_one_problem(f, q, "cursor");
	snprintf(q, sizeof q, "status=todo&q=milk&overdue=false&cursor=%s", token);
	assert_one_problem(f, q, "cursor");
	snprintf(q, sizeof q, "status=todo&q=milk&sort=-id&cursor=%s", token);
	assert_one_problem(f, q, "cursor");
	snprintf(q, sizeof q, "status=todo&q=milk&skip=0&cursor=%s", token);
	assert_one_problem(f, q, "cursor");
	snprintf(q, sizeof q, "status=todo&q=milk&cursor=%s", token);
	memset(&f->p, 0, sizeof f->p);
	task_query_parse(&f->a, q, "user:8", keys, 2, &f->tq, &f->p); /* another caller */
	assert_int_equal(f->p.count, 1);
}

static void test_ranks(void **state)
{
	(void)state;
	assert_int_equal(task_rank("todo"), 0);
	assert_int_equal(task_rank("in_progress"), 1);
	assert_int_equal(task_rank("completed"), 2);
	assert_int_equal(task_rank("low"), 0);
	assert_int_equal(task_rank("medium"), 1);
	assert_int_equal(task_rank("high"), 2);
	assert_int_equal(task_rank("urgent"), -1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_defaults_are_nulls),
		T(test_every_filter),
		T(test_every_sort_known),
		T(test_bad_values_each_reported),
		T(test_bad_many_at_once),
		T(test_cursor_fills_keyset),
		T(test_bad_cursor_with_other_filters_or_sort),
		T(test_cursor_of_previous_key_accepted),
		cmocka_unit_test(test_ranks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
