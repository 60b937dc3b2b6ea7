#!/usr/bin/env bash
# Bounded waits and honest failure answers, on a pool of
# its own (2 workers, statement_timeout 1.5 s, request deadline 3 s) over the main
# stack's database:
#   - a table held by LOCK TABLE ... ACCESS EXCLUSIVE past the statement timeout: the
#     app answers every request itself, 503 + Retry-After (SQLSTATE 57014: nothing was
#     committed, and indeed no row exists), /health answers at once from the health
#     worker and /health/ready says 503;
#   - a worker SIGKILLed mid-request: NGINX's 502, JSON, without Retry-After;
#   - SIGHUP while slow requests are in flight: every one answered, every row there;
#   - a worker that cannot finish within the drain time is killed and the master's log
#     names the request it was on; its client gets 502 without Retry-After;
#   - NGINX's own 500 (a request body that cannot be buffered) in the API's JSON;
#   - PostgreSQL stopped and started: the time from its accepting connections to the
#     first answered request is printed (reconnect on demand, floor 200 ms).
# Needs DATABASE_URL, VAR_DIR and PG_PORT of the main stack. Prints its measurements.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../api/lib.sh
. "$here/../api/lib.sh"
REPO=$(cd "$here/../.." && pwd)
main_var=$VAR_DIR

bg_pids=()
# The main stack's database must be up for whatever runs next.
at_exit 'for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; done; "$REPO/scripts/pg-up" "$main_var/pg" "$PG_PORT" >/dev/null 2>&1'

if ! own_stack TASKAPI_WORKERS=2 AUTH_WORKERS=1 DB_STATEMENT_TIMEOUT_MS=1500 DB_LOCK_TIMEOUT_MS=10000 \
	TASKAPI_REQUEST_DEADLINE_MS=3000 RATE_LIMIT=off; then
	fail "setup: a pool with short timeouts starts" "$STACK_ERROR"
	finish
fi
dir=$STACK_DIR master=$POOL_MASTER log=$POOL_LOG
workers() { pool_workers "$master"; }

# lock SECONDS: holds tasks in ACCESS EXCLUSIVE mode for that long (in the background),
# returning once the lock is held; unlock ends it sooner (cancelling the holder).
lock() {
	PGAPPNAME=taskapi-test-lock psql -X -q "$DATABASE_URL" -c "BEGIN; LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep($1); COMMIT;" \
		>/dev/null 2>&1 &
	lock_pid=$!
	bg_pids+=("$lock_pid")
	held() { [ "$(psql_exec "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'tasks' AND l.mode = 'AccessExclusiveLock' AND l.granted")" = 1 ]; }
	wait_for 10 held
}
unlock() {
	psql_exec "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'taskapi-test-lock'" >/dev/null
	wait "$lock_pid"
}
# send ID METHOD PATH [BODY]: a request in the background with X-Request-ID ID; its
# status, headers, body and time land in $_T/ID.*.
send() {
	local id=$1 method=$2 path=$3 body=${4-} args
	args=(-s -X "$method" -H "X-Request-ID: $id" -H "Authorization: Bearer $TOKEN" -o "$_T/$id.body"
		-D "$_T/$id.headers" -w '%{http_code} %{time_total}' --max-time 40)
	[ -z "$body" ] || args+=(-H 'Content-Type: application/json' --data-binary "$body")
	curl "${args[@]}" "$BASE_URL$path" >"$_T/$id.out" 2>/dev/null &
	bg_pids+=($!)
}
got() { cut -d' ' -f1 "$_T/$1.out" 2>/dev/null; }
took() { cut -d' ' -f2 "$_T/$1.out" 2>/dev/null; }
has_header() { grep -qi "^$2:" "$_T/$1.headers"; }
body_is_503() { jq -e '.detail == "Service temporarily unavailable"' "$1" >/dev/null; }
tasks_titled() { psql_exec "SELECT count(*) FROM tasks WHERE title = '$1'"; }

register_user W
TOKEN=$W_TOKEN
create_task "$TOKEN" '{"title":"before the lock"}'
T=$TASK_ID
u=$(unique)

# ---- 1. a table locked past the statement timeout
# Six requests on two workers: three rounds of 1.5 s, all while the lock is held (it is
# released once every answer is in, however slow the machine).
lock 60
check "setup: tasks is locked" held
for i in 1 2; do send "post$i-$u" POST /api/v1/tasks/ "{\"title\":\"locked $i $u\"}"; done
sleep 0.2
for i in 1 2 3 4; do send "get$i-$u" GET "/api/v1/tasks/$T"; done
sleep 0.3
hs=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 3 "$BASE_URL/health")
check "/health answers 200 while every pool worker waits on the lock" test "${hs%% *}" = 200
echo "# /health during the lock: ${hs#* } s"
rs=$(curl -s -o "$_T/ready" -w '%{http_code} %{time_total}' --max-time 3 "$BASE_URL/health/ready")
check "/health/ready says 503 while the table is locked" test "${rs%% *}" = 503
echo "# /health/ready during the lock: ${rs#* } s"
for i in 1 2 3 4; do wait_for 20 test -s "$_T/get$i-$u.out"; done
for i in 1 2; do wait_for 20 test -s "$_T/post$i-$u.out"; done
times=
for id in post1 post2 get1 get2 get3 get4; do
	r=$id-$u
	times+="$id $(got "$r") $(took "$r")s; "
	check "locked: $id answered by the app: 503" test "$(got "$r")" = 503
	check "locked: $id carries Retry-After (nothing was committed)" has_header "$r" Retry-After
	check "locked: $id has the API's 503 body" body_is_503 "$_T/$r.body"
	check "locked: $id's log line says why" grep -q "\"request_id\":\"$r\".*statement timeout (nothing committed)" "$log"
done
echo "# answers during the lock (statement_timeout 1.5 s, 2 workers): $times"
unlock
check "the cancelled creates left no row" test "$(tasks_titled "locked 1 $u")$(tasks_titled "locked 2 $u")" = 00
TOKEN=$W_TOKEN req GET "/api/v1/tasks/$T"
expect_status 200 "the lock released: reads answer again"
TOKEN='' req GET /health/ready
expect_status 200 "the lock released: ready again"

# ---- 2. a worker killed mid-request: 502 without Retry-After
lock 3
send "kill-$u" POST /api/v1/tasks/ "{\"title\":\"killed $u\"}"
sleep 0.5
kill -9 $(workers)
wait_for 10 test -s "$_T/kill-$u.out"
check "a worker killed mid-request: the client gets 502" test "$(got "kill-$u")" = 502
check "... without Retry-After (the outcome is unknown)" bash -c "! grep -qi '^Retry-After:' '$_T/kill-$u.headers'"
check "... as JSON with its request id" bash -c "jq -e '.detail | type == \"string\"' '$_T/kill-$u.body' >/dev/null && grep -qi '^X-Request-ID: kill-$u' '$_T/kill-$u.headers'"
wait "$lock_pid"
echo "# the killed request's task exists: $(tasks_titled "killed $u") (the client was told the outcome is unknown)"
wait_for 10 eval '(( $(pool_workers "$master" | wc -w) >= 3 ))'

# ---- 3. SIGHUP while slow requests are in flight
lock 1
for i in 1 2 3 4; do send "hup$i-$u" POST /api/v1/tasks/ "{\"title\":\"hup $u\"}"; done
sleep 0.3
kill -HUP "$master"
for i in 1 2 3 4; do wait_for 20 test -s "$_T/hup$i-$u.out"; done
answers=
for i in 1 2 3 4; do answers+="$(got "hup$i-$u") "; done
check "SIGHUP with 4 slow requests in flight: all answered 201 ($answers)" test "$answers" = "201 201 201 201 "
check "... and all 4 rows are there" test "$(tasks_titled "hup $u")" = 4
echo "# SIGHUP with 4 slow requests in flight (lock 1 s): answers $answers"

# ---- 4. a worker that cannot finish is killed after the drain time, and named
lock 4
send "stuck1-$u" POST /api/v1/tasks/ "{\"title\":\"stuck $u\"}"
send "stuck2-$u" POST /api/v1/tasks/ "{\"title\":\"stuck $u\"}"
sleep 0.5
stopped=$(workers)
kill -STOP $stopped
kill -TERM "$master"
wait_for 25 test -s "$_T/stuck1-$u.out"
wait_for 5 test -s "$_T/stuck2-$u.out"
check "a stuck worker is killed after the drain and the log names its request" \
	grep -qE "still on request stuck[12]-$u after [0-9]+ ms; killing it" "$log"
check "its client gets 502 without Retry-After" bash -c "[ \$(cut -d' ' -f1 '$_T/stuck1-$u.out') = 502 ] && ! grep -qi '^Retry-After:' '$_T/stuck1-$u.headers'"
wait "$lock_pid"
restack
master=$POOL_MASTER

# ---- 5. NGINX's own 500 (one-host template): a body too big for memory that cannot be
# buffered to disk (the temp directory replaced by a file, so that even root fails).
tmp=$dir/nginx/client_body
mv "$tmp" "$tmp.away" && touch "$tmp"
head -c 200000 /dev/zero | tr '\0' x | sed 's/^/{"title":"/; s/$/"}/' >"$_T/big.json"
s=$(curl -s -o "$_T/big.out" -D "$_T/big.head" -w '%{http_code}' -H "X-Request-ID: big-$u" \
	-H "Authorization: Bearer $W_TOKEN" -H 'Content-Type: application/json' --data-binary @"$_T/big.json" \
	"$BASE_URL/api/v1/tasks/")
rm -f "$tmp" && mv "$tmp.away" "$tmp"
check "NGINX's own 500 is the API's JSON with the request id ($s $(cat "$_T/big.out"))" \
	bash -c "[ $s = 500 ] && grep -qi '^X-Request-ID: big-$u' '$_T/big.head' && jq -e '.detail == \"Internal server error\"' '$_T/big.out' >/dev/null"

# ---- 6. the database goes away and comes back: how soon is the service back?
TOKEN=$W_TOKEN req GET /api/v1/users/me
expect_status 200 "setup: the pool answers before the outage"
"$REPO/scripts/pg-down" "$main_var/pg" >/dev/null 2>&1
TOKEN=$W_TOKEN req GET /api/v1/users/me
expect_status 503 "database down: 503"
for _ in 1 2 3 4 5 6; do TOKEN=$W_TOKEN req GET /api/v1/users/me; sleep 0.5; done # workers have failed, some several times
"$REPO/scripts/pg-up" "$main_var/pg" "$PG_PORT" >/dev/null 2>&1 &
pgup=$!
bg_pids+=("$pgup")
ms() { date +%s%3N; }
accept_ms= service_ms=
start=$(ms)
while (($(ms) - start < 30000)); do
	if [ -z "$accept_ms" ] && pg_isready -q -h 127.0.0.1 -p "$PG_PORT" -t 1; then accept_ms=$(ms); fi
	if [ -n "$accept_ms" ]; then
		s=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -H "Authorization: Bearer $W_TOKEN" "$BASE_URL/api/v1/users/me")
		if [ "$s" = 200 ]; then service_ms=$(ms); break; fi
	fi
	sleep 0.05
done
wait "$pgup"
check "database back: the service answers again" test -n "$service_ms"
[ -z "$service_ms" ] || echo "# reconnect: first 200 came $((service_ms - accept_ms)) ms after PostgreSQL accepted connections (polling every 50 ms; shared 2-core machine)"

finish
