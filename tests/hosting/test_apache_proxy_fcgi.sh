#!/usr/bin/env bash
# Apache 2.4 + mod_proxy_fcgi in front of the pool, with dist/apache/proxy-fcgi.conf.in:
# the smoke and error-shape checks through it, bearer tokens reach the application
# (CGIPassAuth), request ids, Apache's own 413/414/503 as JSON (Retry-After on 503),
# /metrics for loopback only.
# shellcheck source=tests/hosting/lib.sh
. "$(dirname "$0")/lib.sh"

hosting_db || { hfail "database and migrations"; hosting_finish; }
sock=$H/taskapi.sock port=$("$REPO/scripts/free-port")
start_pool "$sock" || hfail "pool starts on $sock"
render "$REPO/dist/apache/proxy-fcgi.conf.in" "$H/site.conf" LISTEN="127.0.0.1:$port" \
	SERVER_NAME=localhost SOCKET="$sock" ERRORS_DIR="$FILES/dist/apache/errors"
if ! start_apache "$H/site.conf" "$port"; then
	hfail "apache2 starts with the recipe"
	hosting_finish
fi
base=http://127.0.0.1:$port
through "$base" apache-proxy-fcgi

# The Authorization header reaches the application.
u=px$RANDOM$RANDOM
curl -s -o /dev/null -H 'Content-Type: application/json' "$base/api/v1/auth/register" \
	-d "{\"email\":\"$u@example.com\",\"username\":\"$u\",\"password\":\"Passw0rd1\"}"
tok=$(curl -s -H 'Content-Type: application/json' "$base/api/v1/auth/login" \
	-d "{\"username\":\"$u\",\"password\":\"Passw0rd1\"}" | jq -r '.access_token // empty')
st=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$base/api/v1/users/me")
hcheck "a bearer token passes Apache (CGIPassAuth): GET /users/me is 200" test "$st" = 200

# The client's request id comes back, and lands in Apache's access log.
rid=hosting-$RANDOM$RANDOM
got=$(curl -s -D - -o /dev/null -H "X-Request-ID: $rid" "$base/health" | tr -d '\r' |
	sed -n 's/^[Xx]-[Rr]equest-[Ii][Dd]: //p')
hcheck "X-Request-ID given by the client is echoed" test "$got" = "$rid"
got=$(curl -s -D - -o /dev/null "$base/health" | tr -d '\r' | sed -n 's/^[Xx]-[Rr]equest-[Ii][Dd]: //p')
hcheck "without one the application makes a request id" test -n "$got"
hcheck "the request id is in Apache's access log" grep -q "$rid" "$H/apache/access.log"

# Apache's own errors, in the API's shape.
head -c 1100000 /dev/zero | tr '\0' x >"$H/big"
json_error "$base/api/v1/tasks/" 413 "a 1.1 MB body: Apache's 413 is JSON" \
	-H "Authorization: Bearer $tok" -H 'Content-Type: application/json' --data-binary "@$H/big"
json_error "$base/api/v1/tasks/$(head -c 9000 /dev/zero | tr '\0' 1)" 414 \
	"a 9000-byte request line: Apache's 414 is JSON"

# /metrics: loopback reads it; another address gets the API's 404.
st=$(curl -s -o /dev/null -w '%{http_code}' "$base/metrics")
hcheck "/metrics from 127.0.0.1 is 200" test "$st" = 200
json_error "http://127.0.0.1:$port/metrics" 404 "/metrics from 127.0.0.2 is the API's 404" \
	--interface 127.0.0.2

# The pool gone: Apache's 503, JSON, with Retry-After.
stop_pool
json_error "$base/api/v1/tasks/" 503 "pool stopped: Apache's 503 is JSON"
hcheck "pool stopped: the 503 carries Retry-After" \
	grep -qi '^retry-after: 1' "$H/h"
hosting_finish
