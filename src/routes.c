/* The route table: the one place that lists every path, its methods and handlers. */
#include "handlers.h"

#define GET(h)    [HTTP_GET] = (h)
#define POST(h)   [HTTP_POST] = (h)
#define PUT(h)    [HTTP_PUT] = (h)
#define PATCH(h)  [HTTP_PATCH] = (h)
#define DELETE(h) [HTTP_DELETE] = (h)

const struct route routes[] = {
	{"/", {GET(service_root)}},
	{"/health", {GET(service_health)}},
	{"/health/ready", {GET(service_ready)}},
	{"/metrics", {GET(service_metrics)}},
	{"/api/v1/auth/register", {POST(auth_register)}},
	{"/api/v1/auth/register-admin", {POST(auth_register_admin)}},
	{"/api/v1/auth/login", {POST(auth_login)}},
	{"/api/v1/auth/refresh", {POST(auth_refresh)}},
	{"/api/v1/auth/logout", {POST(auth_logout)}},
	{"/api/v1/auth/logout-all", {POST(auth_logout_all)}},
	{"/api/v1/users/me", {GET(user_me_get), PUT(user_me_update), DELETE(user_me_delete)}},
	{"/api/v1/users/me/password", {POST(user_password_change)}},
	{"/api/v1/users/me/preferences", {GET(user_prefs_get), PUT(user_prefs_update)}},
	{"/api/v1/users", {GET(user_list)}},
	{"/api/v1/users/{id}", {GET(user_get), DELETE(user_delete)}},
	{"/api/v1/tasks", {GET(task_list), POST(task_create)}},
	{"/api/v1/tasks/stats", {GET(task_stats)}}, /* before {id}: the first match wins */
	{"/api/v1/tasks/{id}", {GET(task_get), PUT(task_update), PATCH(task_update), DELETE(task_delete)}},
	{"/api/v1/api-keys", {GET(api_key_list), POST(api_key_create)}},
	{"/api/v1/api-keys/{id}", {DELETE(api_key_delete)}},
	{"/api/v1/notifications", {GET(notification_list)}},
	{"/api/v1/notifications/read-all", {POST(notification_read_all)}}, /* before {id} */
	{"/api/v1/notifications/{id}/read", {POST(notification_read)}},
	{"/api/v1/reports", {POST(report_create)}},
	{"/api/v1/reports/generate", {POST(report_generate)}}, /* before {id} */
	{"/api/v1/reports/{id}", {GET(report_get)}},
	{"/api/v1/reports/{id}/download", {GET(report_download)}},
	{"/api/v1/webhooks", {GET(webhook_list), POST(webhook_create)}},
	{"/api/v1/webhooks/{id}", {GET(webhook_get), DELETE(webhook_delete)}},
	{"/api/v1/webhooks/{id}/deliveries", {GET(webhook_deliveries)}},
	{NULL, {0}},
};

const int routes_count = (int)(sizeof routes / sizeof *routes) - 1;
_Static_assert(sizeof routes / sizeof *routes - 1 <= ROUTES_MAX,
               "more routes than the metrics segment holds: raise ROUTES_MAX");
