/* One request through the application: CORS, routing, 404/405, the handler. */
#include "app.h"

#include <string.h>

#include "config.h"
#include "handlers.h"

static void cors_headers(const struct http_request *req, struct http_response *res)
{
	if (!req->origin)
		return;
	http_header(res, "Vary", "Origin");
	if (!config_origin_allowed(&cfg, req->origin))
		return;
	http_header(res, "Access-Control-Allow-Origin", req->origin);
	http_header(res, "Access-Control-Allow-Credentials", "true");
}

static void preflight(const struct http_request *req, struct http_response *res)
{
	if (!config_origin_allowed(&cfg, req->origin)) {
		http_error(res, 400, "Disallowed CORS origin");
		return;
	}
	http_header(res, "Access-Control-Allow-Methods", "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT");
	http_header(res, "Access-Control-Allow-Headers",
	            req->preflight_headers && *req->preflight_headers
	                ? req->preflight_headers
	                : "Authorization, Content-Type");
	http_header(res, "Access-Control-Max-Age", "600");
	http_no_content(res);
}

const char *app_route_label(int route)
{
	return route >= 0 && route < routes_count ? routes[route].pattern : "unmatched";
}

void app_handle(const struct http_request *req, struct http_response *res, struct arena *a,
                struct app_outcome *out)
{
	struct route_match match;
	out->user_id = 0;
	out->route = -1;
	enum route_result found = router_match(routes, req->path, req->method, &match);
	if (found != ROUTE_NOT_FOUND)
		out->route = (int)(match.route - routes);
	cors_headers(req, res);
	if (req->method == HTTP_OPTIONS && req->origin && req->preflight_method) {
		preflight(req, res);
		return;
	}
	switch (found) {
	case ROUTE_NOT_FOUND:
		http_error(res, 404, "Not Found");
		return;
	case ROUTE_METHOD_NOT_ALLOWED: {
		char allow[64];
		router_allow(match.route, allow, sizeof allow);
		http_error(res, 405, "Method Not Allowed");
		http_header(res, "Allow", allow);
		return;
	}
	case ROUTE_FOUND:
		break;
	}
	struct ctx c = {.req = req, .res = res, .arena = a, .match = &match};
	match.handler(&c);
	json_object_put(c.body);
	out->user_id = c.user_id;
}
