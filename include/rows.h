/*
 * The result shapes the statements return (src/statements.c) and the handlers read
 * (src/respond.c writes them as JSON): each column list in the order json_user,
 * json_task and json_api_key read it, starting at the column the handler names.
 */
#ifndef TASKAPI_ROWS_H
#define TASKAPI_ROWS_H

#include "words.h"

/* Column lists the statements return, in the order json_user/json_task read them. */
/* clang-format off */
#define USER_COLS(t) t ".id, " t ".email, " t ".username, " t ".full_name, " t ".role, " \
	t ".is_active, " t ".created_at, " t ".updated_at"
#define USER_NCOLS 8
#define TASK_COLS(t) t ".id, " t ".title, " t ".description, " t ".status, " t ".priority, " \
	t ".due_date, " t ".owner_id, " t ".created_at, " t ".updated_at, " t ".version"
#define TASK_NCOLS 10
#define API_KEY_COLS(t) t ".id, " t ".name, " t ".prefix, " t ".created_at, " t ".last_used_at, " \
	t ".expires_at"
#define API_KEY_NCOLS 6
#define NOTIF_COLS(t) t ".id, " t ".kind, " t ".task_id, " t ".title, " t ".message, " \
	t ".created_at, " t ".read_at"
#define NOTIF_NCOLS 7
#define REPORT_COLS(t) t ".id, " t ".kind, " t ".status, " t ".filters::text, " t ".rows_done, " \
	t ".rows_total, " t ".bytes, " t ".summary::text, " t ".error, " t ".created_at, " \
	t ".finished_at, " t ".expires_at, " t ".chunks"
#define WEBHOOK_COLS(t) t ".id, " t ".url, array_to_json(" t ".events)::text, " t ".description, " \
	t ".created_at"
#define WEBHOOK_NCOLS 5
#define DELIVERY_COLS(t) t ".id, " t ".notification_id, " t ".attempt, " t ".started_at, " \
	t ".finished_at, " t ".delivered, " t ".status_code, " t ".error, " t ".duration_ms"
#define DELIVERY_NCOLS 9
/* clang-format on */

/* Preferences a user has not set (the SQL and the API docs use the same values). */
#define PREF_DEFAULT_PAGE_SIZE "10"
#define PREF_DEFAULT_SORT SORT_KEY_ID
#define PREF_DEFAULT_TIMEZONE "UTC"

#endif
