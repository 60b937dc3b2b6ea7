#!/usr/bin/env bash
# `taskapi import --from URL` brings over a database of the FastAPI version (the fixture
# tests/import/fastapi_db.sql: enum types, timestamp without time zone, bcrypt hashes made
# by Python's bcrypt): into a fresh database, served by a pool of its own, every accepted
# user logs in with the old password through the API, every task keeps its id and fields,
# the sequences continue after the highest ids, clashes are reported, and a rerun
# duplicates nothing and brings over only what changed in the source.
# Needs DATABASE_URL (the stack's database: its server holds the two databases made here).
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../api/lib.sh
. "$here/../api/lib.sh"
REPO=$(cd "$here/../.." && pwd)
BIN=${TASKAPI_CLI_BIN:-$REPO/build/taskapi}

u=$(unique)
server=${DATABASE_URL%/*}
src_db=import_src_$u dst_db=import_dst_$u
SRC_URL=$server/$src_db DST_URL=$server/$dst_db
stack=$_T/stack
cleanup() {
	VAR_DIR=$stack "$REPO/scripts/stack-down" >/dev/null 2>&1
	psql "$server/postgres" -qAtX -c "DROP DATABASE IF EXISTS $src_db" -c "DROP DATABASE IF EXISTS $dst_db" >/dev/null 2>&1
	rm -rf "$_T"
}
at_exit cleanup

psql "$server/postgres" -qAtX -v ON_ERROR_STOP=1 -c "CREATE DATABASE $src_db" -c "CREATE DATABASE $dst_db" >/dev/null
psql "$SRC_URL" -qAtX -v ON_ERROR_STOP=1 -f "$REPO/tests/import/fastapi_db.sql" >/dev/null
DATABASE_URL=$DST_URL "$BIN" migrate >/dev/null
src() { psql "$SRC_URL" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
dst() { psql "$DST_URL" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
# An account already in the target: "zed" of the source clashes with it.
dst "INSERT INTO users (id, email, username, hashed_password) VALUES (100, 'zed@other.example', 'Zed', '\$2b\$04\$SmokjhUbIXqZtDIWCiTVaO6KTl6QHWGJW.uXmQPNFPMtwH7ZgNl5C')"

jq_body() { jq -e "$1" <<<"$BODY" >/dev/null; }
# run_import: sets IMP_RC, IMP_OUT, IMP_ERR.
run_import() {
	IMP_OUT=$(DATABASE_URL=$DST_URL "$BIN" import --from "$SRC_URL" 2>"$_T/imp.err")
	IMP_RC=$?
	IMP_ERR=$(cat "$_T/imp.err")
	printf '# %s\n' "$IMP_OUT" "$IMP_ERR"
}

run_import
check "import exits 3 (some rows reported and skipped)" test "$IMP_RC" = 3
check "users: 6 read, 3 new" grep -q '^users: 6 in the source, 3 new, 0 updated$' <<<"$IMP_OUT"
check "tasks: 9 read, 6 new" grep -q '^tasks: 9 in the source, 6 new, 0 updated$' <<<"$IMP_OUT"
check "clash: carol's email equals alice's, case-insensitively" \
	grep -q '^taskapi import: user 3 skipped: email ALICE@Example.com clashes with user 1' <<<"$IMP_ERR"
check "clash: \"Bob\" equals \"bob\", case-insensitively" \
	grep -q '^taskapi import: user 4 skipped: username Bob clashes with user 2' <<<"$IMP_ERR"
check "clash: zed is taken here by Zed (id 100)" \
	grep -q '^taskapi import: user 8 skipped: .*taken here by user 100 (Zed)' <<<"$IMP_ERR"
check "tasks of rejected owners are reported" \
	bash -c 'grep -q "task 30 skipped: its owner 3" <<<"$1" && grep -q "task 40 skipped: its owner 4" <<<"$1"' _ "$IMP_ERR"
check "a task this schema refuses (empty title) is reported" grep -q '^taskapi import: task 41 skipped: values' <<<"$IMP_ERR"
check "six rows reported in all" test "$(grep -c ' skipped: ' <<<"$IMP_ERR")" = 6

# Field by field: the source's rows, mapped, against this database's.
src_tasks=$(src "SELECT id, title, coalesce(description, '~'), CASE WHEN is_completed OR status = 'COMPLETED' THEN 'completed' ELSE lower(status::text) END, lower(priority::text), coalesce(to_char(due_date, 'YYYY-MM-DD HH24:MI:SS.US'), '~'), owner_id, to_char(created_at, 'YYYY-MM-DD HH24:MI:SS.US'), to_char(coalesce(updated_at, created_at), 'YYYY-MM-DD HH24:MI:SS.US') FROM tasks WHERE id NOT IN (30, 40, 41) ORDER BY id")
dst_tasks=$(dst "SET timezone = 'UTC'; SELECT id, title, coalesce(description, '~'), status, priority, coalesce(to_char(due_date, 'YYYY-MM-DD HH24:MI:SS.US'), '~'), owner_id, to_char(created_at, 'YYYY-MM-DD HH24:MI:SS.US'), to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS.US') FROM tasks ORDER BY id")
check "every imported task keeps its id and fields (times as UTC)" test "$src_tasks" = "$dst_tasks"
src_users=$(src "SELECT id, email, username, hashed_password, coalesce(full_name, '~'), lower(role::text), is_active, to_char(created_at, 'YYYY-MM-DD HH24:MI:SS.US') FROM users WHERE id IN (1, 2, 7) ORDER BY id")
dst_users=$(dst "SET timezone = 'UTC'; SELECT id, email, username, hashed_password, coalesce(full_name, '~'), role, is_active, to_char(created_at, 'YYYY-MM-DD HH24:MI:SS.US') FROM users WHERE id <> 100 ORDER BY id")
check "every imported user keeps id, names, hash, role, state and creation time" test "$src_users" = "$dst_users"
check "task_counts agree with the imported tasks" test \
	"$(dst 'SELECT sum(n) FROM task_counts')" = "$(dst 'SELECT count(*) FROM tasks')"

# ---- served by a pool on the imported database
if ! VAR_DIR=$stack DATABASE_URL=$DST_URL PORT=$("$REPO/scripts/free-port") TASKAPI_WORKERS=2 \
	"$REPO/scripts/stack-up" >"$_T/stack.log" 2>&1; then
	fail "stack-up on the imported database" "$(tail -n 5 "$_T/stack.log")"
	finish
fi
BASE_URL=$(. "$stack/run/env" && echo "$BASE_URL")

login alice 'Alice-password-1'
expect_status 200 "alice logs in with her old password (a \$2b\$12\$ hash made by Python's bcrypt)"
alice=$LOGIN_TOKEN
login alice 'Alice-password-2'
expect_status 401 "bad: alice with a wrong password is refused"
login bob 'Bob-password-1'
expect_status 200 "bob logs in with his old password"
bob=$LOGIN_TOKEN
login erin 'Erin-password-1'
expect_status 403 "erin, inactive in the source, is inactive here"
login Bob 'Dave-password-1'
check "the rejected \"Bob\" cannot log in" test "$STATUS" != 200
TOKEN=$alice req GET /api/v1/users/me
expect_json .role admin "alice is still an admin"
TOKEN=$alice req GET /api/v1/tasks/10
expect_status 200 "alice reads her task 10 by its old id"
expect_json .title 'Alice first' "task 10: title"
expect_json .priority high "task 10: priority"
expect_json .status todo "task 10: status"
check "task 10: due date in UTC" jq_body '.due_date | startswith("2024-12-31T23:59:59")'
check "task 10: creation time in UTC" jq_body '.created_at | startswith("2023-05-01T08:00:00")'
TOKEN=$bob req GET /api/v1/tasks/20
expect_json .status completed "task 20 (TODO but is_completed) is completed"
expect_json .is_completed true "task 20: is_completed true"
TOKEN=$bob req POST /api/v1/tasks/ '{"title": "made after the import"}'
expect_status 201 "bob creates a task"
check "a new task's id continues after the highest imported id (57)" jq_body '.id > 57'
new_task=$(jq -r .id <<<"$BODY")
TOKEN='' req POST /api/v1/auth/register '{"username": "newcomer", "email": "newcomer@example.com", "password": "Newcomer-pw-1"}'
expect_status 201 "a new account registers"
check "its id continues after the highest id (100)" jq_body '.id > 100'

# ---- rerun: nothing doubled; newer source rows come over; newer rows here are kept
TOKEN=$alice req PATCH /api/v1/tasks/11 '{"title": "changed here after the import"}'
expect_status 200 "alice changes task 11 here"
src "UPDATE tasks SET title = 'Bob open, renamed in the source', updated_at = '2024-01-01 00:00:00' WHERE id = 21"
src "UPDATE tasks SET title = 'older change in the source', updated_at = '2023-12-01 00:00:00' WHERE id = 11"
before=$(dst "SELECT count(*) FROM users")/$(dst "SELECT count(*) FROM tasks")
run_import
check "rerun exits 3 (the same rows reported)" test "$IMP_RC" = 3
check "rerun: no new user" grep -q '^users: 6 in the source, 0 new, 0 updated$' <<<"$IMP_OUT"
check "rerun: the task changed in the source is updated, nothing else" grep -q '^tasks: 9 in the source, 0 new, 1 updated$' <<<"$IMP_OUT"
check "rerun: the counts of users and tasks are unchanged" test "$before" = "$(dst "SELECT count(*) FROM users")/$(dst "SELECT count(*) FROM tasks")"
check "rerun: task 21 has the source's new title" test "$(dst 'SELECT title FROM tasks WHERE id = 21')" = 'Bob open, renamed in the source'
check "rerun: task 11, changed here later, keeps this database's title" test "$(dst 'SELECT title FROM tasks WHERE id = 11')" = 'changed here after the import'
check "rerun: the task made here is kept" test "$(dst "SELECT count(*) FROM tasks WHERE id = $new_task")" = 1
login alice 'Alice-password-1'
expect_status 200 "after the rerun alice still logs in"

# ---- a source that is not there: an error, nothing changed
DATABASE_URL=$DST_URL "$BIN" import --from "$server/no_such_db_$u" >/dev/null 2>"$_T/imp.err"
check "bad: an unreachable source exits 1" test "$?" = 1
DATABASE_URL=$DST_URL "$BIN" import >/dev/null 2>&1
check "bad: without --from it prints usage and exits 2" test "$?" = 2
finish
