#!/usr/bin/env bash
# /health/ready with a replica configured: a real streaming replica of the test cluster
# (pg_basebackup, started on a free port) and a second pool + NGINX with
# READ_DATABASE_URL pointing at it. Ready reports the replica's replay lag: 0 when
# everything received is replayed, above 0 while replay is paused behind a write; a
# replica that is down is reported as unavailable while ready stays 200 (the primary
# decides). Needs BASE_URL, DATABASE_URL, VAR_DIR, PG_PORT.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../api/lib.sh
. "$here/../api/lib.sh"
REPO=$(cd "$here/../.." && pwd)

bin=/usr/lib/postgresql/15/bin
as=()
if [ "$(id -u)" -eq 0 ]; then as=(runuser -u postgres --); fi

# The replica's files live where the postgres user can reach them (as in scripts/pg-up).
rdir=$(mktemp -d /var/tmp/taskapi-replica.XXXXXX)
[ ${#as[@]} -eq 0 ] || chown postgres:postgres "$rdir"
stack2=$(mktemp -d /tmp/taskapi-ready.XXXXXX)
chmod 755 "$stack2"
replica_started=
cleanup() {
	VAR_DIR=$stack2 "$REPO/scripts/stack-down" >/dev/null 2>&1
	if [ -n "$replica_started" ]; then
		"${as[@]}" "$bin/pg_ctl" stop -D "$rdir/data" -m immediate -s >/dev/null 2>&1
	fi
	rm -rf "$rdir" "$stack2" "$_T"
}
at_exit cleanup

if "${as[@]}" "$bin/pg_basebackup" -h 127.0.0.1 -p "$PG_PORT" -U postgres -D "$rdir/data" -R \
	-X stream -c fast >"$_T/basebackup.log" 2>&1; then
	ok "pg_basebackup made a standby of the test cluster"
else
	fail "pg_basebackup made a standby of the test cluster" "$(tail -n 5 "$_T/basebackup.log")"
	finish
fi
# The copied taskapi.conf names the primary's port and socket dir: the replica gets its
# own. A free port can be taken before the server binds it (other tests run on this
# machine): then another one is tried.
"${as[@]}" mkdir -p "$rdir/run"
for _ in 1 2 3; do
	rport=$("$REPO/scripts/free-port")
	"${as[@]}" tee "$rdir/data/taskapi.conf" >/dev/null <<CONF
listen_addresses = '127.0.0.1'
port = $rport
unix_socket_directories = '$rdir/run'
max_connections = 200  # a hot standby needs at least the primary's
CONF
	if "${as[@]}" "$bin/pg_ctl" start -D "$rdir/data" -l "$rdir/pg.log" -w -t 30 -s >/dev/null 2>&1; then
		replica_started=1
		break
	fi
	grep -q 'could not bind' "$rdir/pg.log" || break
done
if [ -n "$replica_started" ]; then
	ok "the replica runs on 127.0.0.1:$rport"
else
	fail "the replica runs on 127.0.0.1:$rport" "$(tail -n 5 "$rdir/pg.log")"
	finish
fi
replica_url="postgresql://postgres@127.0.0.1:$rport/taskapi"
rsql() { psql "$replica_url" -v ON_ERROR_STOP=1 -qAtX -c "$1"; }
check "the replica is in recovery (streaming from the primary)" test "$(rsql 'SELECT pg_is_in_recovery()')" = t

# A second pool and NGINX on the same primary, with the replica configured (another
# free port if NGINX finds its own taken; stack-up keeps what already runs).
up=
for _ in 1 2 3; do
	if VAR_DIR=$stack2 PORT=$("$REPO/scripts/free-port") DATABASE_URL=$DATABASE_URL \
		READ_DATABASE_URL=$replica_url TASKAPI_WORKERS=2 "$REPO/scripts/stack-up" >"$_T/up.log" 2>&1; then
		up=1
		break
	fi
done
if [ -n "$up" ]; then
	ok "a pool with READ_DATABASE_URL starts"
else
	fail "a pool with READ_DATABASE_URL starts" "$(tail -n 5 "$_T/up.log")"
	finish
fi
MAIN_URL=$BASE_URL
BASE_URL=$(. "$stack2/run/env" && echo "$BASE_URL")

# caught_up: ready reports the replica with lag 0.
caught_up() {
	req GET /health/ready
	[ "$STATUS" = 200 ] &&
		jq -e '.replica.status == "ok" and .replica.replay_lag_seconds == 0' >/dev/null <<<"$BODY"
}
check "ready: the replica is ok with replay lag 0 when caught up" wait_for 20 caught_up
expect_json '.status + " " + .database' "ready ok" "ready: the primary answers"

# Replay paused on the replica, a write on the primary: the lag shows. (The lag is the
# age of the last replayed transaction, so the replica first replays one.)
BASE_URL=$MAIN_URL register_user R0
replayed() { [ "$(rsql "SELECT count(*) FROM users WHERE id = $R0_ID")" = 1 ]; }
check "the replica replays a write" wait_for 20 replayed
rsql 'SELECT pg_wal_replay_pause()' >/dev/null
BASE_URL=$MAIN_URL register_user R
behind() {
	[ "$(rsql 'SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()')" = t ]
}
check "the replica has received WAL it has not replayed" wait_for 20 behind
req GET /health/ready
expect_status 200 "ready with replay paused: still 200"
expect_json '.replica.status' ok "ready with replay paused: replica ok"
expect_json_match '.replica.replay_lag_seconds' '^[0-9]+(\.[0-9]+)?$' "ready with replay paused: the lag is a number"
lag_positive() { jq -e '.replica.replay_lag_seconds > 0' >/dev/null <<<"$BODY"; }
check "ready with replay paused: the lag is above 0 ($(jq -r .replica.replay_lag_seconds <<<"$BODY") s)" lag_positive
rsql 'SELECT pg_wal_replay_resume()' >/dev/null
check "replay resumed: the lag is 0 again" wait_for 20 caught_up
check "the replica has the new user" test "$(rsql "SELECT count(*) FROM users WHERE id = $R_ID")" = 1

# The replica goes away: ready stays 200 (the primary decides) and says so.
"${as[@]}" "$bin/pg_ctl" stop -D "$rdir/data" -m fast -s >/dev/null 2>&1
replica_started=
req GET /health/ready
expect_status 200 "replica down: ready is still 200"
expect_json '.replica.status' unavailable "replica down: reported as unavailable"
expect_json '.replica.replay_lag_seconds' null "replica down: no lag"

finish
