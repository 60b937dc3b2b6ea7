#!/usr/bin/env bash
# Schema upgrades: a database made at the oldest migration (sql/001 only) and filled
# through the release of that time (built from git history into build/prev-<commit>, kept
# for the next run), upgraded to the newest schema by `taskapi migrate` while that old
# release goes on serving reads; then the new release serves it: data and logins survive.
# And the migration lock: two `taskapi migrate` at once apply each file once, and one
# waits while another session holds the lock.
# Needs DATABASE_URL (the stack's database: its server holds the databases made here).
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../api/lib.sh
. "$here/../api/lib.sh"
REPO=$(cd "$here/../.." && pwd)
BIN=${TASKAPI_CLI_BIN:-$REPO/build/taskapi}
u=$(unique)
server=${DATABASE_URL%/*}
dbs=(upgrade_$u upgrade_race_$u upgrade_wait_$u)
URL=$server/${dbs[0]}
reader=
prevdir=$REPO/build/prev-none
cleanup() {
	[ -z "$reader" ] || kill -KILL "$reader" 2>/dev/null
	VAR_DIR=$_T/old "$prevdir/src/scripts/stack-down" >/dev/null 2>&1
	VAR_DIR=$_T/new "$REPO/scripts/stack-down" >/dev/null 2>&1
	for d in "${dbs[@]}"; do psql "$server/postgres" -qAtX -c "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1; done
	rm -rf "$_T"
}
at_exit cleanup
for d in "${dbs[@]}"; do psql "$server/postgres" -qAtX -v ON_ERROR_STOP=1 -c "CREATE DATABASE $d" >/dev/null; done
db() { psql "$URL" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }

# ---- the previous release: the last commit whose sql/ held only the first migration
cd "$REPO" || exit 1
second=$(git log --reverse --format=%H --diff-filter=A -- sql/ 2>/dev/null | sed -n 2p)
prev=$(git rev-parse --verify -q "$second^" 2>/dev/null)
if [ -z "$prev" ]; then
	fail "the previous release is in git history" "no commit before the second migration"
	finish
fi
prevdir=$REPO/build/prev-${prev:0:12} OLD=$REPO/build/prev-${prev:0:12}/out/taskapi
if [ ! -x "$OLD" ]; then
	rm -rf "$prevdir" && mkdir -p "$prevdir/src" && git archive "$prev" | tar -x -C "$prevdir/src"
	make -s -C "$prevdir/src" OUT="$prevdir/out" OPT=-O1 BUILD_ID="prev-${prev:0:12}" "$OLD" >"$_T/build.log" 2>&1
fi
check "the previous release (${prev:0:12}, sql/001 only) builds from history" test -x "$OLD"
mkdir -p "$_T/sql-old"
git show "$prev:sql/001_init.sql" >"$_T/sql-old/001_init.sql"

# ---- the old release on a database at the oldest migration, filled through its API
# Started by that release's own scripts and NGINX template, as it was deployed.
if ! VAR_DIR=$_T/old DATABASE_URL=$URL TASKAPI_BIN=$OLD TASKAPI_SQL_DIR=$_T/sql-old TASKAPI_WORKERS=2 \
	PORT=$("$REPO/scripts/free-port") "$prevdir/src/scripts/stack-up" >"$_T/old.log" 2>&1; then
	fail "the previous release starts" "$(tail -n 5 "$_T/old.log")"
	finish
fi
BASE_URL=$(. "$_T/old/run/env" && echo "$BASE_URL")
check "the database is at the oldest migration" test "$(db "SELECT string_agg(version, ' ') FROM schema_migrations")" = 001_init.sql
tokens=()
for i in 1 2 3; do
	TOKEN='' req POST /api/v1/auth/register "{\"username\": \"old${i}_$u\", \"email\": \"old${i}_$u@example.com\", \"password\": \"Old-password-$i\"}"
	login "old${i}_$u" "Old-password-$i"
	tokens+=("$LOGIN_TOKEN")
	for s in todo in_progress completed; do
		TOKEN=$LOGIN_TOKEN req POST /api/v1/tasks/ "{\"title\": \"old $i $s\", \"description\": \"by the old release\", \"status\": \"$s\", \"priority\": \"high\", \"due_date\": \"2030-01-0${i}T10:00:00Z\"}"
	done
done
check "the old release registered 3 users and created 9 tasks" test "$(db 'SELECT count(*) FROM tasks')" = 9
# Bulk rows so the upgrade's table rewrite takes a moment.
owner=$(db "SELECT id FROM users WHERE username = 'old1_$u'")
db "INSERT INTO tasks (title, description, status, priority, owner_id) SELECT 'bulk ' || g, 'row ' || g, (ARRAY['todo','in_progress','completed'])[1 + g % 3], (ARRAY['low','medium','high'])[1 + g % 3], $owner FROM generate_series(1, 10000) g"
SUM_T="SELECT count(*) || ' ' || md5(string_agg(concat_ws('|', id, title, description, status, priority, due_date, owner_id, created_at, updated_at), ',' ORDER BY id)) FROM tasks"
SUM_U="SELECT count(*) || ' ' || md5(string_agg(concat_ws('|', id, username, email, hashed_password, role, is_active, created_at), ',' ORDER BY id)) FROM users"
tasks_before=$(db "$SUM_T") users_before=$(db "$SUM_U")

# ---- upgrade to the newest schema while the old release serves reads
task_id=$(db "SELECT min(id) FROM tasks")
(
	while [ ! -e "$_T/stop" ]; do
		for p in "/api/v1/tasks/?limit=10" "/api/v1/tasks/$task_id" /api/v1/users/me; do
			curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 30 \
				-H "Authorization: Bearer ${tokens[0]}" "$BASE_URL$p"
		done
	done >"$_T/reads"
) &
reader=$!
sleep 1
t0=$(date +%s.%N)
TASKAPI_SQL_DIR=$REPO/sql DATABASE_URL=$URL "$BIN" migrate >"$_T/migrate.log" 2>&1
rc=$?
t1=$(date +%s.%N)
sleep 1
touch "$_T/stop"
wait "$reader"
reader=
sed 's/^/# /' "$_T/migrate.log"
check "taskapi migrate upgrades the old database (exit 0)" test "$rc" = 0
check "every migration is applied" test "$(db 'SELECT count(*) FROM schema_migrations')" = "$(ls "$REPO"/sql/[0-9]*.sql | wc -l)"
n=$(wc -l <"$_T/reads") bad=$(grep -vc '^200 ' "$_T/reads")
max=$(sort -k2 -n "$_T/reads" | tail -n 1 | cut -d' ' -f2)
echo "# upgrade took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s; the old release answered $n reads meanwhile, $bad not 200, slowest ${max}s (machine shared)"
check "the old release answered every read during the upgrade with 200" test "$n" -gt 0 -a "$bad" = 0
TOKEN=${tokens[1]} req GET /api/v1/tasks/
expect_status 200 "the old release still lists tasks on the upgraded schema"

# ---- the new release on the upgraded database
VAR_DIR=$_T/old "$prevdir/src/scripts/stack-down" >/dev/null 2>&1
if ! VAR_DIR=$_T/new DATABASE_URL=$URL TASKAPI_WORKERS=2 PORT=$("$REPO/scripts/free-port") \
	"$REPO/scripts/stack-up" >"$_T/new.log" 2>&1; then
	fail "the new release starts on the upgraded database" "$(tail -n 5 "$_T/new.log")"
	finish
fi
BASE_URL=$(. "$_T/new/run/env" && echo "$BASE_URL")
check "every task is unchanged by the upgrade (count and checksum)" test "$(db "$SUM_T")" = "$tasks_before"
check "every user is unchanged by the upgrade (count and checksum)" test "$(db "$SUM_U")" = "$users_before"
for i in 1 2 3; do
	login "old${i}_$u" "Old-password-$i"
	expect_status 200 "old${i} logs in to the new release with the password set under the old one"
done
TOKEN=$LOGIN_TOKEN req GET '/api/v1/tasks/?status=completed'
expect_status 200 "the new release lists an old user's tasks"
expect_json '.tasks | length' 1 "with the old task's status"
TOKEN=$LOGIN_TOKEN req GET "/api/v1/tasks/$(jq -r '.tasks[0].id' <<<"$BODY")"
expect_json .is_completed true "an old completed task reads as completed"
check "an old task has an ETag (version added by the upgrade)" test -n "$(header_value etag)"
check "task counts kept by the new triggers match the tasks" test "$(db 'SELECT sum(n) FROM task_counts')" = "$(db 'SELECT count(*) FROM tasks')"

# ---- the migration lock
race=$server/${dbs[1]}
TASKAPI_SQL_DIR=$REPO/sql DATABASE_URL=$race "$BIN" migrate >"$_T/m1" 2>&1 &
m1=$!
TASKAPI_SQL_DIR=$REPO/sql DATABASE_URL=$race "$BIN" migrate >"$_T/m2" 2>&1
rc2=$?
wait "$m1"
rc1=$?
files=$(ls "$REPO"/sql/[0-9]*.sql | wc -l)
check "two concurrent migrate runs both succeed" test "$rc1/$rc2" = 0/0
check "between them each migration is applied exactly once" test "$(cat "$_T/m1" "$_T/m2" | grep -c '^migrate: applied')" = "$files"
wait_url=$server/${dbs[2]}
psql "$wait_url" -qAtX -c "SELECT pg_advisory_lock(7310001), pg_sleep(4)" >/dev/null 2>&1 &
holder=$!
sleep 1
TASKAPI_SQL_DIR=$REPO/sql DATABASE_URL=$wait_url "$BIN" migrate >"$_T/m3" 2>&1 &
m3=$!
sleep 1.5
blocked=0
kill -0 "$m3" 2>/dev/null && blocked=1
applied=$(psql "$wait_url" -qAtX -c "SELECT count(*) FROM pg_tables WHERE tablename = 'users'")
wait "$holder"
wait "$m3"
rc3=$?
check "migrate waits while another session holds the migration lock" test "$blocked/$applied" = 1/0
check "and applies everything once the lock is released" test "$rc3/$(grep -c '^migrate: applied' "$_T/m3")" = "0/$files"
finish
