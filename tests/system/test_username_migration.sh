#!/usr/bin/env bash
# sql/004_reliability.sql on a database that already has usernames equal up to case:
# a scratch database on the main stack's server is migrated to 003,
# given clashing names, then migrated to the end. The lowest id keeps each name, the
# others are renamed "<name>-<id>" deterministically, reported and recorded; afterwards
# a clash is refused and logins ignore case.
# Needs DATABASE_URL (the main stack's database; a scratch one is made beside it).
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../api/lib.sh
. "$here/../api/lib.sh"
REPO=$(cd "$here/../.." && pwd)
BIN=$REPO/build/taskapi

db=taskapi_usermig_$$
scratch_url=${DATABASE_URL%/*}/$db
old_sql=$(mktemp -d /tmp/taskapi-usermig.XXXXXX)
cleanup() {
	psql -X -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
	rm -rf "$old_sql" "$_T"
}
at_exit cleanup
q() { psql -X -qAt "$scratch_url" -c "$1"; }

psql -X -q "$DATABASE_URL" -c "CREATE DATABASE $db" >/dev/null
cp "$REPO"/sql/00[123]_*.sql "$old_sql/"
check "setup: the scratch database migrates to 003" \
	env APP_ENV=development DATABASE_URL="$scratch_url" TASKAPI_SQL_DIR="$old_sql" "$BIN" migrate
# Three "bob"s, two "Ann"s, and a "bob-2" already taken by someone else (the rename of
# id 2 must then go one further). Ids are given, so the expected names are known.
long=$(printf 'L%.0s' $(seq 50))
q "INSERT INTO users (id, email, username, hashed_password) VALUES
	(1, 'b1@example.com', 'bob', 'x'), (2, 'b2@example.com', 'Bob', 'x'), (3, 'b3@example.com', 'BOB', 'x'),
	(4, 'a1@example.com', 'Ann', 'x'), (5, 'a2@example.com', 'ann', 'x'),
	(6, 'c1@example.com', 'bob-2', 'x'), (7, 'c2@example.com', 'carol', 'x'),
	(8, 'l1@example.com', '$long', 'x'), (9, 'l2@example.com', lower('$long'), 'x')"
env APP_ENV=development DATABASE_URL="$scratch_url" "$BIN" migrate >"$_T/out" 2>&1
rc=$?
check "the migration to the end succeeds over the clashes" test "$rc" = 0
check "it reports each rename as a warning" test "$(grep -c 'WARNING:  username clash' "$_T/out")" = 4
names=$(q "SELECT string_agg(id || '=' || username, ' ' ORDER BY id) FROM users WHERE id < 8")
check "lowest ids keep their names; the others are <name>-<id> ($names)" \
	test "$names" = "1=bob 2=Bob-2-2 3=BOB-3 4=Ann 5=ann-5 6=bob-2 7=carol"
check "username_renames records old and new names" \
	test "$(q "SELECT string_agg(user_id || ':' || old_username || '>' || new_username, ' ' ORDER BY user_id) FROM username_renames WHERE user_id < 8")" \
	= "2:Bob>Bob-2-2 3:BOB>BOB-3 5:ann>ann-5"
psql -X -q "$scratch_url" -c "INSERT INTO users (id, email, username, hashed_password) VALUES (50, 'd@example.com', 'CAROL', 'x')" >"$_T/clash" 2>&1
check "bad: a new clash is refused by users_username_key" grep -q 'unique constraint "users_username_key"' "$_T/clash"
check "a rename of a 50-character name is cut to fit: 48 characters and -9" \
	test "$(q "SELECT username FROM users WHERE id = 9")" = "$(printf 'l%.0s' $(seq 48))-9"
rerun=$(env APP_ENV=development DATABASE_URL="$scratch_url" "$BIN" migrate 2>&1)
check "rerunning the migrations changes nothing" test -z "$rerun"
finish
