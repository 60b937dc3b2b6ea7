/*
 * The task list's query string: sort, page (limit, skip or cursor) and filters, parsed
 * and validated apart from the handler (the `taskapi explain` command parses the same
 * way), and turned into the parameters of the task_list statements.
 */
#ifndef TASKAPI_TASK_QUERY_H
#define TASKAPI_TASK_QUERY_H

#include <stddef.h>

#include "arena.h"
#include "auth.h"
#include "cursor.h"
#include "db.h"
#include "problems.h"
#include "timefmt.h"
#include "words.h"

#define TASK_LIST_NPARAMS 17
#define TASK_PAGE_MAX     100

/* 1 when name is one of task_sorts. */
int task_sort_known(const char *name);
enum sort_kind task_sort_kind(const char *name);
/* Rank of a status or priority name (todo/low 0, in_progress/medium 1, completed/high 2). */
int task_rank(const char *name);

struct task_query {
	const char *sort; /* NULL: the caller's default_sort */
	long long limit;  /* 0: the caller's default_page_size */
	long long skip;
	long long owner_id; /* 0: not given */
	unsigned statuses;  /* bit per rank; 0: any */
	unsigned priorities;
	char due_before[TIME_TEXT_MAX]; /* "" when not given */
	char due_after[TIME_TEXT_MAX];
	char created_after[TIME_TEXT_MAX];
	char created_before[TIME_TEXT_MAX];
	int overdue;   /* -1 not given, else 0 or 1 */
	const char *q; /* NULL when not given */
	int has_cursor;
	struct cursor cursor;
	const char *bind; /* what a cursor of this request is bound to: caller and filters */
};

/*
 * Parses the list's parameters from the raw query string. holder names whom a cursor
 * is bound to (the caller: "user:<id>" or "key:<prefix>"). Every bad parameter adds a
 * problem with loc ["query", name]; a cursor is verified only when the rest is valid,
 * with the signing key or a previous one (keys[0] signs; a rotation keeps walks going).
 */
void task_query_parse(struct arena *a, const char *query, const char *holder, const struct jwt_key *keys,
                      int nkeys, struct task_query *tq, struct problems *p);

/*
 * The list statement for a sort (NULL: the caller's preference, tried with `id`'s), or
 * the search statement when the request has q.
 */
enum stmt_id task_list_statement(const struct task_query *tq, const char *sort);

/* Text of the statement parameters, owned by the caller. */
struct task_query_text {
	char limit[24], skip[24], owner[24], statuses[16], priorities[16], cursor_id[24];
};

/* The list statements' parameters ($1..$17) for tq; caller is the credential ($1). */
void task_query_params(const struct task_query *tq, const char *caller, struct task_query_text *t,
                       const char *params[TASK_LIST_NPARAMS]);

/* The list parameters a next page's Link carries (all but skip and cursor); NULL-ended. */
extern const char *const task_query_carried[];

#endif
