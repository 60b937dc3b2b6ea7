/* Service routes: the welcome document and the liveness check (no database). */
#include "handlers.h"

#define API_VERSION "1.0.0"

void service_root(struct ctx *c)
{
	buf_puts(&c->res->body, "{\"message\":\"Welcome to Task Management API\",\"version\":\"" API_VERSION
	                        "\",\"docs\":\"/docs\",\"redoc\":\"/redoc\"}");
	reply_json(c, 200);
}

void service_health(struct ctx *c)
{
	buf_puts(&c->res->body, "{\"status\":\"healthy\",\"version\":\"" API_VERSION "\"}");
	http_header(c->res, "X-Build-ID", TASKAPI_BUILD_ID);
	reply_json(c, 200);
}
