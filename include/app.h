/* One request through the application: CORS, routing, 404/405, the handler. */
#ifndef TASKAPI_APP_H
#define TASKAPI_APP_H

#include <stdint.h>

#include "arena.h"
#include "auth.h"
#include "http.h"

/* What the worker needs to know about a request once it is answered. */
struct app_outcome {
	long long user_id; /* the authenticated caller, 0 if none */
	int route;         /* index in routes[] of the matched route, -1 when none matched */
	const char *db;    /* where its statements ran: db_used_name() */
	char api_key_prefix[API_KEY_PREFIX_LEN + 1]; /* the API key that authenticated, or "" */
};

/* The consistency token's header and cookie (the cookie is scoped to /api). */
#define CONSISTENCY_HEADER "X-Consistency-Token"
#define CONSISTENCY_COOKIE "taskapi_lsn"

/* Fills res for req, and out. */
void app_handle(const struct http_request *req, struct http_response *res, struct arena *a,
                struct app_outcome *out);
/* The route label of an outcome: the route's pattern, or "unmatched". */
const char *app_route_label(int route);
/* Gives metrics its labels (route patterns, statement names): before metrics_create/attach. */
void app_metrics_labels(void);
/* The consistency token a request presents (header or cookie, the later of both); 0 if none. */
uint64_t app_consistency_token(const struct http_request *req);
/* Work for after the response has gone: records an API key's use (one write a minute at most). */
void app_after_response(const struct app_outcome *out);

#endif
