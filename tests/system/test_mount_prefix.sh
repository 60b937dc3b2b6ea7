#!/usr/bin/env bash
# The API under a prefix (/tasks-api/) of another NGINX server, in front of the test
# stack's pool, configured with nginx/prefix-location.conf.in: the request path is taken
# the CGI way (SCRIPT_NAME + PATH_INFO), and the prefix comes back in the Link and
# Location headers (the consistency cookie, set only with a replica, is checked in test_cgi_mode.sh).
# The same server shows that the application itself keeps /metrics to loopback and METRICS_ALLOW (this NGINX has no rule for it), and runs
# scripts/smoke through the prefix (all pass) and through a location that drops the
# Authorization header (the smoke check for it must fail).
# Needs BASE_URL, VAR_DIR (the stack's socket is $VAR_DIR/run/taskapi.sock).
stack_url=${BASE_URL:-}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../api/lib.sh
. "$here/../api/lib.sh"

dir=$(mktemp -d /tmp/taskapi-prefix.XXXXXX)
chmod 755 "$dir"
port=$("$repo/scripts/free-port")
sock=$VAR_DIR/run/taskapi.sock
ngx_pid=
stop() {
	[[ -n $ngx_pid ]] && kill "$ngx_pid" 2>/dev/null && wait_for 5 eval '! kill -0 '"$ngx_pid"' 2>/dev/null'
	rm -rf "$dir"
}
at_exit stop

snippet() { sed -e "s|@PREFIX@|$1|g" -e "s|@PASS@|unix:$sock|g" "$repo/nginx/prefix-location.conf.in"; }
{
	echo "daemon off; master_process on; worker_processes 1; pid $dir/nginx.pid; error_log $dir/error.log warn;"
	echo "events { worker_connections 64; }"
	echo "http { access_log off; client_body_temp_path $dir/body; fastcgi_temp_path $dir/fcgi;"
	echo "  server { listen 127.0.0.1:$port;"
	snippet /tasks-api
	# The same, but as a front end that loses the Authorization header.
	snippet /noauth | sed 's|^\tfastcgi_pass|\tfastcgi_param HTTP_AUTHORIZATION "";\n\tfastcgi_pass|'
	echo "  }"
	echo "}"
} >"$dir/nginx.conf"
user=()
[ "$(id -u)" -eq 0 ] && ! runuser -u nobody -- test -x "$dir" -a -r "$sock" && user=(-g 'user root;')
nginx -p "$dir" -c "$dir/nginx.conf" "${user[@]}" 2>"$dir/start.err" &
ngx_pid=$!
server=http://127.0.0.1:$port
BASE_URL=$server/tasks-api # the helpers (register_user, create_task) prepend it
if ! wait_for 10 curl -fs -o /dev/null "$BASE_URL/health"; then
	fail "setup: NGINX with the prefix location answers" "$(cat "$dir/start.err" "$dir/error.log" 2>/dev/null)"
	finish
fi

TOKEN='' req GET /health
expect_status 200 "GET /tasks-api/health is 200"
TOKEN='' req GET /
expect_json '.message' "Welcome to Task Management API" "GET /tasks-api/ is the welcome document"
TOKEN='' req GET /api/v1/no-such-route
expect_body_json '{"detail":"Not Found"}' "an unknown route under the prefix is the API's 404"
TOKEN='' req GET /tasks-api/health
expect_status 404 "bad: the prefix twice is 404"

register_user P
create_task "$P_TOKEN" '{"title":"under a prefix 1"}'
expect_location "/api/v1/tasks/$TASK_ID" "the created task's Location carries the prefix"
check "the Location is /tasks-api/api/v1/tasks/{id}" test "$LOCATION" = "/tasks-api/api/v1/tasks/$TASK_ID"
TOKEN=$P_TOKEN follow_location
expect_json '.title' "under a prefix 1" "GET on the Location (through the prefix) is the created task"
create_task "$P_TOKEN" '{"title":"under a prefix 2"}'
TOKEN=$P_TOKEN req GET "/api/v1/tasks/?limit=1"
expect_status 200 "GET /tasks-api/api/v1/tasks/?limit=1 is 200"
expect_header link '^</tasks-api/api/v1/tasks/\?limit=1&cursor=[^>]+>; rel="next"$' \
	"the Link header carries the prefix"
next=$(header_value link | sed -n 's/^<\([^>]*\)>.*/\1/p')
TOKEN=$P_TOKEN req GET "${next#/tasks-api}"
expect_json '.tasks[0].title' "under a prefix 2" "following the Link header gives the next page"
# The notifications' Link header too (two of them, written here rather than waited for).
TOKEN=$P_TOKEN req GET /api/v1/users/me
pid=$(jq -r .id <<<"$BODY")
psql_exec "INSERT INTO notifications (user_id, kind, title, message, event_key)
	SELECT $pid, 'task_created', 'n' || i, 'm', 'prefix-test:$pid:' || i FROM generate_series(1, 2) i" >/dev/null
TOKEN=$P_TOKEN req GET "/api/v1/notifications?limit=1"
expect_header link '^</tasks-api/api/v1/notifications\?limit=1&cursor=[^>]+>; rel="next"$' \
	"the notifications' Link header carries the prefix"

# /metrics: loopback and METRICS_ALLOW only, decided by the application on REMOTE_ADDR.
TOKEN='' req GET /metrics
expect_status 200 "GET /metrics from 127.0.0.1 (loopback) is 200"
TOKEN='' req GET /metrics "" --interface 127.0.0.2
expect_body_json '{"detail":"Not Found"}' \
	"bad: GET /metrics from 127.0.0.2 is the API's 404 (the application's own rule, no NGINX rule here)"
if [[ ,${METRICS_ALLOW:-}, == *,127.0.0.3,* ]]; then
	TOKEN='' req GET /metrics "" --interface 127.0.0.3
	expect_status 200 "GET /metrics from 127.0.0.3 (in METRICS_ALLOW) is 200"
fi

# scripts/smoke against the stack itself (the project's NGINX template), then through the
# prefix: every check passes.
"$repo/scripts/smoke" "$stack_url" >"$dir/smoke-stack.out" 2>&1
rc=$?
check "scripts/smoke \$BASE_URL passes against the test stack: $(tail -n 1 "$dir/smoke-stack.out")" test "$rc" -eq 0
grep '^FAIL' "$dir/smoke-stack.out"
"$repo/scripts/smoke" "$server/tasks-api" >"$dir/smoke.out" 2>&1
rc=$?
check "scripts/smoke BASE_URL/tasks-api passes (exit 0): $(tail -n 1 "$dir/smoke.out")" test "$rc" -eq 0
check "scripts/smoke prints one line per check" \
	test "$(grep -cE '^(ok|FAIL) - ' "$dir/smoke.out")" -ge 15
# ... and through a front end that drops Authorization: that check fails, the exit is 1.
"$repo/scripts/smoke" "$server/noauth" >"$dir/smoke-noauth.out" 2>&1
rc=$?
check "bad: scripts/smoke exits 1 through a front end that drops Authorization" test "$rc" -eq 1
check "bad: ... and names the failing check" \
	grep -q '^FAIL - GET /api/v1/users/me with Authorization is 200' "$dir/smoke-noauth.out"
finish
