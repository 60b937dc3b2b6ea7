#!/usr/bin/env bash
# The logs of the running stack: the pool's log is one JSON object per line, a request
# line has time, level, request id, method, path, route pattern, status, duration, user
# id and bytes; NGINX's access log is JSON too, with the same request id and the
# upstream response time.
# Needs BASE_URL, VAR_DIR.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../api/lib.sh
. "$here/../api/lib.sh"

log=$VAR_DIR/log/taskapi.log
access=$VAR_DIR/nginx/access.log

register_user L
rid="log-$(unique)"
create_task "$L_TOKEN" '{"title":"logged"}'
TOKEN=$L_TOKEN req GET "/api/v1/tasks/$TASK_ID" "" -H "X-Request-ID: $rid"
expect_status 200 "setup: GET the task"

# Each process appends whole lines with one write; NGINX writes its log when the request ends.
line_of() { grep -F "\"request_id\":\"$2\"" "$1" | head -n 1; }
in_access() { [ -n "$(line_of "$access" "$rid")" ]; }
wait_until() { for _ in $(seq 50); do "$@" && return 0; sleep 0.1; done; return 1; }
check "NGINX's access log has the request" wait_until in_access

# The request's own line (a worker may log other events under the same id first, such as
# a reconnection after an earlier test restarted PostgreSQL).
app=$(grep -F "\"request_id\":\"$rid\"" "$log" | grep -F '"method":' | head -n 1)
check "the pool's log has the request's line with its request id" test -n "$app"
BODY=$app # read by the expect_json helpers
expect_json '.level' info "app line: level"
expect_json_match '.time' "$TS_RE" "app line: time in RFC 3339 UTC"
expect_json '.method' GET "app line: method"
expect_json '.path' "/api/v1/tasks/$TASK_ID" "app line: the raw path"
expect_json '.route' "/api/v1/tasks/{id}" "app line: the route pattern"
expect_json '.status' 200 "app line: status"
expect_json '.user_id' "$L_ID" "app line: user id"
expect_json_match '.duration_ms' '^[0-9]+(\.[0-9]+)?$' "app line: duration in ms"
expect_json_match '.bytes' '^[1-9][0-9]*$' "app line: bytes"
expect_json_match '.pid' '^[0-9]+$' "app line: pid"

# shellcheck disable=SC2034 # read by the expect_json helpers
BODY=$(line_of "$access" "$rid")
expect_json '.request_id' "$rid" "access line: the same request id"
expect_json '.method + " " + .path + " " + (.status | tostring)' "GET /api/v1/tasks/$TASK_ID 200" \
	"access line: method, path, status"
expect_json_match '.upstream_response_time' '^[0-9]+\.[0-9]{3}$' "access line: upstream response time"
expect_json_match '.request_time' '^[0-9]+(\.[0-9]+)?$' "access line: request time"
expect_json '.upstream_status' 200 "access line: upstream status"
expect_json_match '.bytes' '^[1-9][0-9]*$' "access line: bytes"
expect_json_match '.time' '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\+00:00$' "access line: time in UTC"

# Without a client id, both logs carry NGINX's generated one.
TOKEN='' req GET /health
gen=$(header_value X-Request-ID)
rid=$gen
check "NGINX's generated id reaches the access log" wait_until in_access
check "and the pool's log" test -n "$(line_of "$log" "$gen")"

bad=$(grep -cv '^{.*}$' "$log")
check "every line of the pool's log is a JSON object ($bad are not)" test "$bad" -eq 0
check "every line of the pool's log parses as JSON" jq -e . "$log" >/dev/null
check "every line of the access log parses as JSON" jq -e . "$access" >/dev/null

finish
