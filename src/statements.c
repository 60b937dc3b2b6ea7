/*
 * Every SQL statement the server runs, prepared once per connection. Each one that
 * serves an authenticated route folds the caller check into the work (one round
 * trip): its first three columns are the caller's id, role and is_active, and its
 * only row is missing when the credential no longer authenticates anyone.
 */
#include "db.h"
#include "jobs.h"
#include "rows.h"
#include "words.h"

/* The SQL is laid out by hand, a clause per line: no reformatting. */
/* clang-format off */

/*
 * The caller, from $1, a text array built by caller_param() (src/credentials.c):
 *   access token: {user_id, jti, iat, sid, NULL, NULL}   API key: {NULL x4, prefix, sha256 hex}
 * A token with a session id counts while that session (its refresh family) is not
 * revoked; one without counts when issued after the user's sessions_valid_after
 * (logout-all, password change) and while its jti is not revoked. A key counts while it
 * exists and has not expired; its hash is compared with ct_equal (every byte).
 * Written as one index scan of users with lazily evaluated sub-selects (no UNION, no
 * correlated EXISTS): each request pays one extra index probe, not a round trip.
 */
#define CALLER_ARG(i) "($1::text[])[" #i "]"
#define CALLER_CTE                                                                                   \
	"WITH c AS (SELECT u.id, u.role, u.is_active FROM users u WHERE u.id = coalesce("              \
	CALLER_ARG(1) "::bigint, (SELECT ck.user_id FROM api_keys ck WHERE ck.prefix = " CALLER_ARG(5) \
	" AND ct_equal(ck.key_hash, decode(" CALLER_ARG(6) ", 'hex')) "                                \
	"AND (ck.expires_at IS NULL OR ck.expires_at > now()))) "                                      \
	"AND CASE WHEN " CALLER_ARG(5) " IS NOT NULL THEN true "                                       \
	"WHEN " CALLER_ARG(4) " IS NOT NULL THEN (SELECT cs.user_id FROM sessions cs "                 \
	"WHERE cs.id = " CALLER_ARG(4) "::bigint AND cs.revoked_at IS NULL) = u.id "                   \
	"ELSE to_timestamp(" CALLER_ARG(3) "::bigint) > u.sessions_valid_after AND NOT EXISTS "        \
	"(SELECT 1 FROM revoked_tokens rt WHERE rt.jti = " CALLER_ARG(2) ") END) "
#define SECONDS(p) p "::bigint * interval '1 second'"
/* Seconds an account's logins stay throttled (NULL when they are not). */
#define LOCKED_SECONDS(name)                                                                         \
	"(SELECT ceil(extract(epoch FROM f.locked_until - now()))::bigint FROM login_failures f "       \
	"WHERE f.username = lower(" name ") AND f.locked_until > now())"
#define TASK_VISIBLE "(SELECT true FROM tasks t WHERE t.id = $2::bigint AND c.is_active " \
	"AND (t.owner_id = c.id OR c.role = '" ROLE_ADMIN "'))"
/* The status after an update: status given ($7/$8), or is_completed given ($9/$10). */
#define TASK_NEW_STATUS "(CASE WHEN $7::bool THEN $8::text " \
	"WHEN $9::bool AND $10::bool THEN '" STATUS_COMPLETED "' " \
	"WHEN $9::bool AND t.status = '" STATUS_COMPLETED "' THEN '" STATUS_TODO "' ELSE t.status END)"

#define IDEM_TTL "24 hours"
#define IDEM_STALE "60 seconds"

/* ==== The task list ====
 *
 * One statement per sort key (both directions), and one for searches. A request runs
 * the statement of its sort; without a sort (and cursor) it runs the one of `id`, which
 * reads the caller's preferences in the same round trip: when the preferred sort is
 * another, it returns that sort and no page, and the handler runs that sort's statement
 * (a second round trip only for a caller who set a default_sort and sends no sort).
 * A single statement for all 14 sorts was tried: PostgreSQL initialises every branch's
 * expressions on each execution, and it cost 9 times the Part A list per call.
 * Parameters, the same for all:
 *   $1 caller  $2 sort (NULL: preference)  $3 limit (NULL: preference)  $4 skip
 *   $5 owner_id  $6 status ranks  $7 priority ranks  $8 due_before  $9 due_after
 *   $10 created_after  $11 created_before  $12 overdue  $13 q
 *   cursor: $14 id, and the key: $15 a time, $16 a rank or $17 a title
 * The CTE c settles the sort, the page size and whose tasks (target: the caller, an
 * admin's owner_id, or NULL for an admin's view of everyone). Each direction is a branch
 * gated by c (a one-time filter: the other never runs) that reads the (owner_id, key,
 * id) index from the cursor on: keyset pagination, whose cost does not depend on the
 * depth. Without a cursor the bounds fall back to the ends of the key's range. Searches
 * (q) and an admin's view of everyone in another order than id read their rows another
 * way (GIN, or the whole table) and sort them; the README says why.
 */
#define MAXID "9223372036854775807"
/* The filters on the columns of alias A; every sort index carries these columns. */
#define LIST_FILTERS(a) \
	"($6::smallint[] IS NULL OR " a ".status_rank = ANY ($6::smallint[])) " \
	"AND ($7::smallint[] IS NULL OR " a ".priority_rank = ANY ($7::smallint[])) " \
	"AND ($8::timestamptz IS NULL OR " a ".due_date < $8::timestamptz) " \
	"AND ($9::timestamptz IS NULL OR " a ".due_date > $9::timestamptz) " \
	"AND ($10::timestamptz IS NULL OR " a ".created_at > $10::timestamptz) " \
	"AND ($11::timestamptz IS NULL OR " a ".created_at < $11::timestamptz) " \
	"AND ($12::bool IS NULL OR (" a ".due_date IS NOT NULL AND " a ".due_date < now() " \
	"     AND " a ".status_rank <> " STATUS_RANK_COMPLETED ") = $12::bool)"
#define LIST_SEARCH "t.search @@ websearch_to_tsquery('english', $13::text)"
#define LIST_ROW TASK_COLS("t") ", t.status_rank, t.priority_rank"
/* A page: skip rows (offset paging; 0 after a cursor), then one more than the page size. */
#define LIST_PAGE "OFFSET c.skip LIMIT c.lim + 1"

/* An index-ordered branch: the ids of a page (alias k) in their index's order, read by
   an index-only scan (the filters' columns are in the index), then those rows. Reading
   the index alone is what makes the planner keep to it whatever the owner's size. */
#define INDEX_BRANCH(where, order) \
	"(SELECT " LIST_ROW " FROM (SELECT k.id FROM tasks k WHERE " where " AND " LIST_FILTERS("k") \
	" ORDER BY " order " " LIST_PAGE ") ids JOIN tasks t ON t.id = ids.id)"
/* A branch whose rows are read another way (alias t) and sorted. */
#define SORTED_BRANCH(where, order) \
	"(SELECT " LIST_ROW " FROM tasks t WHERE " where " AND " LIST_FILTERS("t") " ORDER BY " order \
	" " LIST_PAGE ")"

/* The caller's (or one owner's) tasks in sort S. */
#define OWNER(s) "c.sort = '" s "' AND c.target IS NOT NULL AND k.owner_id = c.target"
/* Everyone's tasks (an admin) in sort S or -S. */
#define EVERYONE(s) "c.target IS NULL AND c.sort IN ('" s "', '-" s "')"
/* Keysets on key K after the cursor ($14 and CUR), or from the end of K's range (MIN, MAX). */
#define ASC(k, cur, min) "(" k ", k.id) > (coalesce(" cur ", " min "), coalesce($14::bigint, 0))"
#define DESC(k, cur, max) "(" k ", k.id) < (coalesce(" cur ", " max "), coalesce($14::bigint, " MAXID "))"
/* The same for rows sorted after reading (alias t), in either direction. */
#define SORTED_KEYSET(s, k, cur) "($14::bigint IS NULL OR CASE WHEN c.sort = '" s "' " \
	"THEN (" k ", t.id) > (" cur ", $14::bigint) ELSE (" k ", t.id) < (" cur ", $14::bigint) END)"
/* The order of sort S on key K (of alias A's columns), ties by id the same way. */
#define KEY_ORDER(s, ka, a) \
	"CASE WHEN c.sort = '" s "' THEN " ka " END, CASE WHEN c.sort = '-" s "' THEN " ka " END DESC, " \
	"CASE WHEN c.sort = '-" s "' THEN " a ".id END DESC, " a ".id"

/* total: from task_counts when only status and priority filter (plain), else counted. */
#define COUNT_FROM_COUNTS(owner) \
	"(SELECT coalesce(sum(k.n), 0) FROM task_counts k WHERE c.plain AND " owner \
	" AND ($6::smallint[] IS NULL OR k.status_rank = ANY ($6::smallint[])) " \
	" AND ($7::smallint[] IS NULL OR k.priority_rank = ANY ($7::smallint[])))"
#define COUNT_ROWS(where) "(SELECT count(*) FROM tasks t WHERE " where " AND " LIST_FILTERS("t") ")"
#define KEY_TOTAL \
	COUNT_FROM_COUNTS("c.target IS NOT NULL AND k.owner_id = c.target") " + " \
	COUNT_FROM_COUNTS("c.target IS NULL") " + " \
	COUNT_ROWS("NOT c.plain AND c.target IS NOT NULL AND t.owner_id = c.target") " + " \
	COUNT_ROWS("NOT c.plain AND c.target IS NULL")
#define SEARCH_TOTAL \
	COUNT_ROWS("c.target IS NOT NULL AND t.owner_id = c.target AND " LIST_SEARCH) " + " \
	COUNT_ROWS("c.target IS NULL AND " LIST_SEARCH)

/* Columns (include/rows.h, enum list_col): the caller, ok (the request may see these
   tasks), sort, page size, total (LIST_HEAD_ROW), then the page's tasks (TASK_ROW), one
   more than the page size when there is a next page. Only the branch of the request's
   sort and direction returns rows. */
/* The caller (CALLER_CTE) with what the list needs of them; the query names it c. */
#define TASK_LIST_SQL(BRANCHES, TOTAL, ORDER) \
	CALLER_CTE ", l AS (SELECT c.id, c.role, c.is_active, " \
	"  c.is_active AND (c.role = '" ROLE_ADMIN "' OR $5::bigint IS NULL OR $5::bigint = c.id) AS ok, " \
	"  CASE WHEN c.role = '" ROLE_ADMIN "' THEN $5::bigint ELSE c.id END AS target, " \
	"  coalesce($2::text, p.default_sort, '" PREF_DEFAULT_SORT "') AS sort, " \
	"  coalesce($3::int, p.default_page_size, " PREF_DEFAULT_PAGE_SIZE ") AS lim, " \
	"  $4::bigint AS skip, " \
	"  ($8::timestamptz IS NULL AND $9::timestamptz IS NULL AND $10::timestamptz IS NULL " \
	"   AND $11::timestamptz IS NULL AND $12::bool IS NULL AND $13::text IS NULL) AS plain, " \
	"  $15::timestamptz AS cursor_time, $16::smallint AS cursor_rank, $17::text AS cursor_title " \
	"  FROM c LEFT JOIN user_preferences p ON p.user_id = c.id) " \
	"SELECT " CALLER_COLS ", " ROW_SQL(LIST_HEAD_ROW, "") ", " TASK_COLS("p") " FROM l c " \
	"CROSS JOIN LATERAL (SELECT CASE WHEN c.ok THEN " TOTAL " END AS total OFFSET 0) n " \
	"LEFT JOIN LATERAL (SELECT * FROM (" BRANCHES ") b WHERE c.ok " \
	"ORDER BY " ORDER("b") " LIMIT c.lim + 1) p ON true ORDER BY " ORDER("p")

/* A sort key: the index-ordered branches of one owner's tasks, both directions, and
   everyone's (by the primary key for id, else sorted). K is the key on alias k, KT the
   same on t, CUR the cursor parameter holding it, MIN and MAX the ends of its range. */
#define KEY_BRANCHES(s, K, KT, CUR, MIN, MAX) \
	INDEX_BRANCH(OWNER(s) " AND " ASC(K, CUR, MIN), K ", k.id") " UNION ALL " \
	INDEX_BRANCH(OWNER("-" s) " AND " DESC(K, CUR, MAX), K " DESC, k.id DESC") " UNION ALL " \
	SORTED_BRANCH(EVERYONE(s) " AND " SORTED_KEYSET(s, KT, CUR), KEY_ORDER(s, KT, "t"))

/* Tasks without a due date sort last both ways: the key is the due date, or +infinity
   ascending and -infinity descending (no real due date is infinite), with an index each;
   the descending branch has its own key expression. */
#define DUE_ASC(a) "coalesce(" a ".due_date, 'infinity'::timestamptz)"
#define DUE_DESC(a) "coalesce(" a ".due_date, '-infinity'::timestamptz)"

#define ID_ORDER(a) KEY_ORDER(SORT_KEY_ID, a ".id", a)
#define ID_LIST_SQL TASK_LIST_SQL( \
	INDEX_BRANCH(OWNER(SORT_KEY_ID) " AND k.id > coalesce($14::bigint, 0)", "k.id") " UNION ALL " \
	INDEX_BRANCH(OWNER("-" SORT_KEY_ID) " AND k.id < coalesce($14::bigint, " MAXID ")", "k.id DESC") " UNION ALL " \
	/* everyone's tasks (an admin): the primary key */ \
	INDEX_BRANCH("c.sort = '" SORT_KEY_ID "' AND c.target IS NULL AND k.id > coalesce($14::bigint, 0)", "k.id") \
	" UNION ALL " \
	INDEX_BRANCH("c.sort = '-" SORT_KEY_ID "' AND c.target IS NULL AND k.id < coalesce($14::bigint, " MAXID ")", \
		"k.id DESC"), KEY_TOTAL, ID_ORDER)

#define CREATED_ORDER(a) KEY_ORDER(SORT_KEY_CREATED_AT, a ".created_at", a)
#define CREATED_LIST_SQL TASK_LIST_SQL(KEY_BRANCHES(SORT_KEY_CREATED_AT, "k.created_at", "t.created_at", \
	"$15::timestamptz", "'-infinity'", "'infinity'"), KEY_TOTAL, CREATED_ORDER)
#define UPDATED_ORDER(a) KEY_ORDER(SORT_KEY_UPDATED_AT, a ".updated_at", a)
#define UPDATED_LIST_SQL TASK_LIST_SQL(KEY_BRANCHES(SORT_KEY_UPDATED_AT, "k.updated_at", "t.updated_at", \
	"$15::timestamptz", "'-infinity'", "'infinity'"), KEY_TOTAL, UPDATED_ORDER)
#define PRIORITY_ORDER(a) KEY_ORDER(SORT_KEY_PRIORITY, a ".priority_rank", a)
#define PRIORITY_LIST_SQL TASK_LIST_SQL(KEY_BRANCHES(SORT_KEY_PRIORITY, "k.priority_rank", "t.priority_rank", \
	"$16::smallint", "-1", "99"), KEY_TOTAL, PRIORITY_ORDER)
#define STATUS_ORDER(a) KEY_ORDER(SORT_KEY_STATUS, a ".status_rank", a)
#define STATUS_LIST_SQL TASK_LIST_SQL(KEY_BRANCHES(SORT_KEY_STATUS, "k.status_rank", "t.status_rank", \
	"$16::smallint", "-1", "99"), KEY_TOTAL, STATUS_ORDER)

#define DUE_ORDER(a) \
	"CASE WHEN c.sort = '" SORT_KEY_DUE_DATE "' THEN " DUE_ASC(a) " END, " \
	"CASE WHEN c.sort = '-" SORT_KEY_DUE_DATE "' THEN " DUE_DESC(a) " END DESC, " \
	"CASE WHEN c.sort = '-" SORT_KEY_DUE_DATE "' THEN " a ".id END DESC, " a ".id"
#define DUE_LIST_SQL TASK_LIST_SQL( \
	INDEX_BRANCH(OWNER(SORT_KEY_DUE_DATE) " AND " ASC(DUE_ASC("k"), "$15::timestamptz", "'-infinity'"), \
		DUE_ASC("k") ", k.id") " UNION ALL " \
	INDEX_BRANCH(OWNER("-" SORT_KEY_DUE_DATE) " AND " DESC(DUE_DESC("k"), "$15::timestamptz", "'infinity'"), \
		DUE_DESC("k") " DESC, k.id DESC") " UNION ALL " \
	SORTED_BRANCH(EVERYONE(SORT_KEY_DUE_DATE) " AND ($14::bigint IS NULL OR CASE WHEN c.sort = '" SORT_KEY_DUE_DATE "' " \
		"THEN (" DUE_ASC("t") ", t.id) > ($15::timestamptz, $14::bigint) " \
		"ELSE (" DUE_DESC("t") ", t.id) < ($15::timestamptz, $14::bigint) END)", DUE_ORDER("t")), \
	KEY_TOTAL, DUE_ORDER)

/* title: no text is greater than every title, so descending splits on the cursor. */
#define TITLE_ORDER(a) KEY_ORDER(SORT_KEY_TITLE, a ".title", a)
#define TITLE_LIST_SQL TASK_LIST_SQL( \
	INDEX_BRANCH(OWNER(SORT_KEY_TITLE) " AND " ASC("k.title", "$17::text", "''"), "k.title, k.id") \
	" UNION ALL " \
	INDEX_BRANCH(OWNER("-" SORT_KEY_TITLE) " AND $14::bigint IS NULL", "k.title DESC, k.id DESC") " UNION ALL " \
	INDEX_BRANCH(OWNER("-" SORT_KEY_TITLE) " AND (k.title, k.id) < ($17::text, $14::bigint)", \
		"k.title DESC, k.id DESC") " UNION ALL " \
	SORTED_BRANCH(EVERYONE(SORT_KEY_TITLE) " AND " SORTED_KEYSET(SORT_KEY_TITLE, "t.title", "$17::text"), \
		TITLE_ORDER("t")), KEY_TOTAL, TITLE_ORDER)

/* Searches: any sort, the matches read through GIN (owner and words) and sorted. */
#define DYN_ORDER(a) \
	"CASE WHEN c.sort = '" SORT_KEY_CREATED_AT "' THEN " a ".created_at END, " \
	"CASE WHEN c.sort = '-" SORT_KEY_CREATED_AT "' THEN " a ".created_at END DESC, " \
	"CASE WHEN c.sort = '" SORT_KEY_UPDATED_AT "' THEN " a ".updated_at END, " \
	"CASE WHEN c.sort = '-" SORT_KEY_UPDATED_AT "' THEN " a ".updated_at END DESC, " \
	"CASE WHEN c.sort = '" SORT_KEY_DUE_DATE "' THEN " DUE_ASC(a) " END, " \
	"CASE WHEN c.sort = '-" SORT_KEY_DUE_DATE "' THEN " DUE_DESC(a) " END DESC, " \
	"CASE WHEN c.sort = '" SORT_KEY_PRIORITY "' THEN " a ".priority_rank END, " \
	"CASE WHEN c.sort = '-" SORT_KEY_PRIORITY "' THEN " a ".priority_rank END DESC, " \
	"CASE WHEN c.sort = '" SORT_KEY_STATUS "' THEN " a ".status_rank END, " \
	"CASE WHEN c.sort = '-" SORT_KEY_STATUS "' THEN " a ".status_rank END DESC, " \
	"CASE WHEN c.sort = '" SORT_KEY_TITLE "' THEN " a ".title END, " \
	"CASE WHEN c.sort = '-" SORT_KEY_TITLE "' THEN " a ".title END DESC, " \
	"CASE WHEN c.sort LIKE '-%' THEN " a ".id END DESC, " a ".id"
#define DYN_PAIR(s, k, cur) \
	"WHEN '" s "' THEN (t." k ", t.id) > (" cur ", $14::bigint) " \
	"WHEN '-" s "' THEN (t." k ", t.id) < (" cur ", $14::bigint) "
#define DYN_KEYSET \
	"($14::bigint IS NULL OR CASE c.sort " \
	"WHEN '" SORT_KEY_ID "' THEN t.id > $14::bigint WHEN '-" SORT_KEY_ID "' THEN t.id < $14::bigint " \
	DYN_PAIR(SORT_KEY_CREATED_AT, "created_at", "$15::timestamptz") \
	DYN_PAIR(SORT_KEY_UPDATED_AT, "updated_at", "$15::timestamptz") \
	DYN_PAIR(SORT_KEY_PRIORITY, "priority_rank", "$16::smallint") \
	DYN_PAIR(SORT_KEY_STATUS, "status_rank", "$16::smallint") \
	DYN_PAIR(SORT_KEY_TITLE, "title", "$17::text") \
	"WHEN '" SORT_KEY_DUE_DATE "' THEN (" DUE_ASC("t") ", t.id) > ($15::timestamptz, $14::bigint) " \
	"WHEN '-" SORT_KEY_DUE_DATE "' THEN (" DUE_DESC("t") ", t.id) < ($15::timestamptz, $14::bigint) " \
	"END)"
#define SEARCH_LIST_SQL TASK_LIST_SQL( \
	SORTED_BRANCH("c.target IS NOT NULL AND t.owner_id = c.target AND " LIST_SEARCH " AND " DYN_KEYSET, \
		DYN_ORDER("t")) " UNION ALL " \
	SORTED_BRANCH("c.target IS NULL AND " LIST_SEARCH " AND " DYN_KEYSET, DYN_ORDER("t")), \
	SEARCH_TOTAL, DYN_ORDER)

/* ==== Task statistics ====
 * $1 caller, $2 owner_id (admins; NULL: the caller, or everyone for an admin). Counts by
 * status and priority from task_counts; the time-dependent ones from the partial indexes
 * on open tasks' due dates and completed tasks' completion times (a table scan for an
 * admin's figures over everyone).
 */
/* A count per word of a list (include/words.h), in its order: by_status, by_priority. */
#define COUNT_STATUS(name) ", coalesce(sum(n) FILTER (WHERE status_rank = " STATUS_RANK_##name "), 0)"
#define COUNT_PRIORITY(name) \
	", coalesce(sum(n) FILTER (WHERE priority_rank = " PRIORITY_RANK_##name "), 0)"
#define STATS_COUNTS \
	"coalesce(sum(n), 0)" TASK_STATUS_LIST(COUNT_STATUS) TASK_PRIORITY_LIST(COUNT_PRIORITY)
#define STATS_OVERDUE "t.status <> '" STATUS_COMPLETED "' AND t.due_date < now()"
#define STATS_DUE_SOON "t.status <> '" STATUS_COMPLETED "' AND t.due_date >= now() " \
	"AND t.due_date < now() + interval '7 days'"
#define STATS_DONE_RECENTLY "t.status = '" STATUS_COMPLETED "' AND t.completed_at >= now() - interval '7 days'"
#define TASK_STATS_SQL \
	CALLER_CTE ", s AS (SELECT c.id, c.role, c.is_active, " \
	"  c.is_active AND (c.role = '" ROLE_ADMIN "' OR $2::bigint IS NULL OR $2::bigint = c.id) AS ok, " \
	"  CASE WHEN c.role = '" ROLE_ADMIN "' THEN $2::bigint ELSE c.id END AS target FROM c) " \
	"SELECT " CALLER_COLS ", c.ok, k.*, r.* FROM s c " \
	"LEFT JOIN LATERAL (SELECT " STATS_COUNTS " FROM (" \
	"  SELECT status_rank, priority_rank, n FROM task_counts WHERE c.target IS NOT NULL " \
	"    AND owner_id = c.target " \
	"  UNION ALL SELECT status_rank, priority_rank, n FROM task_counts WHERE c.target IS NULL) x " \
	"  WHERE c.ok) k ON true " \
	"LEFT JOIN LATERAL (SELECT sum(o), sum(s), sum(d) FROM (" \
	"  SELECT (SELECT count(*) FROM tasks t WHERE t.owner_id = c.target AND " STATS_OVERDUE ") AS o, " \
	"    (SELECT count(*) FROM tasks t WHERE t.owner_id = c.target AND " STATS_DUE_SOON ") AS s, " \
	"    (SELECT count(*) FROM tasks t WHERE t.owner_id = c.target AND " STATS_DONE_RECENTLY ") AS d " \
	"  WHERE c.ok AND c.target IS NOT NULL " \
	"  UNION ALL SELECT count(*) FILTER (WHERE " STATS_OVERDUE "), " \
	"    count(*) FILTER (WHERE " STATS_DUE_SOON "), count(*) FILTER (WHERE " STATS_DONE_RECENTLY ") " \
	"  FROM tasks t WHERE c.ok AND c.target IS NULL) y) r ON true"

const struct statement statements[STMT_COUNT] = {
	[STMT_CALLER] = {"caller", CALLER_CTE "SELECT " CALLER_COLS " FROM c", 1, 1},

	[STMT_REGISTER] = {"register",
		"INSERT INTO users (email, username, full_name, hashed_password, role) "
		"VALUES ($1::text, $2::text, $3::text, $4::text, $5::text) RETURNING " USER_COLS("users"),
		5, 0},

	/* Always one row: the user's columns are NULL when there is no such user. */
	[STMT_LOGIN] = {"login",
		"SELECT u.id, u.username, u.role, u.is_active, u.hashed_password, " LOCKED_SECONDS("$1::text")
		" FROM (VALUES (1)) AS one LEFT JOIN users u ON lower(u.username) = lower($1::text)",
		1, 1},

	[STMT_ME] = {"me", CALLER_CTE "SELECT " CALLER_COLS ", " USER_COLS("u") " FROM c JOIN users u ON u.id = c.id",
		1, 1},

	[STMT_ME_UPDATE] = {"me_update",
		CALLER_CTE ", u AS (UPDATE users SET "
		"email = CASE WHEN $2::bool THEN $3::text ELSE email END, "
		"username = CASE WHEN $4::bool THEN $5::text ELSE username END, "
		"full_name = CASE WHEN $6::bool THEN $7::text ELSE full_name END, "
		"hashed_password = CASE WHEN $8::bool THEN $9::text ELSE hashed_password END, "
		"sessions_valid_after = CASE WHEN $8::bool THEN now() ELSE sessions_valid_after END, "
		"updated_at = now() "
		"FROM c WHERE users.id = c.id AND c.is_active RETURNING " USER_COLS("users") "), "
		/* A new password ends every other session ($10: the caller's own, if any). */
		"ps AS (UPDATE sessions SET revoked_at = now(), revoked_reason = 'password change' FROM c "
		"WHERE $8::bool AND c.is_active AND sessions.user_id = c.id AND sessions.revoked_at IS NULL "
		"AND sessions.id IS DISTINCT FROM $10::bigint) "
		"SELECT " CALLER_COLS ", u.* FROM c LEFT JOIN u ON true",
		10, 0},

	[STMT_USERS_LIST] = {"users_list",
		CALLER_CTE "SELECT " CALLER_COLS ", " USER_COLS("u") " FROM c LEFT JOIN LATERAL ("
		"SELECT * FROM users WHERE c.role = '" ROLE_ADMIN "' AND c.is_active "
		"ORDER BY id LIMIT $2::bigint OFFSET $3::bigint) u ON true ORDER BY u.id",
		3, 1},

	[STMT_USER_GET] = {"user_get",
		CALLER_CTE "SELECT " CALLER_COLS ", " USER_COLS("u") " FROM c "
		"LEFT JOIN users u ON u.id = $2::bigint AND c.role = '" ROLE_ADMIN "' AND c.is_active",
		2, 1},

	[STMT_USER_DELETE] = {"user_delete",
		CALLER_CTE ", d AS (DELETE FROM users u USING c WHERE u.id = $2::bigint "
		"AND c.role = '" ROLE_ADMIN "' AND c.is_active RETURNING u.id) "
		"SELECT " CALLER_COLS ", (SELECT count(*) FROM d) FROM c",
		2, 0},

	/* Closing one's own account: tasks, sessions, keys and preferences go with it (cascade). */
	[STMT_ME_DELETE] = {"me_delete",
		CALLER_CTE ", d AS (DELETE FROM users u USING c WHERE u.id = c.id AND c.is_active "
		"RETURNING u.id) SELECT " CALLER_COLS ", (SELECT count(*) FROM d) FROM c",
		1, 0},

	/* $7: email on (SMTP_URL set). The notification, honouring the owner's preferences,
	   and its delivery jobs commit with the task, in the same round trip. */
	[STMT_TASK_CREATE] = {"task_create",
		CALLER_CTE ", t AS (INSERT INTO tasks (title, description, status, priority, due_date, owner_id, "
		"completed_at) "
		"SELECT $2::text, $3::text, $4::text, $5::text, $6::timestamptz, c.id, "
		"CASE WHEN $4::text = '" STATUS_COMPLETED "' THEN now() END FROM c WHERE c.is_active "
		"RETURNING " TASK_COLS("tasks") "), "
		"n AS (INSERT INTO notifications (user_id, kind, task_id, title, message, event_key) "
		"SELECT t.owner_id, 'task_created', t.id, t.title, 'Task created: ' || t.title, 'created:' || t.id "
		"FROM t LEFT JOIN user_preferences p ON p.user_id = t.owner_id "
		"WHERE " NOTIFICATION_WANTED("'task_created'") " RETURNING id, user_id, kind), " DELIVERY_JOBS("$7")
		"SELECT " CALLER_COLS ", t.* FROM c LEFT JOIN t ON true",
		7, 0},

	/* The task list: one statement per sort key, and one for searches (see above). */
	[STMT_TASK_LIST] = {"task_list", ID_LIST_SQL, 17, 1},
	[STMT_TASK_LIST_CREATED] = {"task_list_created_at", CREATED_LIST_SQL, 17, 1},
	[STMT_TASK_LIST_UPDATED] = {"task_list_updated_at", UPDATED_LIST_SQL, 17, 1},
	[STMT_TASK_LIST_DUE] = {"task_list_due_date", DUE_LIST_SQL, 17, 1},
	[STMT_TASK_LIST_PRIORITY] = {"task_list_priority", PRIORITY_LIST_SQL, 17, 1},
	[STMT_TASK_LIST_STATUS] = {"task_list_status", STATUS_LIST_SQL, 17, 1},
	[STMT_TASK_LIST_TITLE] = {"task_list_title", TITLE_LIST_SQL, 17, 1},
	[STMT_TASK_LIST_SEARCH] = {"task_list_search", SEARCH_LIST_SQL, 17, 1},

	[STMT_TASK_STATS] = {"task_stats", TASK_STATS_SQL, 2, 1},

	[STMT_TASK_GET] = {"task_get",
		CALLER_CTE "SELECT " CALLER_COLS ", " TASK_COLS("t") " FROM c LEFT JOIN tasks t "
		"ON t.id = $2::bigint AND c.is_active AND (t.owner_id = c.id OR c.role = '" ROLE_ADMIN "')",
		2, 1},

	/* $15: the versions If-Match names (NULL: no condition). The condition is part of the
	   UPDATE, so of two updates of one version the second finds no row; the last column
	   says whether the task is visible at all (412 rather than 404). */
	[STMT_TASK_UPDATE] = {"task_update",
		CALLER_CTE ", u AS (UPDATE tasks t SET "
		"title = CASE WHEN $3::bool THEN $4::text ELSE t.title END, "
		"description = CASE WHEN $5::bool THEN $6::text ELSE t.description END, "
		"status = " TASK_NEW_STATUS ", "
		"completed_at = CASE WHEN " TASK_NEW_STATUS " <> '" STATUS_COMPLETED "' THEN NULL "
		"  WHEN t.status = '" STATUS_COMPLETED "' THEN coalesce(t.completed_at, now()) ELSE now() END, "
		"priority = CASE WHEN $11::bool THEN $12::text ELSE t.priority END, "
		"due_date = CASE WHEN $13::bool THEN $14::timestamptz ELSE t.due_date END, "
		"updated_at = now(), version = t.version + 1 "
		"FROM c WHERE t.id = $2::bigint AND c.is_active AND (t.owner_id = c.id OR c.role = '" ROLE_ADMIN "') "
		"AND ($15::bigint[] IS NULL OR t.version = ANY ($15::bigint[])) "
		"RETURNING " TASK_COLS("t") ", t.status = '" STATUS_COMPLETED "' AND t.completed_at = now() AS completed_now), "
		/* Notifications, committed with the change (their delivery jobs too; $16: email on):
		   the task became completed (its completed_at is this transaction's), or got a due
		   date other than the one the statement's snapshot holds (the sub-select reads the
		   row as it was before). The key names the task's new version. */
		"n AS (INSERT INTO notifications (user_id, kind, task_id, title, message, event_key) "
		"SELECT u.owner_id, e.kind, u.id, u.title, " NOTIFICATION_MESSAGE("e.kind", "u.title", "u.due_date") ", "
		"e.kind || ':' || u.id || ':' || u.version "
		"FROM u LEFT JOIN user_preferences p ON p.user_id = u.owner_id, LATERAL (VALUES "
		"(CASE WHEN u.completed_now THEN 'task_completed' END), "
		"(CASE WHEN $13::bool AND u.due_date IS NOT NULL AND u.due_date IS DISTINCT FROM "
		"  (SELECT o.due_date FROM tasks o WHERE o.id = u.id) THEN 'task_due_date_set' END)) e (kind) "
		"WHERE e.kind IS NOT NULL AND " NOTIFICATION_WANTED("e.kind") " RETURNING id, user_id, kind), "
		DELIVERY_JOBS("$16")
		"SELECT " CALLER_COLS ", " TASK_COLS("u") ", " TASK_VISIBLE " FROM c LEFT JOIN u ON true",
		16, 0},

	[STMT_TASK_DELETE] = {"task_delete",
		CALLER_CTE ", d AS (DELETE FROM tasks t USING c WHERE t.id = $2::bigint AND c.is_active "
		"AND (t.owner_id = c.id OR c.role = '" ROLE_ADMIN "') "
		"AND ($3::bigint[] IS NULL OR t.version = ANY ($3::bigint[])) RETURNING t.id) "
		"SELECT " CALLER_COLS ", (SELECT count(*) FROM d), " TASK_VISIBLE " FROM c",
		3, 0},

	/* ==== Preferences ==== */

	[STMT_PREFS_GET] = {"prefs_get",
		CALLER_CTE "SELECT " CALLER_COLS ", " PREFS_COLS " FROM c "
		"LEFT JOIN user_preferences p ON p.user_id = c.id",
		1, 1},

	/* Pairs ($2,$3) ... ($12,$13): "given" flag and value, as in task_update. The time zone
	   must be one PostgreSQL knows; when it is not, nothing is written and tz_ok is false. */
	[STMT_PREFS_UPDATE] = {"prefs_update",
		CALLER_CTE ", z AS (SELECT NOT $6::bool OR $7::text IS NULL "
		"  OR EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $7::text) AS tz_ok), "
		"p AS (INSERT INTO user_preferences AS p (user_id, default_page_size, default_sort, timezone, "
		"  notify_task_created, notify_task_completed, notify_due_soon) "
		"  SELECT c.id, $3::smallint, $5::text, $7::text, $9::bool, $11::bool, $13::bool "
		"  FROM c, z WHERE c.is_active AND z.tz_ok "
		"  ON CONFLICT (user_id) DO UPDATE SET "
		"  default_page_size = CASE WHEN $2::bool THEN EXCLUDED.default_page_size ELSE p.default_page_size END, "
		"  default_sort = CASE WHEN $4::bool THEN EXCLUDED.default_sort ELSE p.default_sort END, "
		"  timezone = CASE WHEN $6::bool THEN EXCLUDED.timezone ELSE p.timezone END, "
		"  notify_task_created = CASE WHEN $8::bool THEN EXCLUDED.notify_task_created "
		"    ELSE p.notify_task_created END, "
		"  notify_task_completed = CASE WHEN $10::bool THEN EXCLUDED.notify_task_completed "
		"    ELSE p.notify_task_completed END, "
		"  notify_due_soon = CASE WHEN $12::bool THEN EXCLUDED.notify_due_soon ELSE p.notify_due_soon END, "
		"  updated_at = now() RETURNING p.*) "
		"SELECT " CALLER_COLS ", " PREFS_COLS ", z.tz_ok FROM c CROSS JOIN z LEFT JOIN p ON true",
		13, 0},

	/* ==== Idempotency keys ==== */

	/* Reserves (user, key) for this attempt ($4) by inserting it 'in_flight', or takes over
	   a row that expired, or an in-flight one of the same request left for a minute (its
	   worker died). Otherwise returns the existing row as this statement's snapshot sees it:
	   none at all means a concurrent request just reserved it. $1 NULL is the anonymous
	   caller (user 0). The first column is the key's user. */
	[STMT_IDEM_BEGIN] = {"idem_begin",
		CALLER_CTE ", w AS (SELECT id, role, is_active FROM c "
		"  UNION ALL SELECT 0, 'user', true WHERE $1::text[] IS NULL), "
		"ins AS (INSERT INTO idempotency_keys AS k (user_id, key, request_hash, attempt, state, expires_at) "
		"  SELECT w.id, $2::text, $3::bytea, $4::text, 'in_flight', now() + interval '" IDEM_TTL "' "
		"  FROM w WHERE w.is_active "
		"  ON CONFLICT (user_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, "
		"  attempt = EXCLUDED.attempt, state = 'in_flight', status = NULL, body = NULL, "
		"  created_at = now(), expires_at = EXCLUDED.expires_at "
		"  WHERE k.expires_at <= now() OR (k.state = 'in_flight' "
		"    AND k.created_at < now() - interval '" IDEM_STALE "' AND k.request_hash = EXCLUDED.request_hash) "
		"  RETURNING 1) "
		"SELECT " CALLER_COLS ", (SELECT count(*) FROM ins), e.request_hash = $3::bytea, e.state, "
		"e.status, e.body FROM w c LEFT JOIN idempotency_keys e ON e.user_id = c.id AND e.key = $2::text "
		"AND e.expires_at > now() AND NOT EXISTS (SELECT 1 FROM ins)",
		4, 0},

	/* Stores the answer of this attempt; also removes a few expired keys (a bounded share
	   of the cleaning per request, none of it on a row another request holds). */
	[STMT_IDEM_FINISH] = {"idem_finish",
		"WITH old AS (SELECT user_id, key FROM idempotency_keys WHERE expires_at < now() "
		"  ORDER BY expires_at LIMIT 20 FOR UPDATE SKIP LOCKED), "
		"gc AS (DELETE FROM idempotency_keys k USING old WHERE k.user_id = old.user_id AND k.key = old.key) "
		"UPDATE idempotency_keys SET state = '" STATUS_COMPLETED "', status = $4::int, body = $5::text "
		"WHERE user_id = $1::bigint AND key = $2::text AND attempt = $3::text",
		5, 0},

	/* Gives the key up when the attempt failed on our side (5xx): a retry may run again. */
	[STMT_IDEM_RELEASE] = {"idem_release",
		"DELETE FROM idempotency_keys WHERE user_id = $1::bigint AND key = $2::text AND attempt = $3::text",
		3, 0},

	/* ==== Operations ==== */

	/* /health/ready: the primary answers. */
	/* Both tables answer within a short lock wait (sql/004): a locked table is not ready. */
	[STMT_READY] = {"ready", "SELECT taskapi_ready()", 0, 1},

	/* The business gauges of /metrics, read at most every TASKAPI_METRICS_REFRESH seconds per
	   host: users, then tasks by status in the order of task_statuses (from
	   task_counts, kept by the tasks' triggers: a few rows per user, not every task). */
	[STMT_METRICS_COUNTS] = {"metrics_counts",
		"SELECT (SELECT count(*) FROM users)" TASK_STATUS_LIST(COUNT_STATUS) " FROM task_counts",
		0, 1},

	/* On the replica (READ_DATABASE_URL) only: in recovery, and the replay lag in seconds,
	   0 when everything received is replayed (an idle primary is not lag). */
	[STMT_REPLICA_LAG] = {"replica_lag",
		"SELECT pg_is_in_recovery(), CASE WHEN NOT pg_is_in_recovery() THEN NULL "
		"WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
		"ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END",
		0, 1},

	/* ==== Read routing ==== */

	/* Run after a write's commit (its own implicit transaction): a position past the
	   commit record, so a replica that has replayed it sees the write. The flushed
	   position, not the inserted one: a commit is flushed before it returns (unless
	   synchronous_commit is off), and what is flushed is what the WAL senders stream at
	   once. The insert position also covers records of transactions still running,
	   which die with a primary that is killed: a token past them would be ahead of
	   every standby, and that client's reads would fail until a new primary is up. */
	[STMT_WAL_LSN] = {"wal_lsn",
		"SELECT CASE WHEN current_setting('synchronous_commit') = 'off' "
		"THEN pg_current_wal_insert_lsn() ELSE pg_current_wal_flush_lsn() END::text",
		0, 0},

	/* On the replica: lag 0 while streaming with nothing left to replay; otherwise the age
	   of the last replayed commit, an upper bound of how stale the replica's data is. */
	[STMT_REPLICA_STATUS] = {"replica_status",
		"SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, "
		"CASE WHEN pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() "
		"  AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN 0 "
		"ELSE COALESCE(extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) "
		"  * 1000, 1e9) END::float8",
		0, 1},

	/* ==== Sessions, refresh tokens, logout ==== */

	/* $1 username, $2 failures allowed, $3 window and $4 lockout in seconds. Also forgets
	   a few stale rows of other names, so the table stays small. */
	[STMT_LOGIN_FAILED] = {"login_failed",
		"WITH gf AS (DELETE FROM login_failures WHERE username IN (SELECT username FROM login_failures "
		"  WHERE window_start < now() - interval '1 day' AND coalesce(locked_until < now(), true) "
		"  AND username <> lower($1::text) LIMIT 10)) "
		"INSERT INTO login_failures AS f (username, failures, window_start, locked_until) "
		"VALUES (lower($1::text), 1, now(), CASE WHEN $2::int <= 1 THEN now() + " SECONDS("$4") " END) "
		"ON CONFLICT (username) DO UPDATE SET "
		"failures = CASE WHEN f.window_start > now() - " SECONDS("$3") " THEN f.failures + 1 ELSE 1 END, "
		"window_start = CASE WHEN f.window_start > now() - " SECONDS("$3") " THEN f.window_start ELSE now() END, "
		"locked_until = CASE WHEN (CASE WHEN f.window_start > now() - " SECONDS("$3")
		"  THEN f.failures + 1 ELSE 1 END) >= $2::int THEN now() + " SECONDS("$4") " ELSE f.locked_until END "
		"RETURNING failures",
		4, 0},

	/* A successful login: $1 user id, $2 username, $3 SHA-256 (hex) of the new refresh token,
	   $4 its lifetime, $5 the access-token lifetime (seconds). Clears the account's failures
	   and collects a little garbage of expired rows. Returns the new session id. */
	[STMT_SESSION_CREATE] = {"session_create",
		"WITH lf AS (DELETE FROM login_failures WHERE username = lower($2::text)), "
		"gs AS (DELETE FROM sessions WHERE id IN ("
		"  (SELECT id FROM sessions WHERE expires_at < now() - " SECONDS("$5") " LIMIT 50) UNION "
		"  (SELECT id FROM sessions WHERE revoked_at < now() - interval '1 day' LIMIT 50))), "
		"gt AS (DELETE FROM refresh_tokens WHERE id IN ("
		"  SELECT id FROM refresh_tokens WHERE expires_at < now() LIMIT 100)), "
		"gj AS (DELETE FROM revoked_tokens WHERE jti IN ("
		"  SELECT jti FROM revoked_tokens WHERE expires_at < now() LIMIT 100)), "
		"s AS (INSERT INTO sessions (user_id, expires_at) "
		"  SELECT id, now() + " SECONDS("$4") " FROM users WHERE id = $1::bigint RETURNING id, expires_at), "
		"r AS (INSERT INTO refresh_tokens (session_id, token_hash, expires_at) "
		"  SELECT id, decode($3::text, 'hex'), expires_at FROM s RETURNING session_id) "
		"SELECT session_id FROM r",
		5, 0},

	/* Rotation: $1 SHA-256 (hex) of the presented token, $2 of its successor, $3 lifetime.
	   The presented token's row is locked, so concurrent refreshes of one token serialize
	   and the second sees it used. A used token presented again revokes its session (the
	   whole family). One row: user id, username, role, is_active (NULL: unknown token),
	   the session id when rotated (else NULL), 1 when reuse was detected now. */
	[STMT_REFRESH] = {"refresh",
		"WITH old AS (SELECT r.id, r.session_id, r.used_at, r.expires_at, s.revoked_at, s.user_id "
		"  FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id "
		"  WHERE r.token_hash = decode($1::text, 'hex') FOR UPDATE OF r, s), "
		"u AS (SELECT users.id, users.username, users.role, users.is_active FROM users "
		"  JOIN old ON users.id = old.user_id), "
		"ok AS (SELECT old.id, old.session_id FROM old JOIN u ON u.id = old.user_id "
		"  WHERE old.used_at IS NULL AND old.revoked_at IS NULL AND old.expires_at > now() AND u.is_active), "
		"rot AS (UPDATE refresh_tokens t SET used_at = now() FROM ok WHERE t.id = ok.id RETURNING t.session_id), "
		"ext AS (UPDATE sessions s SET expires_at = now() + " SECONDS("$3") " FROM ok WHERE s.id = ok.session_id), "
		"reuse AS (UPDATE sessions s SET revoked_at = now(), revoked_reason = 'refresh token reuse' "
		"  FROM old WHERE s.id = old.session_id AND old.used_at IS NOT NULL AND s.revoked_at IS NULL "
		"  RETURNING s.id), "
		"new AS (INSERT INTO refresh_tokens (session_id, token_hash, expires_at) "
		"  SELECT session_id, decode($2::text, 'hex'), now() + " SECONDS("$3") " FROM rot RETURNING session_id) "
		"SELECT u.id, u.username, u.role, u.is_active, (SELECT session_id FROM new), "
		"(SELECT count(*) FROM reuse) FROM (VALUES (1)) AS one LEFT JOIN u ON true",
		3, 0},

	/* $2 the token's session (NULL: none), $3 its jti (NULL: none), $4 its exp. */
	[STMT_LOGOUT] = {"logout",
		CALLER_CTE ", ls AS (UPDATE sessions SET revoked_at = now(), revoked_reason = 'logout' FROM c "
		"WHERE sessions.id = $2::bigint AND sessions.user_id = c.id AND sessions.revoked_at IS NULL "
		"AND c.is_active), "
		"lj AS (INSERT INTO revoked_tokens (jti, expires_at) SELECT $3::text, to_timestamp($4::bigint) "
		"FROM c WHERE $3::text IS NOT NULL AND c.is_active ON CONFLICT (jti) DO NOTHING) "
		"SELECT " CALLER_COLS " FROM c",
		4, 0},

	[STMT_LOGOUT_ALL] = {"logout_all",
		CALLER_CTE ", ls AS (UPDATE sessions SET revoked_at = now(), revoked_reason = 'logout-all' "
		"FROM c WHERE sessions.user_id = c.id AND sessions.revoked_at IS NULL AND c.is_active), "
		"lu AS (UPDATE users SET sessions_valid_after = now() FROM c WHERE users.id = c.id AND c.is_active) "
		"SELECT " CALLER_COLS " FROM c",
		1, 0},

	/* The caller's username, password hash and login throttling, to check a current password. */
	[STMT_PASSWORD_GET] = {"password_get",
		CALLER_CTE "SELECT " CALLER_COLS ", u.username, u.hashed_password, " LOCKED_SECONDS("u.username")
		" FROM c JOIN users u ON u.id = c.id",
		1, 1},

	/* $2 the new hash, $3 the caller's session (kept; every other one ends). */
	[STMT_PASSWORD_SET] = {"password_set",
		CALLER_CTE ", pu AS (UPDATE users SET hashed_password = $2::text, sessions_valid_after = now(), "
		"updated_at = now() FROM c WHERE users.id = c.id AND c.is_active RETURNING users.username), "
		"ps AS (UPDATE sessions SET revoked_at = now(), revoked_reason = 'password change' FROM c "
		"WHERE c.is_active AND sessions.user_id = c.id AND sessions.revoked_at IS NULL "
		"AND sessions.id IS DISTINCT FROM $3::bigint), "
		"pf AS (DELETE FROM login_failures WHERE username IN (SELECT lower(username) FROM pu)) "
		"SELECT " CALLER_COLS " FROM c",
		3, 0},

	/* ==== API keys ==== */

	[STMT_API_KEY_CREATE] = {"api_key_create",
		CALLER_CTE ", k AS (INSERT INTO api_keys (user_id, name, prefix, key_hash, expires_at) "
		"SELECT c.id, $2::text, $3::text, decode($4::text, 'hex'), $5::timestamptz FROM c WHERE c.is_active "
		"RETURNING " API_KEY_COLS("api_keys") ") "
		"SELECT " CALLER_COLS ", k.* FROM c LEFT JOIN k ON true",
		5, 0},

	[STMT_API_KEY_LIST] = {"api_key_list",
		CALLER_CTE "SELECT " CALLER_COLS ", " API_KEY_COLS("k") " FROM c "
		"LEFT JOIN api_keys k ON k.user_id = c.id AND c.is_active ORDER BY k.id",
		1, 1},

	[STMT_API_KEY_DELETE] = {"api_key_delete",
		CALLER_CTE ", d AS (DELETE FROM api_keys k USING c WHERE k.id = $2::bigint AND k.user_id = c.id "
		"AND c.is_active RETURNING k.id) "
		"SELECT " CALLER_COLS ", (SELECT count(*) FROM d) FROM c",
		2, 0},

	/* After a response to a key-authenticated request: at most one write a minute per key. */
	[STMT_API_KEY_TOUCH] = {"api_key_touch",
		"UPDATE api_keys SET last_used_at = now() WHERE prefix = $1::text "
		"AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
		1, 0},

	/* ==== Notifications (recorded by the job daemons: src/work.c) ==== */
	/* $2 unread only, $3 the cursor's last id (NULL: from the newest), $4 page size + 1. */
	[STMT_NOTIF_LIST] = {"notif_list",
		CALLER_CTE ", k AS (SELECT count(*) AS unread FROM notifications u, c "
		"WHERE u.user_id = c.id AND u.read_at IS NULL) "
		"SELECT " CALLER_COLS ", k.unread, " NOTIF_COLS("n") " FROM c CROSS JOIN k "
		"LEFT JOIN LATERAL (SELECT * FROM notifications n WHERE n.user_id = c.id AND c.is_active "
		"AND (NOT $2::bool OR n.read_at IS NULL) AND n.id < coalesce($3::bigint, " MAXID ") "
		"ORDER BY n.id DESC LIMIT $4::int) n ON true ORDER BY n.id DESC",
		4, 1},
	[STMT_NOTIF_READ] = {"notif_read",
		CALLER_CTE ", u AS (UPDATE notifications n SET read_at = coalesce(n.read_at, now()) FROM c "
		"WHERE n.id = $2::bigint AND n.user_id = c.id AND c.is_active RETURNING n.*) "
		"SELECT " CALLER_COLS ", " NOTIF_COLS("u") " FROM c LEFT JOIN u ON true",
		2, 0},
	[STMT_NOTIF_READ_ALL] = {"notif_read_all",
		CALLER_CTE ", u AS (UPDATE notifications n SET read_at = now() FROM c "
		"WHERE n.user_id = c.id AND c.is_active AND n.read_at IS NULL RETURNING 1) "
		"SELECT " CALLER_COLS ", (SELECT count(*) FROM u) FROM c",
		1, 0},

	/* ==== Reports (made by the job daemons: src/work.c) ==== */
	/* $2 kind, $3 filters (canonical JSON), $4 owner_id filter: the report and its job commit
	   together; column 4 is NULL when refused, column 5 whether the owner_id was allowed. */
	[STMT_REPORT_CREATE] = {"report_create",
		CALLER_CTE ", r AS (INSERT INTO reports (owner_id, target_id, kind, filters) "
		"SELECT c.id, coalesce($4::bigint, c.id), $2::text, $3::jsonb FROM c WHERE c.is_active "
		"AND ($4::bigint IS NULL OR $4::bigint = c.id OR c.role = '" ROLE_ADMIN "') RETURNING id), "
		"j AS (INSERT INTO jobs (kind, payload) SELECT 'report', jsonb_build_object('report_id', r.id) "
		"FROM r) "
		"SELECT " CALLER_COLS ", r.id, ($4::bigint IS NULL OR $4::bigint = c.id OR c.role = '" ROLE_ADMIN "') "
		"FROM c LEFT JOIN r ON true",
		4, 0},
	/* The report if the caller made it (or is an admin) and it has not expired. On the
	   primary: the daemon writes it, and a download must find every chunk it counts. */
	[STMT_REPORT_GET] = {"report_get",
		CALLER_CTE "SELECT " CALLER_COLS ", " REPORT_COLS("r") " FROM c LEFT JOIN reports r "
		"ON r.id = $2::bigint AND c.is_active AND (r.owner_id = c.id OR c.role = '" ROLE_ADMIN "') "
		"AND r.expires_at > now()",
		2, 0},
	[STMT_REPORT_CHUNK] = {"report_chunk",
		"SELECT convert_from(data, 'UTF8') FROM report_chunks WHERE report_id = $1::bigint "
		"AND seq = $2::int",
		2, 0},

	/* /metrics: the queue by state and kind (src/jobs_metrics.c). On the primary: a
	   replica's view lags, and queue alerts must not. */
	[STMT_JOB_METRICS] = {"job_metrics",
		"SELECT 'depth', state, kind, count(*)::float8 FROM jobs GROUP BY state, kind "
		"UNION ALL SELECT 'oldest', 'queued', kind, extract(epoch FROM now() - min(run_at))::float8 "
		"FROM jobs WHERE state = 'queued' AND run_at <= now() GROUP BY kind "
		"UNION ALL SELECT 'retrying', 'queued', kind, count(*)::float8 FROM jobs "
		"WHERE state = 'queued' AND attempts > 0 GROUP BY kind "
		"UNION ALL SELECT 'finished', '', kind, count(*)::float8 FROM jobs "
		"WHERE state IN ('done', 'dead') AND finished_at > now() - interval '5 minutes' GROUP BY kind "
		"UNION ALL SELECT 'attempts', '', kind, sum(attempts)::float8 FROM jobs "
		"WHERE state IN ('done', 'dead') AND finished_at > now() - interval '5 minutes' GROUP BY kind "
		"UNION ALL SELECT q, 'done', kind, percentile_cont(p) WITHIN GROUP "
		"(ORDER BY extract(epoch FROM finished_at - started_at)) "
		"FROM jobs, (VALUES ('p50', 0.5::float8), ('p99', 0.99)) v (q, p) "
		"WHERE state = 'done' AND finished_at > now() - interval '5 minutes' GROUP BY q, p, kind",
		0, 0},

	/* ==== Webhooks (delivered by the job daemons: src/work.c) ==== */
	/* $2 url (checked by the handler), $3 events (text[]), $4 description, $5 secret, $6 the
	   most a user may have: none is added beyond it (the webhook's columns are NULL). */
	[STMT_WEBHOOK_CREATE] = {"webhook_create",
		CALLER_CTE ", n AS (SELECT count(*) AS have FROM webhooks w, c WHERE w.user_id = c.id), "
		"h AS (INSERT INTO webhooks (user_id, url, events, description, secret) "
		"SELECT c.id, $2::text, $3::text[], $4::text, $5::text FROM c, n WHERE c.is_active "
		"AND n.have < $6::int RETURNING " WEBHOOK_COLS("webhooks") ") "
		"SELECT " CALLER_COLS ", h.* FROM c LEFT JOIN h ON true",
		6, 0},
	[STMT_WEBHOOK_LIST] = {"webhook_list",
		CALLER_CTE "SELECT " CALLER_COLS ", " WEBHOOK_COLS("h") " FROM c "
		"LEFT JOIN webhooks h ON h.user_id = c.id AND c.is_active ORDER BY h.id",
		1, 1},
	/* The caller's own only: anyone else's is as absent as a missing one. */
	[STMT_WEBHOOK_GET] = {"webhook_get",
		CALLER_CTE "SELECT " CALLER_COLS ", " WEBHOOK_COLS("h") " FROM c "
		"LEFT JOIN webhooks h ON h.id = $2::bigint AND h.user_id = c.id AND c.is_active",
		2, 1},
	[STMT_WEBHOOK_DELETE] = {"webhook_delete",
		CALLER_CTE ", d AS (DELETE FROM webhooks h USING c WHERE h.id = $2::bigint AND h.user_id = c.id "
		"AND c.is_active RETURNING h.id) "
		"SELECT " CALLER_COLS ", (SELECT count(*) FROM d) FROM c",
		2, 0},
	/* $2 webhook, $3 the last id of the previous page (NULL: from the newest), $4 page size + 1;
	   DLIST_OWNED says whether the webhook is the caller's, the attempts follow, newest first. */
	[STMT_WEBHOOK_DELIVERIES] = {"webhook_deliveries",
		CALLER_CTE "SELECT " CALLER_COLS ", h.id IS NOT NULL, " DELIVERY_COLS("d") " FROM c "
		"LEFT JOIN webhooks h ON h.id = $2::bigint AND h.user_id = c.id AND c.is_active "
		"LEFT JOIN LATERAL (SELECT * FROM webhook_deliveries d WHERE d.webhook_id = h.id "
		"AND d.id < coalesce($3::bigint, " MAXID ") ORDER BY d.id DESC LIMIT $4::int) d ON true "
		"ORDER BY d.id DESC",
		4, 1},
};

/* The columns of each statement's result (include/rows.h), checked on every run (db.c);
   a statement left out is not checked. */
const int statement_columns[STMT_COUNT] = {
	[STMT_CALLER] = CALLER_NCOLS,
	[STMT_REGISTER] = USER_NCOLS,
	[STMT_LOGIN] = LOGIN_NCOLS,
	[STMT_ME] = CALLER_NCOLS + USER_NCOLS,
	[STMT_ME_UPDATE] = CALLER_NCOLS + USER_NCOLS,
	[STMT_USERS_LIST] = CALLER_NCOLS + USER_NCOLS,
	[STMT_USER_GET] = CALLER_NCOLS + USER_NCOLS,
	[STMT_USER_DELETE] = CHANGED_NCOLS,
	[STMT_ME_DELETE] = CHANGED_NCOLS,
	[STMT_TASK_CREATE] = CALLER_NCOLS + TASK_NCOLS,
	[STMT_TASK_LIST] = LIST_NCOLS,
	[STMT_TASK_LIST_CREATED] = LIST_NCOLS,
	[STMT_TASK_LIST_UPDATED] = LIST_NCOLS,
	[STMT_TASK_LIST_DUE] = LIST_NCOLS,
	[STMT_TASK_LIST_PRIORITY] = LIST_NCOLS,
	[STMT_TASK_LIST_STATUS] = LIST_NCOLS,
	[STMT_TASK_LIST_TITLE] = LIST_NCOLS,
	[STMT_TASK_LIST_SEARCH] = LIST_NCOLS,
	[STMT_TASK_STATS] = STATS_NCOLS,
	[STMT_TASK_GET] = CALLER_NCOLS + TASK_NCOLS,
	[STMT_TASK_UPDATE] = UPDATE_NCOLS,
	[STMT_TASK_DELETE] = DELETE_NCOLS,
	[STMT_PREFS_GET] = CALLER_NCOLS + PREFS_NCOLS,
	[STMT_PREFS_UPDATE] = PREFS_UPDATE_NCOLS,
	[STMT_IDEM_BEGIN] = IDEM_NCOLS,
	[STMT_METRICS_COUNTS] = COUNTS_NCOLS,
	[STMT_LOGIN_FAILED] = ONLY_NCOLS,
	[STMT_SESSION_CREATE] = ONLY_NCOLS,
	[STMT_REFRESH] = REFRESH_NCOLS,
	[STMT_LOGOUT] = CALLER_NCOLS,
	[STMT_LOGOUT_ALL] = CALLER_NCOLS,
	[STMT_PASSWORD_GET] = PWGET_NCOLS,
	[STMT_PASSWORD_SET] = CALLER_NCOLS,
	[STMT_API_KEY_CREATE] = CALLER_NCOLS + API_KEY_NCOLS,
	[STMT_API_KEY_LIST] = CALLER_NCOLS + API_KEY_NCOLS,
	[STMT_API_KEY_DELETE] = CHANGED_NCOLS,
	[STMT_NOTIF_LIST] = NLIST_NCOLS,
	[STMT_NOTIF_READ] = CALLER_NCOLS + NOTIF_NCOLS,
	[STMT_NOTIF_READ_ALL] = CHANGED_NCOLS,
	[STMT_REPORT_CREATE] = RCREATE_NCOLS,
	[STMT_REPORT_GET] = CALLER_NCOLS + REPORT_NCOLS,
	[STMT_REPORT_CHUNK] = ONLY_NCOLS,
	[STMT_WEBHOOK_CREATE] = CALLER_NCOLS + WEBHOOK_NCOLS,
	[STMT_WEBHOOK_LIST] = CALLER_NCOLS + WEBHOOK_NCOLS,
	[STMT_WEBHOOK_GET] = CALLER_NCOLS + WEBHOOK_NCOLS,
	[STMT_WEBHOOK_DELETE] = CHANGED_NCOLS,
	[STMT_WEBHOOK_DELIVERIES] = DLIST_NCOLS,
};
/* clang-format on */
