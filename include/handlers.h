/* The handlers, one file per resource (src/handlers_*.c), by resource; with them the
   request context (ctx.h) and the helpers they share: credentials.h, reply.h, render.h. */
#ifndef TASKAPI_HANDLERS_H
#define TASKAPI_HANDLERS_H

#include <libpq-fe.h>

#include "credentials.h"
#include "ctx.h"
#include "render.h"
#include "reply.h"
#include "router.h"
#include "version.h"

/* The route table (src/routes.c): a route's index there is its metrics slot and its
   pattern is its route label, in /metrics and in the log. */
extern const struct route routes[];
extern const int routes_count;

/* ==== Service ==== */
void service_root(struct ctx *c);
void service_health(struct ctx *c);
/* Readiness: the primary answers a trivial statement (and the replica's lag, when one is set). */
void service_ready(struct ctx *c);
/* Prometheus text format for the whole pool (src/metrics.c). */
void service_metrics(struct ctx *c);

/* ==== Auth ==== */
void auth_register(struct ctx *c);
void auth_register_admin(struct ctx *c);
void auth_login(struct ctx *c);
void auth_refresh(struct ctx *c);
void auth_logout(struct ctx *c);
void auth_logout_all(struct ctx *c);
/* Creates a user with role from a register-shaped body (routes and `taskapi user create`). */
void auth_create_user(struct ctx *c, const char *role);
/* 429 with Retry-After while the account is throttled (seconds left at locked_col, NULL: not). */
int login_throttled_or_reply(struct ctx *c, PGresult *r, int locked_col);
/* Counts a failed password check against the account name (see LOGIN_MAX_FAILURES). */
void login_failed(const char *username, size_t len);
/* The 400 message for a violated unique constraint of users. */
const char *user_conflict_message(const char *constraint);

/* ==== Users ==== */
void user_me_get(struct ctx *c);
void user_me_update(struct ctx *c);
void user_me_delete(struct ctx *c);
void user_list(struct ctx *c);
void user_get(struct ctx *c);
void user_delete(struct ctx *c);
void user_password_change(struct ctx *c);

/* ==== API keys ==== */
void api_key_create(struct ctx *c);
void api_key_list(struct ctx *c);
void api_key_delete(struct ctx *c);

/* ==== Tasks ==== */
void task_create(struct ctx *c);
void task_list(struct ctx *c);
void task_get(struct ctx *c);
void task_update(struct ctx *c);
void task_delete(struct ctx *c);
void task_stats(struct ctx *c);

/* ==== Preferences ==== */
void user_prefs_get(struct ctx *c);
void user_prefs_update(struct ctx *c);

/* ==== Notifications (src/handlers_notifications.c) ==== */
void notification_list(struct ctx *c);
void notification_read(struct ctx *c);
void notification_read_all(struct ctx *c);

/* ==== Reports (src/handlers_reports.c) ==== */
void report_create(struct ctx *c);
void report_generate(struct ctx *c);
void report_get(struct ctx *c);
void report_download(struct ctx *c);

/* ==== Webhooks (src/handlers_webhooks.c) ==== */
void webhook_create(struct ctx *c);
void webhook_list(struct ctx *c);
void webhook_get(struct ctx *c);
void webhook_delete(struct ctx *c);
void webhook_deliveries(struct ctx *c);

/* ==== Idempotency keys (src/idempotency.c) ==== */

/*
 * For a POST that creates something, after its body is validated: without an
 * Idempotency-Key header returns 0. With one, reserves the key for this request and
 * returns 0, or answers itself (the stored answer replayed, 409 while the first request
 * is in flight, 422 for a bad key or another body with the same key) and returns -1.
 * caller is c->caller (the credential, checked in the same statement), or NULL for an
 * anonymous POST (register), whose keys share one anonymous scope. collection is where
 * the created resources live ("/api/v1/tasks"): a replayed 201 gets their Location.
 */
int idempotency_begin_or_reply(struct ctx *c, const char *caller, const char *collection);
/* When the request ends: stores the answer for a reserved key (or frees the key on 5xx). */
void idempotency_end(struct ctx *c);

#endif
