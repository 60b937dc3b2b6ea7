/* One request through the application: CORS, routing, 404/405, the handler. */
#ifndef TASKAPI_APP_H
#define TASKAPI_APP_H

#include "arena.h"
#include "http.h"

/* Fills res for req; *user_id gets the authenticated caller (0 if none), for the log. */
void app_handle(const struct http_request *req, struct http_response *res, struct arena *a,
                long long *user_id);

#endif
