/* The route table: the single list of paths, methods and handlers. */
#ifndef TASKAPI_ROUTER_H
#define TASKAPI_ROUTER_H

#include "http.h"

struct ctx;
typedef void (*handler_fn)(struct ctx *c);

#define ROUTE_PARAMS_MAX 2
/* Routes the metrics segment has room for (src/routes.c checks it at compile time). */
#define ROUTES_MAX       64

struct route {
	const char *pattern; /* "/api/v1/tasks/{id}" */
	handler_fn handlers[HTTP_METHOD_COUNT];
};

enum route_result { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_METHOD_NOT_ALLOWED };

struct route_match {
	const struct route *route;
	handler_fn handler;
	int nparams;
	const char *param_names[ROUTE_PARAMS_MAX];
	char params[ROUTE_PARAMS_MAX][64]; /* raw path segments; longer ones are cut and flagged */
	int param_too_long[ROUTE_PARAMS_MAX];
};

/* Matches path (a trailing slash is ignored) and method against table. */
enum route_result router_match(const struct route *table, const char *path, enum http_method m,
                               struct route_match *out);
/* Writes the methods a route accepts, "GET, PUT, DELETE", into out. */
void router_allow(const struct route *r, char *out, size_t n);

#endif
