#!/usr/bin/env bash
# NGINX rate limiting per client address, on a second stack (same database) whose
# limits are tight and per minute, so that no limit refills while the test runs:
# the auth routes (RATE_LIMIT_AUTH=1r/m, burst 2) and the whole API (1r/m, burst 20)
# answer 429 {"detail":"Too Many Requests"} with Retry-After once exceeded, only for the
# address that exceeded them; RATE_LIMIT=off removes the limits.
# Needs DATABASE_URL (the main stack's database).
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../api/lib.sh
. "$here/../api/lib.sh"
REPO=$(cd "$here/../.." && pwd)

if ! own_stack TASKAPI_WORKERS=2 TASKAPI_BIN="$REPO/build/taskapi" RATE_LIMIT=on RATE_LIMIT_AUTH=1r/m \
	RATE_LIMIT_AUTH_BURST=2 RATE_LIMIT_API=1r/m RATE_LIMIT_API_BURST=20 RATE_LIMIT_RETRY_AFTER=7; then
	fail "setup: a stack with tight limits starts" "$STACK_ERROR"
	finish
fi

# from ADDRESS METHOD PATH [BODY]: a request whose connection comes from ADDRESS.
from() {
	local addr=$1
	shift
	TOKEN='' req "$1" "$2" "${3-}" --interface "$addr"
}
limited() { # NAME
	expect_status 429 "$1 is 429"
	expect_body_json '{"detail":"Too Many Requests"}' "$1 answers JSON {\"detail\":\"Too Many Requests\"}"
	expect_header content-type '^application/json' "$1 has a JSON Content-Type"
	expect_header retry-after '^7$' "$1 has Retry-After (RATE_LIMIT_RETRY_AFTER)"
	expect_header x-content-type-options '^nosniff$' "$1 has nosniff"
}
# A failed login under a fresh name each time (the account throttle must not interfere).
bad_login() { jq -cn --arg u "nobody_$(unique)" '{username:$u, password:"Wrong1pass"}'; }

# ---- auth routes: 1 + burst 2 per address, then 429 (from 127.0.0.6: stack-up's own
# readiness probe of the auth pool came from 127.0.0.1)
for i in 1 2 3; do
	from 127.0.0.6 POST /api/v1/auth/login "$(bad_login)"
	expect_status 401 "auth request $i of 3 from 127.0.0.6 reaches the application"
done
from 127.0.0.6 POST /api/v1/auth/login "$(bad_login)"
limited "bad: the 4th auth request from 127.0.0.6"
from 127.0.0.6 POST /api/v1/auth/register '{}'
limited "bad: register from the same address (same zone)"
from 127.0.0.6 POST /api/v1/users/me/password '{}'
limited "bad: POST /users/me/password from the same address (same zone)"
from 127.0.0.2 POST /api/v1/auth/login "$(bad_login)"
expect_status 401 "another address is not limited by 127.0.0.6's auth requests"
from 127.0.0.6 GET /health
expect_status 200 "127.0.0.6 still reaches the non-auth API (its own, larger limit)"

# ---- the whole API: 1 + burst 20 per address, then 429
codes=""
for _ in $(seq 21); do
	from 127.0.0.3 GET /health
	codes+="$STATUS "
done
check "21 API requests from 127.0.0.3 (1 + burst 20) all pass" test "$(echo "$codes" | tr ' ' '\n' | sort -u | xargs)" = 200
from 127.0.0.3 GET /api/v1/tasks/
limited "bad: the 22nd API request from 127.0.0.3"
from 127.0.0.3 GET /health
limited "bad: the 23rd API request from 127.0.0.3"
from 127.0.0.4 GET /health
expect_status 200 "another address still gets through"

# ---- RATE_LIMIT=off removes the limits (NGINX reloads its configuration)
reloaded() { # the old NGINX workers finish gracefully: wait for the new configuration to answer
	local deadline=$((SECONDS + 15))
	until from 127.0.0.3 GET /health && [[ $STATUS == 200 ]]; do
		((SECONDS < deadline)) || return 1
		sleep 0.2
	done
}
if restack RATE_LIMIT=off && reloaded; then
	codes=""
	for _ in $(seq 30); do
		from 127.0.0.3 GET /health
		codes+="$STATUS "
	done
	check "with RATE_LIMIT=off, 30 more requests from the limited address all pass" \
		test "$(echo "$codes" | tr ' ' '\n' | sort -u | xargs)" = 200
	from 127.0.0.6 POST /api/v1/auth/login "$(bad_login)"
	expect_status 401 "with RATE_LIMIT=off, logins reach the application again"
	check "with RATE_LIMIT=off the configuration has no limit_req" bash -c "! grep -q limit_req '$STACK_DIR/nginx/nginx.conf'"
else
	fail "setup: the stack reloads with RATE_LIMIT=off" "$STACK_ERROR"
fi

# ---- bad settings are refused before anything starts
if env VAR_DIR="$STACK_DIR" PORT="$STACK_PORT" RATE_LIMIT_AUTH=fast "$REPO/scripts/stack-up" >"$_T/bad.log" 2>&1; then
	fail "bad: RATE_LIMIT_AUTH=fast is refused" "stack-up accepted it"
else
	check "bad: RATE_LIMIT_AUTH=fast is refused with a message" grep -q "RATE_LIMIT_AUTH must look like" "$_T/bad.log"
fi

finish
