/*
 * The word lists (include/words.h) against the schema: every migration in sql/ together
 * must spell each list's CHECK constraint and rank expression exactly as the list does,
 * so a word added in C without a migration (or the reverse) fails here. Run from the
 * repository root (make test and make check do).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>

#include "buf.h"
#include "task_query.h"
#include "words.h"

/* Every sql/NNN_*.sql file, concatenated (their order does not matter here). */
static int load_schema(void **state)
{
	static struct buf all;
	DIR *d = opendir("sql");
	if (!d)
		return -1;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n < 5 || strcmp(e->d_name + n - 4, ".sql") != 0)
			continue;
		char path[512];
		snprintf(path, sizeof path, "sql/%s", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		char chunk[4096];
		size_t got;
		while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
			buf_append(&all, chunk, got);
		fclose(f);
	}
	closedir(d);
	*state = all.data;
	return all.len ? 0 : -1;
}

/* "column IN ('a', 'b', 'c')" */
static void check_in_list(const char *schema, const char *column, const char *const *list)
{
	struct buf want = {0};
	buf_cat(&want, column, " IN (", NULL);
	for (int i = 0; list[i]; i++)
		buf_cat(&want, i ? ", '" : "'", list[i], "'", NULL);
	buf_putc(&want, ')');
	if (!strstr(schema, want.data))
		fail_msg("sql/ has no \"%s\": the CHECK constraint and the list differ", want.data);
	buf_free(&want);
}

/* "CASE column WHEN 'a' THEN 0 WHEN 'b' THEN 1 ELSE 2 END": the generated rank column. */
static void check_rank_case(const char *schema, const char *column, const char *const *list,
                            const char *const *ranks)
{
	struct buf want = {0};
	buf_cat(&want, "CASE ", column, NULL);
	int i;
	for (i = 0; list[i + 1]; i++)
		buf_cat(&want, " WHEN '", list[i], "' THEN ", ranks[i], NULL);
	buf_cat(&want, " ELSE ", ranks[i], " END", NULL);
	if (!strstr(schema, want.data))
		fail_msg("sql/ has no \"%s\": the rank column and the list differ", want.data);
	buf_free(&want);
}

static void test_schema_checks_match_the_lists(void **state)
{
	check_in_list(*state, "status", task_statuses);
	check_in_list(*state, "priority", task_priorities);
	check_in_list(*state, "role", user_roles);
}

static void test_schema_ranks_match_the_lists(void **state)
{
	check_rank_case(*state, "status", task_statuses, task_status_ranks);
	check_rank_case(*state, "priority", task_priorities, task_priority_ranks);
}

static void test_rank_is_the_position(void **state)
{
	(void)state;
	for (int i = 0; task_statuses[i]; i++)
		assert_int_equal(atoi(task_status_ranks[i]), i);
	for (int i = 0; task_priorities[i]; i++)
		assert_int_equal(atoi(task_priority_ranks[i]), i);
	assert_null(task_status_ranks[TASK_STATUS_COUNT]);
	assert_int_equal(task_rank(STATUS_COMPLETED), STATUS_IDX_COMPLETED);
	assert_int_equal(task_rank(PRIORITY_HIGH), PRIORITY_IDX_HIGH);
}

static void test_every_sort_both_ways(void **state)
{
	(void)state;
	for (int i = 0; task_sort_keys[i]; i++) {
		char desc[32];
		snprintf(desc, sizeof desc, "-%s", task_sort_keys[i]);
		assert_string_equal(task_sorts[2 * i], task_sort_keys[i]);
		assert_string_equal(task_sorts[2 * i + 1], desc);
		assert_int_equal(task_sort_kind(desc), task_sort_kinds[i]);
	}
	assert_null(task_sorts[2 * TASK_SORT_KEY_COUNT]);
}

static void test_join_for_messages(void **state)
{
	(void)state;
	char out[120];
	words_join(task_statuses, out, sizeof out);
	assert_string_equal(out, "'todo', 'in_progress' or 'completed'");
	words_join(user_roles, out, sizeof out);
	assert_string_equal(out, "'user' or 'admin'");
	char small[8];
	words_join(task_statuses, small, sizeof small); /* truncated, still terminated */
	assert_true(strlen(small) < sizeof small);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema_checks_match_the_lists),
		cmocka_unit_test(test_schema_ranks_match_the_lists),
		cmocka_unit_test(test_rank_is_the_position),
		cmocka_unit_test(test_every_sort_both_ways),
		cmocka_unit_test(test_join_for_messages),
	};
	return cmocka_run_group_tests(tests, load_schema, NULL);
}
