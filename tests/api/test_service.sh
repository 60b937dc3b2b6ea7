#!/usr/bin/env bash
# Service routes, unknown routes (404), wrong methods (405 + Allow), trailing slashes.
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

# ---- GET / and GET /health: exact bodies
TOKEN='' req GET /
expect_status 200 "GET / is 200"
expect_body_json '{"message":"Welcome to Task Management API","version":"1.0.0","docs":"/docs","redoc":"/redoc"}' \
	"GET / has the exact welcome body"
expect_header content-type '^application/json; charset=utf-8$' "GET / is JSON utf-8"

TOKEN='' req GET /health
expect_status 200 "GET /health is 200"
# API.md's body plus "build" (a rolling deploy checks which binary answers).
expect_json '{status, version} | tojson' '{"status":"healthy","version":"1.0.0"}' "GET /health has API.md's status and version"
expect_json 'keys | join(",")' 'build,status,version' "GET /health has exactly status, version and build"
expect_json '.build | type' string "GET /health build is a string"
build=$(jq -r .build <<<"$BODY")
expect_header X-Build-ID "^${build//./\.}\$" "GET /health X-Build-ID header equals the body's build"
expect_header content-type '^application/json; charset=utf-8$' "GET /health is JSON utf-8"

TOKEN='' req GET '/health?probe=1'
expect_status 200 "GET /health with a query string is 200"
expect_json '{status, version} | tojson' '{"status":"healthy","version":"1.0.0"}' "GET /health with a query string has the same body"

# ---- unknown routes: 404 {"detail":"Not Found"}
for path in /nope /api/v1/nope /api/v1 /api/v2/tasks/ /api/v1/tasks/1/extra /api/v1/auth/nope /api/v1/users/me/extra; do
	TOKEN='' req GET "$path"
	expect_status 404 "bad: unknown route GET $path is 404"
	expect_body_json '{"detail":"Not Found"}' "bad: unknown route GET $path says Not Found"
done
TOKEN='' req POST /api/v1/nope '{"a":1}'
expect_status 404 "bad: unknown route POST /api/v1/nope is 404"
expect_body_json '{"detail":"Not Found"}' "bad: unknown route POST /api/v1/nope says Not Found"

# ---- a known route with another method: 405 {"detail":"Method Not Allowed"} with Allow
register_user U
create_task "$U_TOKEN" '{"title":"method probe"}'
tid=${TASK_ID:-1}

check_405() { # METHOD PATH ALLOWED...
	local method=$1 path=$2
	shift 2
	TOKEN=$U_TOKEN req "$method" "$path"
	expect_status 405 "bad: $method $path is 405"
	expect_body_json '{"detail":"Method Not Allowed"}' "bad: $method $path says Method Not Allowed"
	local m
	for m in "$@"; do
		expect_header_token allow "$m" "bad: $method $path has Allow listing $m"
	done
}
check_405 POST / GET
check_405 DELETE /health GET
check_405 PUT /api/v1/tasks/ GET POST
check_405 DELETE /api/v1/tasks GET POST
check_405 POST "/api/v1/tasks/$tid" GET PUT DELETE
check_405 GET /api/v1/auth/login POST
check_405 GET /api/v1/auth/register POST
check_405 DELETE /api/v1/auth/register-admin POST
check_405 POST /api/v1/users/me GET PUT DELETE
check_405 PATCH /api/v1/users/me GET PUT DELETE
check_405 POST /api/v1/users/ GET
check_405 PUT /api/v1/users/1 GET DELETE

# ---- collection routes answer with and without the trailing slash, no redirect
for path in /api/v1/tasks /api/v1/tasks/; do
	TOKEN=$U_TOKEN req GET "$path"
	expect_status 200 "GET $path is 200 (no redirect)"
	expect_json '.tasks | type' array "GET $path lists tasks"
	expect_no_header location "GET $path has no Location"
done
for path in /api/v1/tasks /api/v1/tasks/; do
	TOKEN=$U_TOKEN req POST "$path" '{"title":"slash test"}'
	expect_status 201 "POST $path is 201 (no redirect)"
	expect_json '.title' 'slash test' "POST $path creates the task"
	expect_location "/api/v1/tasks/$(jq -r .id <<<"$BODY")" \
		"POST $path: Location names the created task (not a redirect)"
done

register_admin ADM
for path in /api/v1/users /api/v1/users/ '/api/v1/users?skip=0&limit=5' '/api/v1/users/?skip=0&limit=5'; do
	TOKEN=$ADM_TOKEN req GET "$path"
	expect_status 200 "admin GET $path is 200 (no redirect)"
	expect_json 'type' array "admin GET $path is an array"
	expect_no_header location "admin GET $path has no Location"
done
# non-admin: same route answers 403, not 404 or a redirect, either way
for path in /api/v1/users /api/v1/users/; do
	TOKEN=$U_TOKEN req GET "$path"
	expect_status 403 "bad: non-admin GET $path is 403"
done

finish
