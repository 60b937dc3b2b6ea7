#!/usr/bin/env bash
# NGINX with dist/nginx/taskapi.conf.in included from an nginx.conf's http block: the
# smoke and error-shape checks through it, NGINX's own 413 and 503 in the API's shape,
# /metrics for loopback only.
# shellcheck source=tests/hosting/lib.sh
. "$(dirname "$0")/lib.sh"

hosting_db || { hfail "database and migrations"; hosting_finish; }
sock=$H/taskapi.sock port=$("$REPO/scripts/free-port") d=$H/nginx
mkdir -p "$d"
start_pool "$sock" || hfail "pool starts on $sock"
render "$REPO/dist/nginx/taskapi.conf.in" "$H/taskapi.conf" LISTEN="127.0.0.1:$port" \
	SERVER_NAME=localhost SOCKET="$sock"
render "$REPO/tests/hosting/nginx-base.conf.in" "$d/nginx.conf" DIR="$d" RECIPE="$H/taskapi.conf"
track_pidfile "$d/nginx.pid"
if ! nginx -q -t -c "$d/nginx.conf" -p "$d" || ! nginx -c "$d/nginx.conf" -p "$d" ||
	! wait_http "http://127.0.0.1:$port/health"; then
	hfail "nginx starts with the recipe"
	hosting_finish
fi
base=http://127.0.0.1:$port
through "$base" nginx

head -c 1100000 /dev/zero | tr '\0' x >"$H/big"
json_error "$base/api/v1/tasks/" 413 "a 1.1 MB body: NGINX's 413 is JSON" \
	-H 'Content-Type: application/json' --data-binary "@$H/big"
st=$(curl -s -o /dev/null -w '%{http_code}' "$base/metrics")
hcheck "/metrics from 127.0.0.1 is 200" test "$st" = 200
json_error "$base/metrics" 404 "/metrics from 127.0.0.2 is the API's 404" --interface 127.0.0.2
stop_pool
json_error "$base/api/v1/tasks/" 503 "pool stopped: NGINX's 503 is JSON"
hcheck "pool stopped: the 503 carries Retry-After" grep -qi '^retry-after: 1' "$H/h"
hosting_finish
