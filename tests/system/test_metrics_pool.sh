#!/usr/bin/env bash
# Metrics of the whole pool, against the running stack: requests answered by several
# workers add up in one set of counters; killing workers (one under load, then all of
# them while one is stuck in a request) resets nothing and leaves no phantom in-flight
# request; the master's gauges follow; a database outage shows in db_errors_total,
# db_reconnects_total and /health/ready, and its log lines carry the request id.
# Needs BASE_URL, DATABASE_URL, VAR_DIR and PG_PORT.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../api/lib.sh
. "$here/../api/lib.sh"
REPO=$(cd "$here/../.." && pwd)

master=$(cat "$VAR_DIR/run/taskapi.pid")
log=$VAR_DIR/log/taskapi.log
expected=$((${TASKAPI_WORKERS:-4} + 1)) # and the health worker (TASKAPI_HEALTH_LISTEN)
refresh=${TASKAPI_METRICS_REFRESH:-5}
workers() { pool_workers "$master" | tr ' ' '\n'; } # one per line
worker_count_is() { [ "$(workers | wc -l)" -eq "$1" ]; }
scrape() { curl -s --max-time 10 "$BASE_URL/metrics" >"$_T/metrics"; }
value() {
	awk -v s="$1" '$1 == s { print $2; found = 1 } END { if (!found) print 0 }' "$_T/metrics"
}
metric_is() { scrape && [ "$(value "$1")" = "$2" ]; }

locker=
# Ends the psql session holding the lock, server side too (its pg_sleep would outlive the client).
unlock() {
	[ -n "$locker" ] || return 0
	psql_exec "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = 'taskapi-test-locker'" >/dev/null 2>&1
	kill "$locker" 2>/dev/null
	wait "$locker" 2>/dev/null
	locker=
}
cleanup() {
	unlock
	rm -rf "$_T"
}
at_exit cleanup

register_user P
TOKEN=$P_TOKEN
me='http_requests_total{method="GET",route="/api/v1/users/me",status="200"}'

# ---- several workers, one set of counters
scrape
before=$(value "$me")
tag="mp-$(unique)"
for i in $(seq 40); do req GET /api/v1/users/me "" -H "X-Request-ID: $tag-$i"; done
scrape
check "40 requests add exactly 40 to $me" test "$(($(value "$me") - before))" -eq 40
pids=$(grep -F "\"request_id\":\"$tag-" "$log" | jq -r .pid | sort -u | wc -l)
check "those 40 requests were answered by several workers ($pids distinct pids in the log)" test "$pids" -ge 2

# ---- a worker killed while load runs: the counters keep everything answered
scrape
before=$(value "$me") restarts=$(value worker_restarts_total)
load_out=$_T/load
(
	for _ in $(seq 300); do
		curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $TOKEN" "$BASE_URL/api/v1/users/me"
	done >"$load_out"
) &
load_pid=$!
sleep 0.5
victim=$(workers | head -n 1)
kill -9 "$victim"
wait "$load_pid"
check "the killed worker is replaced" wait_for 10 worker_count_is "$expected"
scrape
got200=$(grep -c '^200$' "$load_out")
check "300 requests sent while a worker was killed: $got200 got 200" test "$got200" -ge 290
check "the counter grew by exactly the $got200 answered 200 (nothing reset)" \
	test "$(($(value "$me") - before))" -eq "$got200"
check "worker_restarts_total counted the death" test "$(($(value worker_restarts_total) - restarts))" -eq 1
check "workers_alive is back to $expected" wait_for 5 metric_is workers_alive "$expected"

# ---- every worker killed while one is stuck in a request (a row lock held from psql)
scrape
before=$(value "$me") restarts=$(value worker_restarts_total)
PGAPPNAME=taskapi-test-locker psql "$DATABASE_URL" -qAtX -c "BEGIN; SELECT 1 FROM users WHERE id = $P_ID FOR UPDATE; SELECT pg_sleep(60);" \
	>/dev/null 2>&1 &
locker=$!
locked() { [ "$(psql_exec "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
	WHERE c.relname = 'users' AND l.mode = 'RowShareLock' AND l.granted")" -ge 1 ]; }
check "psql holds a row lock on the test user" wait_for 10 locked
stuck_rid="stuck-$(unique)"
curl -s -o "$_T/stuck" -w '%{http_code}' --max-time 30 -X PUT -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' -H "X-Request-ID: $stuck_rid" \
	--data '{"full_name":"Blocked"}' "$BASE_URL/api/v1/users/me" >"$_T/stuck_status" &
stuck=$!
in_flight_at_least_2() { scrape && [ "$(value http_requests_in_flight)" -ge 2 ]; }
check "while a request waits on the lock, http_requests_in_flight counts it" wait_for 10 in_flight_at_least_2
old=$(workers)
# shellcheck disable=SC2086
kill -9 $old
unlock
wait "$stuck"
all_new() { worker_count_is "$expected" && [ -z "$(comm -12 <(echo "$old") <(workers))" ]; }
check "all $expected workers are replaced" wait_for 15 all_new
scrape
check "the stuck request's client got NGINX's 502 ($(cat "$_T/stuck_status")): its outcome is unknown" test "$(cat "$_T/stuck_status")" = 502
check "after all workers died, only the scrape itself is in flight" test "$(value http_requests_in_flight)" -eq 1
check "the counters survived every worker being replaced" test "$(value "$me")" -eq "$before"
check "worker_restarts_total counted $expected more deaths" \
	test "$(($(value worker_restarts_total) - restarts))" -eq "$expected"
req GET /api/v1/users/me
expect_status 200 "the new workers answer"
scrape
check "and add to the same counter" test "$(($(value "$me") - before))" -eq 1

# ---- pool memory: the master and its workers, summed
rss=0
for p in $master $(workers); do
	rss=$((rss + $(awk '{ print $2 }' "/proc/$p/statm") * $(getconf PAGESIZE)))
done
scrape
reported=$(value process_resident_memory_bytes)
check "process_resident_memory_bytes ($reported) is the sum over master and workers (~$rss)" \
	test "$reported" -gt $((rss * 3 / 4)) -a "$reported" -lt $((rss * 5 / 4))

# ---- the database goes away: errors, readiness, log lines with the request id, reconnects
scrape
errors_before=$(($(value 'db_errors_total{kind="lost"}') + $(value 'db_errors_total{kind="connect"}')))
reconnects_before=$(value db_reconnects_total)
"$REPO/scripts/pg-down" "$VAR_DIR/pg" >/dev/null 2>&1
out_rid="outage-$(unique)"
req GET /api/v1/users/me "" -H "X-Request-ID: $out_rid"
expect_status 503 "database down: a request gets 503"
ready_rid="ready-$(unique)"
TOKEN='' req GET /health/ready "" -H "X-Request-ID: $ready_rid"
expect_status 503 "database down: /health/ready answers 503"
expect_body_json '{"detail":"Service temporarily unavailable"}' "database down: the ready 503 has the API's shape"
expect_header Retry-After '^[0-9]+$' "database down: the ready 503 has Retry-After"
TOKEN='' req GET /health
expect_status 200 "database down: /health (liveness) still answers 200"
check "the failed request's cause is logged with its request id" \
	grep -q "\"level\":\"\\(error\\|warn\\)\".*\"request_id\":\"$out_rid\",\"msg\":\"db: " "$log"
check "its request line is at level error with status 503" \
	grep -q "\"level\":\"error\".*\"request_id\":\"$out_rid\",\"method\":\"GET\".*\"status\":503" "$log"
check "the failed readiness check is logged with its request id" \
	grep -q "\"request_id\":\"$ready_rid\",\"msg\":\"" "$log"
scrape
errors_now=$(($(value 'db_errors_total{kind="lost"}') + $(value 'db_errors_total{kind="connect"}')))
check "db_errors_total grew during the outage ($errors_before -> $errors_now)" test "$errors_now" -gt "$errors_before"
check "db_up falls to 0 at the next periodic probe" wait_for $((refresh + 10)) metric_is db_up 0
"$REPO/scripts/pg-up" "$VAR_DIR/pg" "$PG_PORT" >/dev/null 2>&1
ready() { TOKEN='' req GET /health/ready && [ "$STATUS" = 200 ]; }
check "database back: /health/ready answers 200 again" wait_for 20 ready
reconnected() { scrape && [ "$(value db_reconnects_total)" -gt "$reconnects_before" ]; }
check "db_reconnects_total counts the reconnection" wait_for 10 reconnected
check "db_up is 1 again" wait_for $((refresh + 10)) metric_is db_up 1

# ---- SIGHUP replaces every worker (which also leaves none with a connection from before
# the outage, whose first write would get 503): counters stay, and it is no restart.
scrape
before=$(value "$me") restarts=$(value worker_restarts_total)
old=$(workers)
kill -HUP "$master"
check "SIGHUP replaced every worker" wait_for 30 all_new
scrape
check "after SIGHUP the counters are still there" test "$(value "$me")" -eq "$before"
check "a SIGHUP replacement is not counted as a restart" test "$(value worker_restarts_total)" -eq "$restarts"

finish
