/* The task list's query parameters: validation and statement parameters. */
#include "task_query.h"

#include <stdio.h>
#include <string.h>

#include "jsonv.h"
#include "query.h"
#include "utf8.h"
#include "words.h"

#define Q_MAX_CHARS 200

int task_sort_known(const char *name)
{
	return words_index(task_sorts, name) >= 0;
}

enum sort_kind task_sort_kind(const char *name)
{
	int key = words_index(task_sort_keys, name[0] == '-' ? name + 1 : name);
	return key < 0 ? SORT_ID : task_sort_kinds[key];
}

int task_rank(const char *name)
{
	int rank = words_index(task_statuses, name);
	return rank >= 0 ? rank : words_index(task_priorities, name);
}

/* ==== Parsing ==== */

/* A comma list of choices ("todo,completed") as a bit per choice; adds a problem if bad. */
static unsigned choice_list(const char *v, const char *const *choices, const char *name,
                            struct problems *p)
{
	unsigned mask = 0;
	const char *s = v;
	for (;;) {
		size_t len = strcspn(s, ",");
		int found = -1;
		for (int i = 0; choices[i]; i++)
			if (strlen(choices[i]) == len && strncmp(s, choices[i], len) == 0)
				found = i;
		if (found < 0) {
			char expected[120];
			words_join(choices, expected, sizeof expected);
			problems_add(p, "query", name, "enum",
			             "Input should be %s (or a comma-separated list of them)", expected);
			return 0;
		}
		mask |= 1u << found;
		if (!s[len])
			return mask;
		s += len + 1;
	}
}

const char *const task_query_carried[] = {"limit",          "sort",      "status",   "priority",
                                          "due_before",     "due_after", "overdue",  "created_after",
                                          "created_before", "q",         "owner_id", NULL};

static void time_param(struct arena *a, const char *query, const char *name, char out[TIME_TEXT_MAX],
                       struct problems *p)
{
	const char *v = query_get(a, query, name);
	out[0] = '\0';
	if (v && time_parse(v, strlen(v), out) != 0) {
		out[0] = '\0';
		problems_add(p, "query", name, "datetime_parsing", "Input should be a valid datetime");
	}
}

static int bool_param(struct arena *a, const char *query, const char *name, struct problems *p)
{
	const char *v = query_get(a, query, name);
	if (!v)
		return -1;
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
		return 1;
	if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
		return 0;
	problems_add(p, "query", name, "bool_parsing",
	             "Input should be a valid boolean, unable to interpret input");
	return -1;
}

static const char *search_param(struct arena *a, const char *query, struct problems *p)
{
	const char *v = query_get(a, query, "q");
	if (!v)
		return NULL;
	size_t n = strlen(v);
	/* query_decode turns %00 into 0x01: no control characters in a search either. */
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)v[i] < 0x20) {
			problems_add(p, "query", "q", "string_type", "String should not contain control characters");
			return NULL;
		}
	}
	if (!utf8_valid(v, n)) {
		problems_add(p, "query", "q", "string_unicode", "Input should be a valid string, invalid UTF-8");
		return NULL;
	}
	size_t chars = utf8_length(v, n);
	if (chars < 1) {
		problems_add(p, "query", "q", "string_too_short", "String should have at least 1 character");
		return NULL;
	}
	if (chars > Q_MAX_CHARS) {
		problems_add(p, "query", "q", "string_too_long", "String should have at most %d characters",
		             Q_MAX_CHARS);
		return NULL;
	}
	return v;
}

/* The filters a cursor is bound to, in one canonical spelling. */
static const char *bind_text(struct arena *a, const struct task_query *tq, const char *holder)
{
	size_t qlen = tq->q ? strlen(tq->q) : 0;
	size_t n = 256 + 4 * TIME_TEXT_MAX + qlen;
	char *out = arena_alloc(a, n);
	snprintf(out, n, "u=%s;o=%lld;s=%u;p=%u;db=%s;da=%s;ca=%s;cb=%s;od=%d;q=%zu:%s", holder,
	         tq->owner_id, tq->statuses, tq->priorities, tq->due_before, tq->due_after,
	         tq->created_after, tq->created_before, tq->overdue, tq->q ? qlen : 0, tq->q ? tq->q : "");
	return out;
}

/* The cursor verified with any key of the ring; 0 when one of them signed it. */
static int cursor_verify(const char *token, const char *bind, const struct jwt_key *keys, int nkeys,
                         struct cursor *out)
{
	for (int i = 0; i < nkeys; i++)
		if (cursor_decode(token, bind, keys[i].secret, keys[i].len, out) == 0)
			return 0;
	return -1;
}

void task_query_parse(struct arena *a, const char *query, const char *holder, const struct jwt_key *keys,
                      int nkeys, struct task_query *tq, struct problems *p)
{
	memset(tq, 0, sizeof *tq);
	int before = p->count;
	tq->skip = query_get_int(a, query, "skip", 0, 0, 1LL << 53, p);
	tq->limit = query_get_int(a, query, "limit", 0, 1, TASK_PAGE_MAX, p);
	tq->owner_id = query_get_int(a, query, "owner_id", 0, 1, 1LL << 62, p);
	const char *v = query_get(a, query, "sort");
	if (v && !task_sort_known(v))
		problems_add(p, "query", "sort", "enum",
		             "Input should be one of id, created_at, updated_at, due_date, priority, status, "
		             "title, each optionally with a leading '-' for descending order");
	else
		tq->sort = v;
	if ((v = query_get(a, query, "status")))
		tq->statuses = choice_list(v, task_statuses, "status", p);
	if ((v = query_get(a, query, "priority")))
		tq->priorities = choice_list(v, task_priorities, "priority", p);
	time_param(a, query, "due_before", tq->due_before, p);
	time_param(a, query, "due_after", tq->due_after, p);
	time_param(a, query, "created_after", tq->created_after, p);
	time_param(a, query, "created_before", tq->created_before, p);
	tq->overdue = bool_param(a, query, "overdue", p);
	tq->q = search_param(a, query, p);
	tq->bind = bind_text(a, tq, holder);

	const char *token = query_get(a, query, "cursor");
	if (!token)
		return;
	if (query_get(a, query, "skip")) {
		problems_add(p, "query", "cursor", "value_error",
		             "Value error, cursor and skip cannot be used together");
		return;
	}
	if (p->count > before)
		return; /* the cursor is checked against valid filters only */
	if (cursor_verify(token, tq->bind, keys, nkeys, &tq->cursor) != 0 ||
	    !task_sort_known(tq->cursor.sort) || (tq->sort && strcmp(tq->sort, tq->cursor.sort) != 0)) {
		problems_add(p, "query", "cursor", "value_error",
		             "Value error, invalid cursor: it was altered, or the sort or filters differ "
		             "from the request that returned it");
		return;
	}
	tq->has_cursor = 1;
	tq->sort = tq->cursor.sort;
}

/* ==== Statement parameters ==== */

enum stmt_id task_list_statement(const struct task_query *tq, const char *sort)
{
	/* The statements after STMT_TASK_LIST are in the order of task_sort_keys. */
	_Static_assert(STMT_TASK_LIST + TASK_SORT_KEY_COUNT == STMT_TASK_LIST_SEARCH,
	               "one list statement per sort key, in the order of TASK_SORT_LIST");
	if (tq->q)
		return STMT_TASK_LIST_SEARCH;
	if (!sort)
		return STMT_TASK_LIST;
	int key = words_index(task_sort_keys, sort[0] == '-' ? sort + 1 : sort);
	return key < 0 ? STMT_TASK_LIST : (enum stmt_id)(STMT_TASK_LIST + key);
}

/* A PostgreSQL smallint[] literal of the set bits ("{0,2}"); NULL for no filter. Ranks are
   single digits (a word list has at most a handful of words). */
static const char *rank_array(unsigned mask, char out[16])
{
	if (!mask)
		return NULL;
	size_t n = 0;
	out[n++] = '{';
	for (int i = 0; mask >> i; i++) {
		if (!(mask & (1u << i)))
			continue;
		if (n > 1)
			out[n++] = ',';
		out[n++] = (char)('0' + i);
	}
	out[n++] = '}';
	out[n] = '\0';
	return out;
}

static const char *time_or_null(const char *t)
{
	return t[0] ? t : NULL;
}

void task_query_params(const struct task_query *tq, const char *caller, struct task_query_text *t,
                       const char *params[TASK_LIST_NPARAMS])
{
	memset(params, 0, sizeof(const char *) * TASK_LIST_NPARAMS);
	params[0] = caller;
	params[1] = tq->sort;
	if (tq->limit) {
		snprintf(t->limit, sizeof t->limit, "%lld", tq->limit);
		params[2] = t->limit;
	}
	snprintf(t->skip, sizeof t->skip, "%lld", tq->skip);
	params[3] = t->skip;
	if (tq->owner_id) {
		snprintf(t->owner, sizeof t->owner, "%lld", tq->owner_id);
		params[4] = t->owner;
	}
	params[5] = rank_array(tq->statuses, t->statuses);
	params[6] = rank_array(tq->priorities, t->priorities);
	params[7] = time_or_null(tq->due_before);
	params[8] = time_or_null(tq->due_after);
	params[9] = time_or_null(tq->created_after);
	params[10] = time_or_null(tq->created_before);
	params[11] = tq->overdue < 0 ? NULL : tq->overdue ? "t" : "f";
	params[12] = tq->q;
	if (!tq->has_cursor)
		return;
	snprintf(t->cursor_id, sizeof t->cursor_id, "%lld", tq->cursor.id);
	params[13] = t->cursor_id;
	switch (task_sort_kind(tq->cursor.sort)) {
	case SORT_TIME: params[14] = tq->cursor.key; break;
	case SORT_RANK: params[15] = tq->cursor.key; break;
	case SORT_TEXT: params[16] = tq->cursor.key; break;
	case SORT_ID: break;
	}
}
