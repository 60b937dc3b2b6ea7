/* The route table: the one place that lists every path, its methods and handlers. */
#include "handlers.h"

#define GET(h) [HTTP_GET] = (h)
#define POST(h) [HTTP_POST] = (h)
#define PUT(h) [HTTP_PUT] = (h)
#define DELETE(h) [HTTP_DELETE] = (h)

const struct route routes[] = {
	{"/", {GET(service_root)}},
	{"/health", {GET(service_health)}},
	{"/api/v1/auth/register", {POST(auth_register)}},
	{"/api/v1/auth/register-admin", {POST(auth_register_admin)}},
	{"/api/v1/auth/login", {POST(auth_login)}},
	{"/api/v1/users/me", {GET(user_me_get), PUT(user_me_update)}},
	{"/api/v1/users", {GET(user_list)}},
	{"/api/v1/users/{id}", {GET(user_get), DELETE(user_delete)}},
	{"/api/v1/tasks", {GET(task_list), POST(task_create)}},
	{"/api/v1/tasks/{id}", {GET(task_get), PUT(task_update), DELETE(task_delete)}},
	{NULL, {0}},
};
