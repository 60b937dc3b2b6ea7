#!/usr/bin/env bash
# The pool settings PHP-FPM users look for, on a pool of its own (unix socket, the
# stack's database), reached with libfcgi's cgi-fcgi:
#  - TASKAPI_MAX_REQUESTS: a worker exits after that many requests and is replaced, with
#    no request lost;
#  - TASKAPI_SLOWLOG_MS: a request still running past it is logged with its request id;
#  - TASKAPI_REQUEST_TIMEOUT: a request still running past it is answered by the worker
#    (a GET: 503 with Retry-After, nothing was committed; a POST: 504 without it, the
#    outcome is unknown) and the worker is replaced;
#  - /metrics: busy and idle workers and the listen queue.
# Requests are held by a table lock taken with psql. Needs DATABASE_URL.
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
BASE_URL=${BASE_URL:-http://unused}
# shellcheck source=../api/lib.sh
. "$here/../api/lib.sh"
BIN=${TASKAPI_BIN:-$repo/build/taskapi}
dir=$(mktemp -d /tmp/taskapi-pool.XXXXXX)
pids=()
stop() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$dir"
}
at_exit stop

sock=$dir/pool.sock log=$dir/pool.log
(cd / && exec env APP_ENV=development DATABASE_URL="$DATABASE_URL" BCRYPT_COST=4 TASKAPI_WORKERS=2 \
	TASKAPI_LISTEN="$sock" TASKAPI_LOG_FILE="$log" TASKAPI_MAX_REQUESTS=5 TASKAPI_SLOWLOG_MS=300 \
	TASKAPI_REQUEST_TIMEOUT=2 "$BIN" serve >"$dir/stderr" 2>&1) &
master=$!
pids+=("$master")

# fcgi METHOD PATH [BODY] [VAR=value...]: one FastCGI request; sets STATUS, HEADERS, BODY.
fcgi() {
	local method=$1 path=$2 body=${3-}
	shift 2
	(($# > 0)) && shift
	printf '%s' "$body" >"$dir/in"
	env -i PATH="$PATH" REQUEST_METHOD="$method" SCRIPT_NAME="$path" REQUEST_URI="$path" \
		REMOTE_ADDR=127.0.0.1 CONTENT_LENGTH="${#body}" CONTENT_TYPE=application/json \
		HTTP_AUTHORIZATION="${TOKEN:+Bearer $TOKEN}" "$@" \
		timeout 20 cgi-fcgi -bind -connect "$sock" <"$dir/in" >"$dir/out" 2>/dev/null
	local head
	head=$(tr -d '\r' <"$dir/out" | sed '/^$/q')
	STATUS=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' <<<"$head")
	HEADERS=$(awk '{ p = index($0, ":"); if (p) print tolower(substr($0, 1, p - 1)) substr($0, p) }' <<<"$head")
	BODY=$(tr -d '\r' <"$dir/out" | sed '1,/^$/d')
}
if ! wait_for 10 eval 'fcgi GET /health; [[ $STATUS == 200 ]]'; then
	fail "setup: the pool answers" "$(cat "$dir/stderr")"
	finish
fi

# ---- recycling after TASKAPI_MAX_REQUESTS (5): 30 requests need at least 6 workers
codes=
for _ in $(seq 30); do
	fcgi GET /health
	codes+=$STATUS
done
check "30 requests through recycled workers: all 200" test "$codes" = "$(printf '200%.0s' $(seq 30))"
served_by=$(grep -F '"path":"/health"' "$log" | jq -r .pid | sort -u | wc -l)
check "they were served by at least 6 worker processes (got $served_by)" test "$served_by" -ge 6
check "each recycled worker said why it exited" \
	test "$(grep -c 'served 5 requests (TASKAPI_MAX_REQUESTS)' "$log")" -ge 5
fcgi GET /metrics
restarts=$(sed -n 's/^worker_restarts_total \([0-9]*\)$/\1/p' <<<"$BODY")
check "recycling is not counted as an unexpected restart (worker_restarts_total $restarts)" test "$restarts" = 0

# ---- /metrics: busy, idle, listen queue
alive=$(sed -n 's/^workers_alive \([0-9]*\)$/\1/p' <<<"$BODY")
busy=$(sed -n 's/^workers_busy \([0-9]*\)$/\1/p' <<<"$BODY")
idle=$(sed -n 's/^workers_idle \([0-9]*\)$/\1/p' <<<"$BODY")
check "workers_busy is 1 during the scrape, workers_idle the rest ($alive alive, $busy busy, $idle idle)" \
	eval '[[ $alive == 2 && $busy == 1 && $idle == 1 ]]'
check "listen_queue_length and listen_queue_max (the backlog, 1024) are exported" \
	eval 'grep -qx "listen_queue_length [0-9]*" <<<"$BODY" && grep -qx "listen_queue_max 1024" <<<"$BODY"'

# ---- a user, then a lock on the users table holds its requests
name="pool_$(unique)" pw="Pool-$(unique)-Pw1"
fcgi POST /api/v1/auth/register "$(jq -cn --arg u "$name" --arg p "$pw" '{username: $u, email: ($u + "@example.com"), password: $p}')"
fcgi POST /api/v1/auth/login "$(jq -cn --arg u "$name" --arg p "$pw" '{username: $u, password: $p}')"
tok=$(jq -r '.access_token // empty' <<<"$BODY")
check "setup: a user and a token" test -n "$tok"
psql "$DATABASE_URL" -qAtX -c "BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(8); COMMIT" \
	>/dev/null 2>&1 &
locker=$!
pids+=("$locker")
locked() {
	[[ $(psql "$DATABASE_URL" -qAtX -c "SELECT count(*) FROM pg_locks WHERE relation = 'users'::regclass
		AND mode = 'AccessExclusiveLock' AND granted") == 1 ]]
}
check "setup: the users table is locked" wait_for 10 locked
TOKEN=$tok fcgi GET /api/v1/users/me "" REQUEST_ID=slow-get-1
expect_status 503 "a GET held past TASKAPI_REQUEST_TIMEOUT (2 s) is answered 503 by the worker"
expect_header retry-after '^1$' "... with Retry-After (a read committed nothing)"
expect_header x-request-id '^slow-get-1$' "... and its request id"
expect_body_json '{"detail":"Service temporarily unavailable"}' "... in the API's shape"
TOKEN=$tok fcgi POST /api/v1/tasks/ '{"title":"held"}' REQUEST_ID=slow-post-1
expect_status 504 "a POST held past the limit is 504 (its outcome is unknown)"
expect_no_header retry-after "bad: ... without Retry-After (a retry could create it twice)"
check "the slow-request log names the request id" \
	eval 'jq -c "select(.request_id == \"slow-get-1\" and (.msg // \"\" | startswith(\"slow request\")))" "$log" | grep -q .'
check "the time limit is logged with the request id" \
	eval 'jq -c "select(.request_id == \"slow-post-1\" and (.msg // \"\" | startswith(\"request time limit: answered 504\")))" "$log" | grep -q .'
wait "$locker"
TOKEN=$tok fcgi GET /api/v1/users/me
expect_status 200 "after the lock, replaced workers answer again"
finish
