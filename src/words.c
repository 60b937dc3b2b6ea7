/* The word lists of include/words.h as arrays, and lookups in them. */
#include "words.h"

#include <stdio.h>
#include <string.h>

#define STATUS_WORD(name)     STATUS_##name,
#define PRIORITY_WORD(name)   PRIORITY_##name,
#define ROLE_WORD(name)       ROLE_##name,
#define SORT_WORD(name, kind) SORT_KEY_##name,
#define SORT_KIND(name, kind) kind,
#define SORT_BOTH(name, kind) SORT_KEY_##name, "-" SORT_KEY_##name,

const char *const task_statuses[] = {TASK_STATUS_LIST(STATUS_WORD) NULL};
#define STATUS_RANK(name) STATUS_RANK_##name,
const char *const task_status_ranks[] = {TASK_STATUS_LIST(STATUS_RANK) NULL};
const char *const task_priorities[] = {TASK_PRIORITY_LIST(PRIORITY_WORD) NULL};
#define PRIORITY_RANK(name) PRIORITY_RANK_##name,
const char *const task_priority_ranks[] = {TASK_PRIORITY_LIST(PRIORITY_RANK) NULL};
const char *const user_roles[] = {USER_ROLE_LIST(ROLE_WORD) NULL};
const char *const task_sort_keys[] = {TASK_SORT_LIST(SORT_WORD) NULL};
const enum sort_kind task_sort_kinds[] = {TASK_SORT_LIST(SORT_KIND)};
const char *const task_sorts[] = {TASK_SORT_LIST(SORT_BOTH) NULL};

int words_index(const char *const *list, const char *word)
{
	for (int i = 0; list[i]; i++)
		if (strcmp(word, list[i]) == 0)
			return i;
	return -1;
}

void words_join(const char *const *list, char *out, size_t n)
{
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; list[i]; i++) {
		const char *sep = !i ? "" : list[i + 1] ? ", " : " or ";
		int w = snprintf(out + used, n - used, "%s'%s'", sep, list[i]);
		if (w < 0 || (size_t)w >= n - used)
			break;
		used += (size_t)w;
	}
}
