#!/usr/bin/env bash
# Bootstrapping an admin without an open endpoint: `taskapi user create --admin
# --username U --email E` reads the password from stdin and applies the API's rules.
# Needs BASE_URL and DATABASE_URL (the stack's database); the binary is build/taskapi.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../api/lib.sh
. "$here/../api/lib.sh"
REPO=$(cd "$here/../.." && pwd)
BIN=${TASKAPI_CLI_BIN:-$REPO/build/taskapi}

# cli PASSWORD ARGS...: runs `taskapi user create ARGS` with PASSWORD on stdin; sets
# CLI_RC, CLI_OUT, CLI_ERR.
cli() {
	local pw=$1
	shift
	CLI_OUT=$(printf '%s\n' "$pw" | "$BIN" user create "$@" 2>"$_T/cli.err")
	CLI_RC=$?
	CLI_ERR=$(cat "$_T/cli.err")
}

u=$(unique)
cli "Bootstrap1pw" --admin --username "root_$u" --email "root_$u@example.com" --full-name "The Admin"
check "user create --admin exits 0" test "$CLI_RC" = 0
BODY=$CLI_OUT
expect_json .role admin "the created user is an admin"
expect_json .username "root_$u" "the created user has the given username"
expect_json .email "root_$u@example.com" "the created user has the given email"
expect_json .full_name "The Admin" "the created user has the given full name"
expect_no_password_fields "the command prints no password or hash"
login "root_$u" "Bootstrap1pw"
expect_status 200 "the admin logs in with the password given on stdin"
TOKEN=$LOGIN_TOKEN req GET '/api/v1/users/?limit=1'
expect_status 200 "the admin may list users"

cli "Plainuser1pw" --username "plain_$u" --email "plain_$u@example.com"
check "user create without --admin exits 0" test "$CLI_RC" = 0
BODY=$CLI_OUT
expect_json .role user "without --admin the user is a plain user"

# ---- refusals, with the API's messages
cli "Another1pw" --admin --username "root_$u" --email "other_$u@example.com"
check "bad: a taken username exits 1" test "$CLI_RC" = 1
check "bad: a taken username says Username already taken" grep -q "Username already taken" <<<"$CLI_ERR"
cli "Another1pw" --admin --username "other_$u" --email "ROOT_$u@example.com"
check "bad: a taken email (other case) says Email already registered" grep -q "Email already registered" <<<"$CLI_ERR"
cli "weak" --admin --username "weak_$u" --email "weak_$u@example.com"
check "bad: a weak password exits 1" test "$CLI_RC" = 1
check "bad: a weak password names every failing rule" test "$(grep -c '^taskapi: password:' <<<"$CLI_ERR")" = 3
cli "Strong1pw" --admin --username "x" --email "not-an-email"
check "bad: a short username and a bad email are both reported" \
	bash -c 'grep -q "^taskapi: username:" <<<"$1" && grep -q "^taskapi: email:" <<<"$1"' _ "$CLI_ERR"
CLI_OUT=$("$BIN" user create --admin --username "empty_$u" --email "empty_$u@example.com" </dev/null 2>"$_T/cli.err")
CLI_RC=$?
check "bad: no password on stdin exits 1" test "$CLI_RC" = 1
"$BIN" user create --admin --email "e_$u@example.com" </dev/null >/dev/null 2>&1
check "bad: without --username it prints usage and exits 2" test "$?" = 2
"$BIN" user create --bogus </dev/null >/dev/null 2>&1
check "bad: an unknown option exits 2" test "$?" = 2
n=$(psql_exec "SELECT count(*) FROM users WHERE username IN ('weak_$u', 'x', 'empty_$u', 'other_$u')")
check "no refused account was created" test "$n" = 0

# ---- outside development the command refuses a weak JWT secret, as the server does
printf 'Prodadmin1pw\n' | APP_ENV=production JWT_SECRET=short "$BIN" user create --admin \
	--username "prod_$u" --email "prod_$u@example.com" >/dev/null 2>"$_T/cli.err"
check "bad: in production a short JWT secret refuses even the command" test "$?" = 1
check "bad: the refusal says why" grep -q "at least 32 bytes" "$_T/cli.err"

finish
