/* One request through the application: CORS, routing, 404/405, the handler. */
#include "app.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "handlers.h"
#include "lsn.h"
#include "metrics.h"

static void cors_headers(const struct http_request *req, struct http_response *res)
{
	if (!req->origin)
		return;
	http_header(res, "Vary", "Origin");
	if (!config_origin_allowed(&cfg, req->origin))
		return;
	http_header(res, "Access-Control-Allow-Origin", req->origin);
	http_header(res, "Access-Control-Allow-Credentials", "true");
	/* Response headers a browser client may read besides the simple ones. */
	http_header(res, "Access-Control-Expose-Headers",
	            "ETag, Link, Location, Idempotent-Replayed, X-Request-ID");
}

static void preflight(const struct http_request *req, struct http_response *res)
{
	if (!config_origin_allowed(&cfg, req->origin)) {
		http_error(res, 400, "Disallowed CORS origin");
		return;
	}
	http_header(res, "Access-Control-Allow-Methods", "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT");
	http_header(res, "Access-Control-Allow-Headers",
	            req->preflight_headers && *req->preflight_headers ? req->preflight_headers
	                                                              : "Authorization, Content-Type");
	http_header(res, "Access-Control-Max-Age", "600");
	http_no_content(res);
}

const char *app_route_label(int route)
{
	return route >= 0 && route < routes_count ? routes[route].pattern : "unmatched";
}

void app_metrics_labels(void)
{
	static const char *route_labels[ROUTES_MAX];
	static const char *statement_names[STMT_COUNT];
	_Static_assert(STMT_COUNT <= METRICS_STATEMENTS_MAX, "raise METRICS_STATEMENTS_MAX");
	for (int i = 0; i < routes_count && i < ROUTES_MAX; i++)
		route_labels[i] = routes[i].pattern;
	for (int i = 0; i < STMT_COUNT; i++)
		statement_names[i] = statements[i].name;
	struct metrics_labels l = {route_labels, routes_count, statement_names, STMT_COUNT};
	metrics_set_labels(&l);
}

uint64_t app_consistency_token(const struct http_request *req)
{
	uint64_t header = 0, cookie = 0;
	char value[LSN_TEXT_MAX];
	if (req->consistency_token && lsn_parse(req->consistency_token, &header) != 0)
		header = 0; /* not a token: ignored */
	if (req->cookie && http_cookie_get(req->cookie, CONSISTENCY_COOKIE, value, sizeof value) == 0 &&
	    lsn_parse(value, &cookie) != 0)
		cookie = 0;
	return header > cookie ? header : cookie;
}

/*
 * After a write, the token for reading it back: a header for API clients, a cookie for
 * browsers. It matters only while a replica may be behind, which READ_MAX_LAG_MS bounds.
 */
static void consistency_token_out(const struct http_request *req, struct http_response *res,
                                  uint64_t lsn)
{
	char token[LSN_TEXT_MAX], cookie[128 + CGI_MOUNT_MAX];
	lsn_format(lsn, token);
	http_header(res, CONSISTENCY_HEADER, token);
	snprintf(cookie, sizeof cookie,
	         CONSISTENCY_COOKIE "=%s; Path=%s/api; Max-Age=%d; HttpOnly; SameSite=Lax", token,
	         req->base ? req->base : "", cfg.read_max_lag_ms / 1000 + 60);
	http_header(res, "Set-Cookie", cookie);
}

void app_handle(const struct http_request *req, struct http_response *res, struct arena *a,
                struct app_outcome *out)
{
	struct route_match match;
	memset(out, 0, sizeof *out);
	out->route = -1;
	out->db = NULL;
	enum route_result found = router_match(routes, req->path, req->method, &match);
	if (found != ROUTE_NOT_FOUND)
		out->route = (int)(match.route - routes);
	cors_headers(req, res);
	if (req->method == HTTP_OPTIONS && req->origin && req->preflight_method) {
		preflight(req, res);
		return;
	}
	switch (found) {
	case ROUTE_NOT_FOUND: http_error(res, 404, "Not Found"); return;
	case ROUTE_METHOD_NOT_ALLOWED: {
		char allow[64];
		router_allow(match.route, allow, sizeof allow);
		http_error(res, 405, "Method Not Allowed");
		http_header(res, "Allow", allow);
		return;
	}
	case ROUTE_FOUND: break;
	}
	/* Bodies are JSON: another declared type is refused before anything runs. */
	if (req->body_len > 0 && !http_json_content_type(req->content_type)) {
		http_error(res, 415, "Unsupported Media Type: send the body as Content-Type: application/json");
		return;
	}
	struct ctx c = {.req = req, .res = res, .arena = a, .match = &match};
	c.db.reads_may_use_replica = req->method == HTTP_GET;
	c.db.min_lsn = app_consistency_token(req);
	match.handler(&c);
	idempotency_end(&c);
	json_object_put(c.body);
	if (c.db.commit_lsn && res->status >= 200 && res->status < 300)
		consistency_token_out(req, res, c.db.commit_lsn);
	out->user_id = c.user_id;
	out->db = db_used_name(c.db.used);
	if (c.via_api_key && c.caller_ok)
		memcpy(out->api_key_prefix, c.api_key_prefix, sizeof out->api_key_prefix);
}

void app_after_response(const struct app_outcome *out)
{
	if (!out->api_key_prefix[0])
		return;
	const char *params[] = {out->api_key_prefix};
	PGresult *r = NULL;
	if (db_run(STMT_API_KEY_TOUCH, params, &r, NULL) == DB_OK)
		PQclear(r);
}
