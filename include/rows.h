/*
 * The result shapes the statements return (src/statements.c) and the handlers read, each
 * declared once. A row layout is an X-macro, NAME_ROW(F, X, V, a), listing its columns in
 * order: F the first, X each other one, V a JSON field computed from a column (it has no
 * column of its own). Each entry is
 *   F/X(a, NAME, SQL of the column (in terms of the alias a), JSON key, JSON type)
 *   V(a, source column's NAME, JSON key, JSON type)
 * From one layout come the SQL column list (ROW_SQL), the enum of column positions
 * (NAME = position from the row's first column, NAME_NCOLS the count) and the JSON writer
 * (src/render.c walks a table made with ROW_JSON, in the row's order).
 *
 * Adding a column: one line in its layout, at the place its JSON key goes. The SQL that
 * returns the row, the positions after it and the JSON follow; a statement whose result
 * has a layout declares its column count (statement_columns, src/statements.c),
 * checked on every run.
 */
#ifndef TASKAPI_ROWS_H
#define TASKAPI_ROWS_H

#include "words.h"

/* How a column is written as JSON. */
enum col_json {
	COL_HIDDEN,    /* not written */
	COL_INT,       /* a number, never NULL */
	COL_INT_NULL,  /* a number, or null */
	COL_TEXT,      /* a string (escaped), or null */
	COL_WORD,      /* a word of a list (include/words.h; the schema allows no other): quoted */
	COL_BOOL,      /* true/false from PostgreSQL's t/f */
	COL_TIME,      /* a timestamptz as RFC 3339 UTC, or null */
	COL_JSON,      /* JSON text as it is, never NULL */
	COL_JSON_NULL, /* JSON text as it is, or null */
	COL_IS_DONE,   /* (V) true when the column is STATUS_COMPLETED */
	COL_IS_SET,    /* (V) true when the column is not NULL */
};

/* ==== Generators ==== */

#define ROW_NONE(...)
#define ROW_SQL_FIRST_(a, name, sql, key, type) sql
#define ROW_SQL_NEXT_(a, name, sql, key, type)  ", " sql
/* The column list of layout ROW read from alias a, as one string literal. */
#define ROW_SQL(ROW, a)                         ROW(ROW_SQL_FIRST_, ROW_SQL_NEXT_, ROW_NONE, a)
#define ROW_ENUM_FIRST_(at, name, ...)          name = (at),
#define ROW_ENUM_NEXT_(at, name, ...)           name,
/* The positions of layout ROW's columns, the first at position at (then NAME_NCOLS). */
#define ROW_ENUM(ROW, at)                       ROW(ROW_ENUM_FIRST_, ROW_ENUM_NEXT_, ROW_NONE, at)

/* ==== The caller ====
 * Every statement of an authenticated route starts with the caller's columns (CALLER_CTE
 * in src/statements.c; caller_or_reply reads them); the rest of its result follows at
 * CALLER_NCOLS. */
/* clang-format off */
#define CALLER_ROW(F, X, V, a)                                  \
	F(a, CALLER_ID,     a ".id",        "id",        COL_INT)  \
	X(a, CALLER_ROLE,   a ".role",      "role",      COL_TEXT) \
	X(a, CALLER_ACTIVE, a ".is_active", "is_active", COL_BOOL)
/* clang-format on */
enum caller_col { ROW_ENUM(CALLER_ROW, 0) CALLER_NCOLS };
#define CALLER_COLS ROW_SQL(CALLER_ROW, "c")

/* ==== Resources ==== */

/* clang-format off */
#define USER_ROW(F, X, V, a)                                          \
	F(a, USER_ID,         a ".id",         "id",         COL_INT)  \
	X(a, USER_EMAIL,      a ".email",      "email",      COL_TEXT) \
	X(a, USER_USERNAME,   a ".username",   "username",   COL_TEXT) \
	X(a, USER_FULL_NAME,  a ".full_name",  "full_name",  COL_TEXT) \
	X(a, USER_ROLE,       a ".role",       "role",       COL_TEXT) \
	X(a, USER_IS_ACTIVE,  a ".is_active",  "is_active",  COL_BOOL) \
	X(a, USER_CREATED_AT, a ".created_at", "created_at", COL_TIME) \
	X(a, USER_UPDATED_AT, a ".updated_at", "updated_at", COL_TIME)

/* version is the ETag's (task_etag reads it by name); it is not in the JSON. */
#define TASK_ROW(F, X, V, a)                                             \
	F(a, TASK_ID,          a ".id",          "id",           COL_INT)    \
	X(a, TASK_TITLE,       a ".title",       "title",        COL_TEXT)   \
	X(a, TASK_DESCRIPTION, a ".description", "description",  COL_TEXT)   \
	X(a, TASK_STATUS,      a ".status",      "status",       COL_WORD)   \
	X(a, TASK_PRIORITY,    a ".priority",    "priority",     COL_WORD)   \
	X(a, TASK_DUE_DATE,    a ".due_date",    "due_date",     COL_TIME)   \
	V(a, TASK_STATUS,                        "is_completed", COL_IS_DONE) \
	X(a, TASK_OWNER_ID,    a ".owner_id",    "owner_id",     COL_INT)    \
	X(a, TASK_CREATED_AT,  a ".created_at",  "created_at",   COL_TIME)   \
	X(a, TASK_UPDATED_AT,  a ".updated_at",  "updated_at",   COL_TIME)   \
	X(a, TASK_VERSION,     a ".version",     "version",      COL_HIDDEN)

/* The secret (key) is written only right after creation: json_api_key's argument. */
#define API_KEY_ROW(F, X, V, a)                                              \
	F(a, API_KEY_ID,           a ".id",           "id",           COL_INT)  \
	X(a, API_KEY_NAME,         a ".name",         "name",         COL_TEXT) \
	X(a, API_KEY_PREFIX,       a ".prefix",       "prefix",       COL_TEXT) \
	X(a, API_KEY_CREATED_AT,   a ".created_at",   "created_at",   COL_TIME) \
	X(a, API_KEY_LAST_USED_AT, a ".last_used_at", "last_used_at", COL_TIME) \
	X(a, API_KEY_EXPIRES_AT,   a ".expires_at",   "expires_at",   COL_TIME)

#define NOTIF_ROW(F, X, V, a)                                           \
	F(a, NOTIF_ID,         a ".id",         "id",         COL_INT)      \
	X(a, NOTIF_KIND,       a ".kind",       "kind",       COL_TEXT)     \
	X(a, NOTIF_TASK_ID,    a ".task_id",    "task_id",    COL_INT_NULL) \
	X(a, NOTIF_TITLE,      a ".title",      "title",      COL_TEXT)     \
	X(a, NOTIF_MESSAGE,    a ".message",    "message",    COL_TEXT)     \
	X(a, NOTIF_CREATED_AT, a ".created_at", "created_at", COL_TIME)     \
	V(a, NOTIF_READ_AT,                     "read",       COL_IS_SET)   \
	X(a, NOTIF_READ_AT,    a ".read_at",    "read_at",    COL_TIME)

/* Written by json_report (src/handlers_reports.c): the progress object, the percentage
   and the download link are computed, so the JSON is not in column order. */
#define REPORT_ROW(F, X, V, a)                                                  \
	F(a, REPORT_ID,          a ".id",            "id",          COL_INT)       \
	X(a, REPORT_KIND,        a ".kind",          "kind",        COL_TEXT)      \
	X(a, REPORT_STATUS,      a ".status",        "status",      COL_TEXT)      \
	X(a, REPORT_FILTERS,     a ".filters::text", "filters",     COL_JSON)      \
	X(a, REPORT_ROWS_DONE,   a ".rows_done",     "rows_done",   COL_INT)       \
	X(a, REPORT_ROWS_TOTAL,  a ".rows_total",    "rows_total",  COL_INT_NULL)  \
	X(a, REPORT_BYTES,       a ".bytes",         "bytes",       COL_INT)       \
	X(a, REPORT_SUMMARY,     a ".summary::text", "summary",     COL_JSON_NULL) \
	X(a, REPORT_ERROR,       a ".error",         "error",       COL_TEXT)      \
	X(a, REPORT_CREATED_AT,  a ".created_at",    "created_at",  COL_TIME)      \
	X(a, REPORT_FINISHED_AT, a ".finished_at",   "finished_at", COL_TIME)      \
	X(a, REPORT_EXPIRES_AT,  a ".expires_at",    "expires_at",  COL_TIME)      \
	X(a, REPORT_CHUNKS,      a ".chunks",        "chunks",      COL_HIDDEN)

/* events is the JSON array of the notification kinds it takes; the secret is written only
   right after creation (json_webhook's argument). */
#define WEBHOOK_ROW(F, X, V, a)                                                                   \
	F(a, WEBHOOK_ID,          a ".id",                             "id",          COL_INT)  \
	X(a, WEBHOOK_URL,         a ".url",                            "url",         COL_TEXT) \
	X(a, WEBHOOK_EVENTS,      "array_to_json(" a ".events)::text", "events",      COL_JSON) \
	X(a, WEBHOOK_DESCRIPTION, a ".description",                    "description", COL_TEXT) \
	X(a, WEBHOOK_CREATED_AT,  a ".created_at",                     "created_at",  COL_TIME)

/* One delivery attempt; delivered is null while (or since) the attempt has no outcome. */
#define DELIVERY_ROW(F, X, V, a)                                                                  \
	F(a, DELIVERY_ID,              a ".id",              "id",              COL_INT)       \
	X(a, DELIVERY_NOTIFICATION_ID, a ".notification_id", "notification_id", COL_INT)       \
	X(a, DELIVERY_ATTEMPT,         a ".attempt",         "attempt",         COL_INT)       \
	X(a, DELIVERY_STARTED_AT,      a ".started_at",      "started_at",      COL_TIME)      \
	X(a, DELIVERY_FINISHED_AT,     a ".finished_at",     "finished_at",     COL_TIME)      \
	X(a, DELIVERY_DELIVERED,       a ".delivered::text", "delivered",       COL_JSON_NULL) \
	X(a, DELIVERY_STATUS_CODE,     a ".status_code",     "status_code",     COL_INT_NULL)  \
	X(a, DELIVERY_ERROR,           a ".error",           "error",           COL_TEXT)      \
	X(a, DELIVERY_DURATION_MS,     a ".duration_ms",     "duration_ms",     COL_INT_NULL)

/* Preferences a user has not set (the SQL and the API docs use the same values). */
#define PREF_DEFAULT_PAGE_SIZE "10"
#define PREF_DEFAULT_SORT SORT_KEY_ID
#define PREF_DEFAULT_TIMEZONE "UTC"

/* A user's preferences from alias a (user_preferences), defaults filled in. Written by
   json_prefs (src/handlers_users.c): the three notify_ columns form one object. */
#define PREFS_ROW(F, X, V, a)                                                                         \
	F(a, PREFS_PAGE_SIZE, "coalesce(" a ".default_page_size, " PREF_DEFAULT_PAGE_SIZE ")",            \
	  "default_page_size", COL_INT)                                                                   \
	X(a, PREFS_SORT, "coalesce(" a ".default_sort, '" PREF_DEFAULT_SORT "')", "default_sort", COL_TEXT) \
	X(a, PREFS_TIMEZONE, "coalesce(" a ".timezone, '" PREF_DEFAULT_TIMEZONE "')", "timezone", COL_TEXT) \
	X(a, PREFS_TASK_CREATED, "coalesce(" a ".notify_task_created, true)", "task_created", COL_BOOL)   \
	X(a, PREFS_TASK_COMPLETED, "coalesce(" a ".notify_task_completed, true)", "task_completed",       \
	  COL_BOOL)                                                                                       \
	X(a, PREFS_DUE_SOON, "coalesce(" a ".notify_due_soon, true)", "due_soon", COL_BOOL)
/* clang-format on */

enum user_col { ROW_ENUM(USER_ROW, 0) USER_NCOLS };
enum task_col { ROW_ENUM(TASK_ROW, 0) TASK_NCOLS };
enum api_key_col { ROW_ENUM(API_KEY_ROW, 0) API_KEY_NCOLS };
enum notif_col { ROW_ENUM(NOTIF_ROW, 0) NOTIF_NCOLS };
enum report_col { ROW_ENUM(REPORT_ROW, 0) REPORT_NCOLS };
enum prefs_col { ROW_ENUM(PREFS_ROW, 0) PREFS_NCOLS };
enum webhook_col { ROW_ENUM(WEBHOOK_ROW, 0) WEBHOOK_NCOLS };
enum delivery_col { ROW_ENUM(DELIVERY_ROW, 0) DELIVERY_NCOLS };

#define USER_COLS(a)     ROW_SQL(USER_ROW, a)
#define TASK_COLS(a)     ROW_SQL(TASK_ROW, a)
#define API_KEY_COLS(a)  ROW_SQL(API_KEY_ROW, a)
#define NOTIF_COLS(a)    ROW_SQL(NOTIF_ROW, a)
#define REPORT_COLS(a)   ROW_SQL(REPORT_ROW, a)
#define PREFS_COLS       ROW_SQL(PREFS_ROW, "p")
#define WEBHOOK_COLS(a)  ROW_SQL(WEBHOOK_ROW, a)
#define DELIVERY_COLS(a) ROW_SQL(DELIVERY_ROW, a)

/* ==== Statement results ====
 * Where each statement's columns are (positions in its result). A statement that returns
 * a row layout after the caller has it at CALLER_NCOLS; the others are named here, and
 * each statement's total (struct statement's ncols) is checked when it runs. */

/* task_list_* (one per sort): the caller, these, then the page's tasks (TASK_ROW), one
   more than the page size when there is a next page. */
/* clang-format off */
#define LIST_HEAD_ROW(F, X, V, a)                       \
	F(a, LIST_OK,        "c.ok",    "ok",        COL_BOOL) \
	X(a, LIST_SORT,      "c.sort",  "sort",      COL_TEXT) \
	X(a, LIST_PAGE_SIZE, "c.lim",   "page_size", COL_INT)  \
	X(a, LIST_TOTAL,     "n.total", "total",     COL_INT)
/* clang-format on */
enum list_col { ROW_ENUM(LIST_HEAD_ROW, CALLER_NCOLS) LIST_TASK, LIST_NCOLS = LIST_TASK + TASK_NCOLS };

/* task_stats: the caller, whether the caller may see them, the total, a count per status
   and per priority (in their lists' order), overdue, due in 7 days, completed in 7 days. */
enum stats_col {
	STATS_OK = CALLER_NCOLS,
	STATS_TOTAL,
	STATS_BY_STATUS,
	STATS_BY_PRIORITY = STATS_BY_STATUS + TASK_STATUS_COUNT,
	STATS_OVERDUE = STATS_BY_PRIORITY + TASK_PRIORITY_COUNT,
	STATS_DUE_SOON,
	STATS_DONE_RECENTLY,
	STATS_NCOLS
};

/* task_update: the caller, the task (NULL: unchanged), whether the task is visible. */
enum { UPDATE_VISIBLE = CALLER_NCOLS + TASK_NCOLS, UPDATE_NCOLS };
/* task_delete: the caller, the rows deleted, whether the task is visible. */
enum { DELETE_COUNT = CALLER_NCOLS, DELETE_VISIBLE, DELETE_NCOLS };
/* user_delete, me_delete, api_key_delete, notif_read_all: the caller, the rows changed. */
enum { CHANGED_COUNT = CALLER_NCOLS, CHANGED_NCOLS };
/* prefs_update: the caller, the preferences, whether the time zone is one PostgreSQL knows. */
enum { PREFS_TZ_OK = CALLER_NCOLS + PREFS_NCOLS, PREFS_UPDATE_NCOLS };
/* notif_list: the caller, the unread count, then a page of notifications (NOTIF_ROW). */
enum { NLIST_UNREAD = CALLER_NCOLS, NLIST_NOTIF, NLIST_NCOLS = NLIST_NOTIF + NOTIF_NCOLS };
/* report_create: the caller, the new report's id (NULL: refused), whether owner_id was allowed. */
enum { RCREATE_ID = CALLER_NCOLS, RCREATE_ALLOWED, RCREATE_NCOLS };
/* password_get: the caller, the username, the password hash, the seconds the account's
   logins stay throttled (NULL: not throttled). */
enum { PWGET_USERNAME = CALLER_NCOLS, PWGET_HASH, PWGET_LOCKED, PWGET_NCOLS };
/* login (no caller): the user (all NULL: no such user), its hash, the throttle's seconds. */
enum { LOGIN_ID, LOGIN_USERNAME, LOGIN_ROLE, LOGIN_ACTIVE, LOGIN_HASH, LOGIN_LOCKED, LOGIN_NCOLS };
/* refresh (no caller): the user (NULL: unknown token), the new session id (NULL: not
   rotated), how many sessions were revoked for reuse now. */
enum {
	REFRESH_ID,
	REFRESH_USERNAME,
	REFRESH_ROLE,
	REFRESH_ACTIVE,
	REFRESH_SESSION,
	REFRESH_REUSED,
	REFRESH_NCOLS
};
/* idem_begin: the key's user (CALLER_ID; 0 when anonymous) and role and is_active, whether
   the key was reserved now (1), then the existing row: same request hash, state, status, body. */
enum { IDEM_RESERVED = CALLER_NCOLS, IDEM_SAME_REQUEST, IDEM_STATE, IDEM_STATUS, IDEM_BODY, IDEM_NCOLS };
/* Results without the caller start at FIRST_COL: register's user (USER_ROW), and the
   one-column results of login_failed (failures counted), session_create (the session
   id) and report_chunk (the chunk's text). */
enum { FIRST_COL, ONLY_NCOLS };
/* webhook_deliveries: the caller, whether the webhook is the caller's, then a page of
   attempts (DELIVERY_ROW), one more than the page size when there is a next page. */
enum { DLIST_OWNED = CALLER_NCOLS, DLIST_DELIVERY, DLIST_NCOLS = DLIST_DELIVERY + DELIVERY_NCOLS };
/* metrics_counts: the users, then the tasks of each status in the order of its list. */
enum { COUNTS_USERS, COUNTS_BY_STATUS, COUNTS_NCOLS = COUNTS_BY_STATUS + TASK_STATUS_COUNT };

#endif
