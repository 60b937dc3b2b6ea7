#!/usr/bin/env bash
# Read routing and read-your-writes, on a cluster with a streaming
# replica: GETs read from the replica; a write answers with a consistency token
# (X-Consistency-Token and the taskapi_lsn cookie, Path=/api); a read presenting it
# goes to the replica only once the replica has replayed that far, else to the
# primary. Lag is injected with recovery_min_apply_delay on the replica, while a
# heartbeat commits on the primary every 0.2 s (as steady traffic would). A replica
# lagging past READ_MAX_LAG_MS, or stopped, is skipped, and used again once back.
# Which database served a request is read from the pool's log line ("db").
# shellcheck source=tests/cluster/lib.sh
. "$(dirname "$0")/lib.sh"

cluster_up reads CLUSTER_HOSTS=2 TASKAPI_WORKERS=2 BCRYPT_COST=4 READ_MAX_LAG_MS=5000 READ_CHECK_MS=20
rounds=$([ "$SHORT" = 1 ] && echo 5 || echo 20)

# served_by: where the last response's request ran, from the pool logs ("db").
served_by() {
	local rid
	rid=$(header_value x-request-id | head -n 1)
	[ -n "$rid" ] || return 0
	cat "$CLUSTER_DIR"/hosts/h*/log/taskapi.log | grep -F "\"request_id\":\"$rid\"" |
		grep -o '"db":"[a-z+]*"' | cut -d'"' -f4
}
replica_delay() {
	psql_replica "ALTER SYSTEM SET recovery_min_apply_delay = '$1'" && psql_replica "SELECT pg_reload_conf()" >/dev/null
	wait_for 10 bash -c "[ \"\$(psql '$READ_DATABASE_URL' -qAtX -c 'SHOW recovery_min_apply_delay')\" = '$1' ]"
}
replica_has_task() { [ "$(psql_replica "SELECT count(*) FROM tasks WHERE id = $1")" = 1 ]; }
task_in_list() { [ "$STATUS" = 200 ] && jq -e --argjson id "$1" 'any(.tasks[]; .id == $id)' >/dev/null <<<"$BODY"; }

register_user U
TOKEN=$U_TOKEN

# ---- a write returns the token; with no lag, reads go to the replica
before=$(psql_exec "SELECT pg_current_wal_insert_lsn()")
create_task "$U_TOKEN" '{"title":"first"}'
first=$TASK_ID
expect_header X-Consistency-Token '^[0-9A-F]{1,8}/[0-9A-F]{1,8}$' "a write answers with X-Consistency-Token"
token=$(header_value x-consistency-token)
expect_header Set-Cookie "^taskapi_lsn=${token//\//\\/}; Path=/api; Max-Age=[0-9]+; HttpOnly; SameSite=Lax$" \
	"a write sets the taskapi_lsn cookie (the same token), scoped to /api"
after=$(psql_exec "SELECT pg_current_wal_insert_lsn()")
check "the token is the primary's WAL position after the commit ($before < $token <= $after)" \
	test "$(psql_exec "SELECT '$before'::pg_lsn < '$token'::pg_lsn AND '$token'::pg_lsn <= '$after'::pg_lsn")" = t
check "the replica replays the write" wait_for 10 replica_has_task "$first"
req GET "/api/v1/tasks/$first"
expect_status 200 "a read without token is answered"
check "a read without token is served by the replica (served by: $(served_by))" test "$(served_by)" = replica
req GET "/api/v1/tasks/$first" "" -H "X-Consistency-Token: $token"
check "a read whose token the replica has replayed is served by the replica" test "$(served_by)" = replica
TOKEN='' req GET /health
check "GET /health touches no database" test -z "$(served_by)"
req POST /api/v1/tasks/ '{"title":"no token on errors"}' -H 'X-Consistency-Token: 0/1'
expect_header X-Consistency-Token '/' "POST answers with a token"
req PUT "/api/v1/tasks/999999999" '{"title":"x"}'
expect_no_header X-Consistency-Token "a failed write (404) answers with no token"

# ---- lag: 2 s apply delay on the replica, within READ_MAX_LAG_MS (5 s)
(while sleep 0.2; do echo 'SELECT txid_current();'; done) | psql -qAtX "$DATABASE_URL" >/dev/null 2>&1 &
heartbeat=$!
check "the replica now applies WAL 2 s late" replica_delay 2s
sleep 2.5 # the heartbeat's commits reach the replica: its lag settles near 2 s

jar=$CLUSTER_WORK/cookies
: >"$jar"
seen_own=0 from_primary=0
for i in $(seq 1 "$rounds"); do
	# The seed flow of a browser client: create, then list at once (cookie jar).
	req POST /api/v1/tasks/ "{\"title\":\"ryw $i\"}" -c "$jar" -b "$jar"
	id=$(jq -r .id <<<"$BODY")
	req GET "/api/v1/tasks/?limit=100&skip=0" "" -c "$jar" -b "$jar"
	task_in_list "$id" && seen_own=$((seen_own + 1))
	[ "$(served_by)" = primary ] && from_primary=$((from_primary + 1))
done
check "read-your-writes (cookie): create then list sees the new task, $seen_own of $rounds times" test "$seen_own" = "$rounds"
check "those reads went to the primary while the replica lagged ($from_primary of $rounds)" test "$from_primary" = "$rounds"

req POST /api/v1/tasks/ '{"title":"ryw header"}'
id=$(jq -r .id <<<"$BODY") token=$(header_value x-consistency-token)
req GET "/api/v1/tasks/$id" "" -H "X-Consistency-Token: $token"
expect_status 200 "read-your-writes (header): the new task is found at once"

stale=0 stale_from_replica=0
for i in 1 2 3; do
	req POST /api/v1/tasks/ "{\"title\":\"no token $i\"}"
	id=$(jq -r .id <<<"$BODY")
	req GET "/api/v1/tasks/$id"
	if [ "$STATUS" = 404 ]; then
		stale=$((stale + 1))
		[ "$(served_by)" = replica ] && stale_from_replica=$((stale_from_replica + 1))
	fi
done
check "without the token a read may see the older state: $stale of 3 did not find the new task" test "$stale" -ge 1
check "those stale reads came from the lagging replica" test "$stale_from_replica" = "$stale"
sleep 2.5
req GET "/api/v1/tasks/$id" "" -H "X-Consistency-Token: $token"
expect_status 200 "once replayed, the task is there"
check "a token the lagging replica has replayed by now is served by the replica" test "$(served_by)" = replica

# ---- lag beyond READ_MAX_LAG_MS: the replica is skipped
check "the replica now applies WAL 8 s late" replica_delay 8s
fresh_read() { # a read without token sees a task created just before
	req POST /api/v1/tasks/ '{"title":"lagging"}'
	local id
	id=$(jq -r .id <<<"$BODY")
	req GET "/api/v1/tasks/$id"
	[ "$STATUS" = 200 ] && [ "$(served_by)" = primary ]
}
check "a replica lagging past 5 s is skipped: reads without token go to the primary" wait_for 20 fresh_read
check "the pool logs that the replica is lagging" \
	grep -q '"level":"warn".*replica lagging' "$CLUSTER_DIR"/hosts/h1/log/taskapi.log "$CLUSTER_DIR"/hosts/h2/log/taskapi.log
kill "$heartbeat" 2>/dev/null
psql_replica "ALTER SYSTEM RESET recovery_min_apply_delay" && psql_replica "SELECT pg_reload_conf()" >/dev/null
from_replica() { req GET "/api/v1/tasks/$first" && [ "$STATUS" = 200 ] && [ "$(served_by)" = replica ]; }
check "once it caught up, the replica is used again" wait_for 30 from_replica

# ---- the replica stopped: reads keep working from the primary
"$REPO/scripts/pg-down" "$CLUSTER_DIR/replica" >/dev/null 2>&1
codes=
for i in $(seq 1 10); do
	req POST /api/v1/tasks/ "{\"title\":\"replica down $i\"}" -c "$jar" -b "$jar"
	codes+="$STATUS "
	id=$(jq -r .id <<<"$BODY")
	req GET "/api/v1/tasks/$id"
	codes+="$STATUS "
	req GET "/api/v1/tasks/?limit=100" "" -c "$jar" -b "$jar"
	codes+="$STATUS "
	task_in_list "$id" || codes+="(missing $id) "
done
check "replica stopped: 10 writes and 20 reads all succeed, each write seen ($(echo "$codes" | tr ' ' '\n' | sort | uniq -c | xargs))" \
	test "$(echo "$codes" | tr ' ' '\n' | grep -v '^$' | sort -u | xargs)" = "200 201"
check "replica stopped: reads are served by the primary" test "$(served_by)" = primary
"$REPO/scripts/pg-up" "$CLUSTER_DIR/replica" "$REPLICA_PORT" >/dev/null 2>&1
check "replica restarted: reads go to it again" wait_for 30 from_replica

finish
