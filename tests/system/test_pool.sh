#!/usr/bin/env bash
# The process model against the running stack: the master keeps its workers alive,
# replaces them one by one on SIGHUP without dropping a request, answers 503 while the
# database is away and recovers by itself, logs every request, and drains on SIGTERM.
# Needs BASE_URL, DATABASE_URL, VAR_DIR (the stack's runtime dir) and PG_PORT.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../api/lib.sh
. "$here/../api/lib.sh"
REPO=$(cd "$here/../.." && pwd)

master=$(cat "$VAR_DIR/run/taskapi.pid")
# The master's live children (a zombie is not a worker).
workers() { pool_workers "$master" | tr ' ' '\n'; } # one per line
worker_count_is() { [ "$(workers | wc -l)" -eq "$1" ]; }

register_user U
TOKEN=$U_TOKEN
expected=$((${TASKAPI_WORKERS:-4} + 1)) # and the health worker (TASKAPI_HEALTH_LISTEN)

check "the master runs $expected workers" worker_count_is "$expected"

# ---- a dead worker is replaced
victim=$(workers | head -n 1)
kill -9 "$victim"
check "a worker killed with SIGKILL is replaced" wait_for 10 worker_count_is "$expected"
check "the killed worker's pid is gone from the pool" bash -c "! grep -qx $victim <<<\"$(workers)\""
codes=""
for _ in $(seq 20); do
	req GET /api/v1/users/me
	codes+="$STATUS "
done
check "requests after the crash all succeed" test "$(echo "$codes" | tr ' ' '\n' | sort -u | xargs)" = "200"

# ---- SIGHUP replaces every worker while requests keep flowing
before=$(workers)
load_out=$(mktemp)
(
	for _ in $(seq 400); do
		curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $TOKEN" "$BASE_URL/api/v1/users/me"
	done >"$load_out"
) &
load_pid=$!
sleep 0.3
kill -HUP "$master"
wait "$load_pid"
after=$(workers)
check "SIGHUP replaced every worker" test -z "$(comm -12 <(echo "$before") <(echo "$after"))"
check "SIGHUP keeps the worker count" worker_count_is "$expected"
non200=$(grep -vc '^200$' "$load_out")
total=$(wc -l <"$load_out")
if [ "$total" -eq 400 ] && [ "$non200" -eq 0 ]; then
	ok "no request failed during the rolling replacement (400 sent)"
else
	fail "no request failed during the rolling replacement" "$total answered, $non200 not 200: $(sort "$load_out" | uniq -c | xargs)"
fi
rm -f "$load_out"

# ---- the database goes away and comes back
"$REPO/scripts/pg-down" "$VAR_DIR/pg" >/dev/null 2>&1
req GET /api/v1/users/me
expect_status 503 "database down: an authenticated request gets 503"
expect_json .detail "Service temporarily unavailable" "database down: the 503 detail"
expect_header Retry-After '^[0-9]+$' "database down: Retry-After"
expect_no_leak "database down: no libpq text in the answer"
TOKEN= req GET /health
expect_status 200 "database down: /health still answers (no database call)"
"$REPO/scripts/pg-up" "$VAR_DIR/pg" "$PG_PORT" >/dev/null 2>&1
back() { req GET /api/v1/users/me && [ "$STATUS" = 200 ]; }
check "database back: the pool reconnects by itself" wait_for 20 back

# ---- the pool's own log: one line per request, the cause of every failure
req GET /api/v1/users/me
rid=$(header_value x-request-id | head -n 1)
log=$VAR_DIR/log/taskapi.log
check "the response carries X-Request-ID" test -n "$rid"
check "the request's log line has its id, route, status and user" \
	grep -q "\"request_id\":\"$rid\",\"method\":\"GET\",\"path\":\"/api/v1/users/me\",\"status\":200,.*\"user_id\":$U_ID" "$log"
check "the outage's cause is in the log" grep -q '"level":"error".*db: ' "$log"

# ---- SIGTERM drains: the master and every worker exit
pids="$master $(workers | xargs)"
kill -TERM "$master"
gone() { for p in $pids; do [[ $(ps -o stat= -p "$p" 2>/dev/null) =~ ^[^Z] ]] && return 1; done; return 0; }
check "SIGTERM stops the master and all its workers" wait_for 15 gone
# Bring the pool back for whatever runs next.
"$REPO/scripts/stack-up" >/dev/null 2>&1
TOKEN= req GET /health
expect_status 200 "the pool starts again after a drain"

finish
