/*
 * The API's word lists, each spelled once: task statuses, priorities, sort keys and user
 * roles. A list is an X-macro in rank order (the rank is what sql/002 stores as
 * status_rank/priority_rank and what cursors carry); validation, SQL text, statistics,
 * metrics and cursors expand it. tests/unit/test_words.c checks sql/ against these lists:
 * a word added here needs a migration that adds it to the CHECK constraints and ranks.
 */
#ifndef TASKAPI_WORDS_H
#define TASKAPI_WORDS_H

#include <stddef.h>

/* X(NAME): the word is STATUS_<NAME>, its rank (as SQL text) STATUS_RANK_<NAME>, which is
   its position in the list (test_words checks it). */
#define TASK_STATUS_LIST(X)     X(TODO) X(IN_PROGRESS) X(COMPLETED)
#define STATUS_TODO             "todo"
#define STATUS_IN_PROGRESS      "in_progress"
#define STATUS_COMPLETED        "completed"
#define STATUS_RANK_TODO        "0"
#define STATUS_RANK_IN_PROGRESS "1"
#define STATUS_RANK_COMPLETED   "2"

#define TASK_PRIORITY_LIST(X) X(LOW) X(MEDIUM) X(HIGH)
#define PRIORITY_LOW          "low"
#define PRIORITY_MEDIUM       "medium"
#define PRIORITY_HIGH         "high"
#define PRIORITY_RANK_LOW     "0"
#define PRIORITY_RANK_MEDIUM  "1"
#define PRIORITY_RANK_HIGH    "2"

#define ROLE_USER         "user"
#define ROLE_ADMIN        "admin"
#define USER_ROLE_LIST(X) X(USER) X(ADMIN)

/* Sort keys (each also descending, with a leading '-'), in the order of their list
   statements (STMT_TASK_LIST + index, include/db.h), with the kind of their cursor key. */
#define SORT_KEY_ID         "id"
#define SORT_KEY_CREATED_AT "created_at"
#define SORT_KEY_UPDATED_AT "updated_at"
#define SORT_KEY_DUE_DATE   "due_date"
#define SORT_KEY_PRIORITY   "priority"
#define SORT_KEY_STATUS     "status"
#define SORT_KEY_TITLE      "title"
#define TASK_SORT_LIST(X)                                                                               \
	X(ID, SORT_ID)                                                                                      \
	X(CREATED_AT, SORT_TIME)                                                                            \
	X(UPDATED_AT, SORT_TIME)                                                                            \
	X(DUE_DATE, SORT_TIME) X(PRIORITY, SORT_RANK) X(STATUS, SORT_RANK) X(TITLE, SORT_TEXT)

/* Positions in the lists (the ranks): STATUS_IDX_TODO, PRIORITY_IDX_HIGH, SORT_IDX_TITLE... */
#define WORDS_STATUS_IDX_(name)    STATUS_IDX_##name,
#define WORDS_PRIORITY_IDX_(name)  PRIORITY_IDX_##name,
#define WORDS_ROLE_IDX_(name)      ROLE_IDX_##name,
#define WORDS_SORT_IDX_(name, ...) SORT_IDX_##name,
enum task_status { TASK_STATUS_LIST(WORDS_STATUS_IDX_) TASK_STATUS_COUNT };
enum task_priority { TASK_PRIORITY_LIST(WORDS_PRIORITY_IDX_) TASK_PRIORITY_COUNT };
enum user_role { USER_ROLE_LIST(WORDS_ROLE_IDX_) USER_ROLE_COUNT };
enum task_sort_key { TASK_SORT_LIST(WORDS_SORT_IDX_) TASK_SORT_KEY_COUNT };

/* How a cursor carries a sort's key ($15 time, $16 rank, $17 text of the list statements). */
enum sort_kind { SORT_ID, SORT_TIME, SORT_RANK, SORT_TEXT };

/* The lists as NULL-terminated arrays of words, in rank order (field choices). */
extern const char *const task_statuses[TASK_STATUS_COUNT + 1];
extern const char *const task_priorities[TASK_PRIORITY_COUNT + 1];
extern const char *const user_roles[USER_ROLE_COUNT + 1];
/* The ranks as text ("0", "1", ...): what cursors carry and status_rank holds. */
extern const char *const task_status_ranks[TASK_STATUS_COUNT + 1];
extern const char *const task_priority_ranks[TASK_PRIORITY_COUNT + 1];
extern const char *const task_sort_keys[TASK_SORT_KEY_COUNT + 1];
extern const enum sort_kind task_sort_kinds[TASK_SORT_KEY_COUNT];
/* Every sort: "id", "-id", "created_at", "-created_at", ..., NULL. */
extern const char *const task_sorts[2 * TASK_SORT_KEY_COUNT + 1];

/* Index of word in list (NULL-terminated), -1 when it is not there. */
int words_index(const char *const *list, const char *word);
/* The list as "'a', 'b' or 'c'" into out (truncated to fit n bytes), for messages. */
void words_join(const char *const *list, char *out, size_t n);

#endif
