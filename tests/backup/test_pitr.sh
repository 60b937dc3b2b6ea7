#!/usr/bin/env bash
# Backups and point-in-time recovery with pgBackRest (scripts/backup), on a stack of its
# own: WAL archiving on, a full backup taken while the verifying load client writes, more
# writes after it, then a destructive change (half the tasks deleted). The cluster is
# restored into a fresh directory up to the moment just before the DELETE (--type=time),
# and its task count and a checksum of every task must equal the source's at that moment.
# Output: "ok - ..." / "not ok - ..." lines; exit status 1 when any failed.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
cd "$REPO" || exit 1
T=test_pitr.sh
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $T: $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $T: $1"; }
check() { local n=$1; shift; if "$@"; then ok "$n"; else not_ok "$n"; fi; }

work=$(mktemp -d /tmp/taskapi-pitr.XXXXXX)
chmod 755 "$work"
VAR=$work/var restored=$work/restored
load_pid=
cleanup() {
	[ -z "$load_pid" ] || kill -KILL "$load_pid" 2>/dev/null
	scripts/pg-down "$restored" >/dev/null 2>&1
	VAR_DIR=$VAR scripts/stack-down >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A PostgreSQL of its own under $VAR (archiving is set on it): not another stack's.
unset DATABASE_URL BASE_URL VAR_DIR PORT PG_PORT
export APP_ENV=development BCRYPT_COST=4 TASKAPI_WORKERS=2 RATE_LIMIT=off
export JWT_SECRET=${JWT_SECRET:-test-secret-for-the-pitr-test-only-0123456789}
if ! VAR_DIR=$VAR PORT=$(scripts/free-port) PG_PORT=$(scripts/free-port) scripts/stack-up >"$work/up.log" 2>&1; then
	cat "$work/up.log"
	not_ok "stack-up"
	exit 1
fi
# shellcheck source=/dev/null
. "$VAR/run/env"
export VAR_DIR DATABASE_URL
q() { psql "$DATABASE_URL" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
SUM="SELECT count(*) || ' ' || coalesce(md5(string_agg(concat_ws('|', id, title, description, status, priority, due_date, owner_id, version, created_at, updated_at, completed_at), ',' ORDER BY id)), '-') FROM tasks"

if scripts/backup setup >"$work/setup.log" 2>&1; then
	ok "setup: WAL archiving on, stanza created, pgbackrest check passes"
else
	cat "$work/setup.log"
	not_ok "setup"
	exit 1
fi
check "archive_command is pgbackrest archive-push" grep -q 'pgbackrest .*archive-push' <<<"$(q 'SHOW archive_command')"

# A full backup while the load client writes (it verifies its own writes at the end).
FAULT_READY_FILE=$work/ready /usr/bin/python3 tests/fault/client.py load --base "$BASE_URL" \
	--db "$DATABASE_URL" --run pitr$$ --threads 2 --seconds 10 --settle 5 >"$work/load.log" 2>&1 &
load_pid=$!
for _ in $(seq 1 300); do [ -e "$work/ready" ] && break; sleep 0.1; done
sleep 2
t0=$SECONDS
if scripts/backup full >"$work/full.log" 2>&1; then
	ok "a full backup under load ($((SECONDS - t0)) s, $(q 'SELECT count(*) FROM tasks') tasks when it ended; machine shared, figure indicative)"
else
	cat "$work/full.log"
	not_ok "full backup under load"
fi
max_at_backup=$(q 'SELECT coalesce(max(id), 0) FROM tasks')
wait "$load_pid"
rc=$?
load_pid=
sed 's/^/#   /' "$work/load.log" | grep -v '^#   latency'
check "the load during the backup lost and doubled nothing" test "$rc" = 0
# More writes after the backup: only WAL replay brings them back.
/usr/bin/python3 tests/fault/client.py load --base "$BASE_URL" --db "$DATABASE_URL" --run pitr2$$ \
	--threads 2 --seconds 3 --settle 5 >"$work/load2.log" 2>&1
check "the load after the backup lost and doubled nothing" test "$?" = 0
check "tasks were written after the backup ended (WAL replay will be needed)" \
	test "$(q 'SELECT coalesce(max(id), 0) FROM tasks')" -gt "$max_at_backup"

# The moment to recover to, then the destructive change.
before=$(q "$SUM")
target=$(q "SELECT now()")
sleep 1.2
deleted=$(q "WITH d AS (DELETE FROM tasks WHERE id % 2 = 0 RETURNING 1) SELECT count(*) FROM d")
q "UPDATE tasks SET title = 'overwritten' WHERE id % 3 = 0"
after=$(q "$SUM")
echo "# target time $target: tasks and checksum $before; then $deleted tasks deleted, every third retitled: $after"
check "the destructive change changed the checksum (so the comparison can fail)" test "$before" != "$after"
# pgbackrest check switches WAL and waits until the segment with the DELETE is archived.
scripts/backup check >/dev/null 2>&1 || not_ok "pgbackrest check after the change"

t0=$SECONDS
if url=$(scripts/backup restore "$restored" "$(scripts/free-port)" "$target" 2>"$work/restore.log" | tail -n 1); then
	ok "restore to a fresh cluster up to $target ($((SECONDS - t0)) s; machine shared, figure indicative)"
	got=$(psql "$url" -qAtX -c "$SUM")
	echo "# restored: $got"
	check "restored task count and checksum equal the source's just before the DELETE" test "$got" = "$before"
	check "the restored cluster is promoted (accepts writes)" \
		psql "$url" -qAtX -v ON_ERROR_STOP=1 -c "CREATE TEMP TABLE w (x int)"
else
	cat "$work/restore.log"
	not_ok "restore up to $target"
fi
scripts/backup info | sed 's/^/# /'
echo "# $passed passed, $failed failed"
((failed == 0))
