/* Handlers, one file per resource, and the helpers they share (src/respond.c). */
#ifndef TASKAPI_HANDLERS_H
#define TASKAPI_HANDLERS_H

#include <libpq-fe.h>

#include "arena.h"
#include "auth.h"
#include "db.h"
#include "http.h"
#include "jsonv.h"
#include "jsonw.h"
#include "problems.h"
#include "router.h"
#include "rows.h"
#include "version.h"

struct ctx {
	const struct http_request *req;
	struct http_response *res;
	struct arena *arena;
	const struct route_match *match;
	int authenticated;          /* a valid token or well-formed API key was presented */
	int via_api_key;            /* ... and it was an API key (api_key_prefix names it) */
	int caller_ok;              /* the statement confirmed the caller (caller_or_reply passed) */
	struct token_claims claims; /* of an access token */
	char api_key_prefix[API_KEY_PREFIX_LEN + 1];
	char caller[320];  /* the credential as a text array: statement parameter $1 */
	long long user_id; /* for the log; 0 when unknown */
	struct problems problems;
	struct json_object *body; /* the parsed body, released when the request ends */
	struct db_request db;     /* read routing in, consistency token out */
	struct idempotency {
		int active;    /* a key is reserved for this request: store its answer */
		char user[24]; /* the key's scope: the caller, "0" when anonymous */
		const char *key;
		char attempt[33]; /* this request's claim on the key */
	} idem;
};

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

/* ==== Shared helpers: each validates and answers in one step; 0 means go on ==== */

/*
 * Reads the credential: an access token or an API key ("Bearer tak_..." or X-API-Key).
 * Answers 401 when it is missing or cannot be valid; else fills c->caller for the
 * statement, which decides the rest (revoked, expired key, deleted user).
 */
int auth_token_or_reply(struct ctx *c);
/* As auth_token_or_reply, but an API key is refused (403): for session-only routes. */
int session_token_or_reply(struct ctx *c);
/* Checks the caller columns (CALLER_ROW, include/rows.h) of row 0; 401/403 otherwise. */
int caller_or_reply(struct ctx *c, PGresult *r);
/* As caller_or_reply, and 403 unless the caller is an admin. */
int admin_or_reply(struct ctx *c, PGresult *r);
/* Parses the route's path parameter idx as a positive id; adds a problem otherwise. */
int path_id(struct ctx *c, int idx, long long *out);
/* Integer query parameter within [min, max], default when absent; adds a problem otherwise. */
long long query_int(struct ctx *c, const char *name, long long def, long long min, long long max);
/* "t" when a body field is given (with a value or null), else "f": the statements' set flags. */
const char *field_given(const struct field_value *v);
/* Answers 422 with c->problems (after the caller check FastAPI would have done first). */
void reply_problems(struct ctx *c);
/* Runs a statement with the array params (DB_NPARAMS, include/db.h); answers 503/500 on
   failure and returns NULL. */
#define db_or_reply(c, id, params) db_or_reply_n(c, id, params, DB_NPARAMS(params), NULL)
/* Runs a statement that may violate a unique constraint; *unique gets its name. */
#define db_or_reply_unique(c, id, params, unique)                                                       \
	db_or_reply_n(c, id, params, DB_NPARAMS(params), unique)
PGresult *db_or_reply_n(struct ctx *c, enum stmt_id id, const char *const *params, int nparams,
                        const char **unique);
/* Parses the body against spec, adding problems to c->problems (no answer). */
void body_parse(struct ctx *c, const struct field_spec *spec, int n, struct field_value *v);
/* Parses the body against spec; answers 422 (with every problem) and returns -1 on failure. */
int body_or_reply(struct ctx *c, const struct field_spec *spec, int n, struct field_value *v);

/* JSON objects written from a result row whose layout (include/rows.h) starts at column
   col, as member key of w's open object (NULL in an array or at the top). */
void json_user(struct jsonw *w, const char *key, PGresult *r, int row, int col);
void json_task(struct jsonw *w, const char *key, PGresult *r, int row, int col);
void json_notification(struct jsonw *w, const char *key, PGresult *r, int row, int col);
/* One column's value as member key of w's open container, written as its type says. */
void json_col(struct jsonw *w, const char *key, PGresult *r, int row, int col, enum col_json type);
/* An API key's public fields; with key (only right after creation) also the secret. */
void json_api_key(struct jsonw *w, PGresult *r, int row, int col, const char *secret);
/* A JSON writer over the response body: struct jsonw w = body_writer(c); */
static inline struct jsonw body_writer(struct ctx *c)
{
	struct jsonw w;
	jsonw_start(&w, &c->res->body);
	return w;
}
/* Sets status and Content-Type for a JSON body already written to c->res->body. */
void reply_json(struct ctx *c, int status);
/* The mount prefix the client's URLs start with ("" at the root, else "/prefix"): every
   URL the API hands out (Location, Link, a report's url) starts with it. */
const char *url_base(const struct ctx *c);
/* Location: the URL of collection/id under the mount prefix (c->req->base), as the
   client reaches it ("/prefix/api/v1/tasks/7"). */
void location_header(struct ctx *c, const char *collection, const char *id);
/* 201 with Location (location_header) for the resource just created, written to the body. */
void reply_created(struct ctx *c, const char *collection, const char *id);

#endif
