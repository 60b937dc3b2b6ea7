# shellcheck shell=bash
# Harness for the black-box API tests (curl + jq against the running stack).
# Sourced by every tests/api/test_*.sh; each file ends with `finish`.
#
# Environment: BASE_URL (e.g. http://127.0.0.1:8080), DATABASE_URL (psql_exec only),
# JWT_SECRET (tests that craft tokens).
#
# Requests:   req METHOD PATH [BODY] [extra curl args...]
#             sets STATUS, BODY, HEADERS (header names lowercased, last response only).
#             BODY "" sends no body; "@file" sends the file as is. A Content-Type of
#             application/json is added whenever a body is sent.
#             With RECORD_DIR set, each response is also written there (method, path,
#             status, headers, body) for tests/contract/validate-responses.mjs.
#             Authorization: "Bearer $TOKEN" when TOKEN is non-empty. Per call:
#               TOKEN='' req ...                       no Authorization header
#               AUTH_HEADER='Authorization: Basic x' req ...   this header instead
# Stacks:     own_stack, restack, pool_workers, at_exit: a pool and NGINX of the test's
#             own, stopped on exit (see "stacks of a test's own" below).
# Assertions (recorded, never exit): ok, fail, expect_status, expect_json,
#             expect_json_match, expect_body_json, expect_header, expect_header_token,
#             expect_no_header, expect_location (then follow_location), expect_422,
#             expect_no_password_fields, expect_no_leak.

set -o pipefail

TEST_FILE=$(basename "$0")
PASSED=0
FAILED=0
STATUS=
BODY=
HEADERS=
CURL_RC=0
TOKEN=${TOKEN:-}

_T=$(mktemp -d "${TMPDIR:-/tmp}/apitest.XXXXXX")
_LIB_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
_AT_EXIT=() _STACKS=()
# at_exit COMMAND: run (eval) when the test exits, however it ends, before the stacks of
# own_stack stop; the test's own trap on EXIT would replace this library's.
at_exit() { _AT_EXIT+=("$1"); }
_lib_exit() {
	local c d
	for c in "${_AT_EXIT[@]}"; do eval "$c"; done
	for d in "${_STACKS[@]}"; do
		VAR_DIR=$d "$_LIB_REPO/scripts/stack-down" >/dev/null 2>&1
		rm -rf "$d"
	done
	rm -rf "$_T"
}
trap _lib_exit EXIT

if [[ -z ${BASE_URL:-} ]]; then
	echo "not ok - $TEST_FILE: environment: BASE_URL is not set"
	exit 1
fi
BASE_URL=${BASE_URL%/}

# An RFC 3339 UTC time as the API writes it.
# shellcheck disable=SC2034
TS_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$'
VALIDATION_MSG='Validation error occurred'
TASK_ID=
LOGIN_TOKEN=

# ---------------------------------------------------------------- recording

_oneline() { # first 300 characters of $1 on one line
	local s=${1//$'\r'/}
	s=${s//$'\n'/ }
	printf '%s' "${s:0:300}"
}

_last() { # a description of the last response, for failure details
	printf 'status %s, body: %s' "${STATUS:-none}" "$(_oneline "$BODY")"
}

ok() {
	PASSED=$((PASSED + 1))
	printf 'ok - %s: %s\n' "$TEST_FILE" "$1"
}

# fail NAME DETAILS: DETAILS is printed as given (assertions include status and body).
fail() {
	FAILED=$((FAILED + 1))
	printf 'not ok - %s: %s: %s\n' "$TEST_FILE" "$1" "$(_oneline "${2:-failed}")"
}

# check NAME CONDITION-COMMAND...: ok when the command succeeds, else fail with the last response.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else fail "$name" "check failed: $*; $(_last)"; fi
}

finish() {
	if ((FAILED > 0)); then exit 1; fi
	exit 0
}

# wait_for SECONDS COMMAND...: runs COMMAND every 0.2 s until it succeeds; fails
# (status 1) once SECONDS have passed without success.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS < deadline)) || return 1
		sleep 0.2
	done
}

# ---------------------------------------------------------------- requests

req() {
	local method=$1 path=$2 body=${3-}
	shift 2
	if (($# > 0)); then shift; fi
	local args=(-sS -X "$method" -o "$_T/body" -D "$_T/headers" -w '%{http_code}'
		--connect-timeout 5 --max-time "${REQ_TIMEOUT:-30}")
	if [[ -n $body ]]; then
		args+=(-H 'Content-Type: application/json' --data-binary "$body")
	fi
	if [[ -n ${AUTH_HEADER+x} ]]; then
		if [[ -n $AUTH_HEADER ]]; then args+=(-H "$AUTH_HEADER"); fi
	elif [[ -n ${TOKEN:-} ]]; then
		args+=(-H "Authorization: Bearer $TOKEN")
	fi
	: >"$_T/body"
	: >"$_T/headers"
	STATUS=$(curl "${args[@]}" "$@" "$BASE_URL$path" 2>"$_T/curl_err")
	CURL_RC=$?
	[[ -n $STATUS ]] || STATUS=000
	BODY=$(cat "$_T/body")
	# Keep only the last header block (after any 100 Continue), lowercase the names.
	HEADERS=$(tr -d '\r' <"$_T/headers" | awk '
		/^HTTP\// { n = 0 }
		{ line[n++] = $0 }
		END {
			for (i = 0; i < n; i++) {
				l = line[i]; p = index(l, ":")
				if (i > 0 && p > 0) l = tolower(substr(l, 1, p - 1)) substr(l, p)
				if (l != "") print l
			}
		}')
	if ((CURL_RC != 0)) && [[ $STATUS == 000 ]]; then
		BODY="(curl exit $CURL_RC: $(cat "$_T/curl_err"))"
	elif [[ -n ${RECORD_DIR:-} ]]; then
		_record "$method" "$path"
	fi
	return 0
}

# One file per response: method, path and status lines, the headers, an empty line, the
# body as received. Written with builtins only: recording costs no process per request.
_RECORDED=0
_record() {
	_RECORDED=$((_RECORDED + 1))
	{
		printf '%s\n%s\n%s\n%s\n\n' "$1" "$2" "$STATUS" "$HEADERS"
		printf '%s' "$BODY"
	} >"$RECORD_DIR/${TEST_FILE%.sh}.$$.$_RECORDED" 2>/dev/null || true
}

# Values of a response header (one per line), name case-insensitive.
header_value() {
	local name
	name=$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')
	awk -v n="$name" 'NR > 1 && index($0, n ":") == 1 {
		v = substr($0, length(n) + 2); sub(/^[ \t]+/, "", v); sub(/[ \t]+$/, "", v); print v }' \
		<<<"$HEADERS"
}

# Background requests, for races: req_bg ID METHOD PATH [BODY]; then `wait`;
# then bg_status ID / bg_body ID.
req_bg() {
	local id=$1 method=$2 path=$3 body=${4-}
	local args=(-sS -X "$method" -o "$_T/bg_$id.body" -w '%{http_code}' --connect-timeout 5
		--max-time "${REQ_TIMEOUT:-30}")
	if [[ -n $body ]]; then
		args+=(-H 'Content-Type: application/json' --data-binary "$body")
	fi
	if [[ -n ${TOKEN:-} ]]; then args+=(-H "Authorization: Bearer $TOKEN"); fi
	curl "${args[@]}" "$BASE_URL$path" >"$_T/bg_$id.status" 2>/dev/null &
}
bg_status() { cat "$_T/bg_$1.status" 2>/dev/null || echo 000; }
bg_body() { cat "$_T/bg_$1.body" 2>/dev/null; }

# ---------------------------------------------------------------- assertions

expect_status() {
	local want=$1 name=$2
	if [[ $STATUS == "$want" ]]; then ok "$name"; else fail "$name" "expected status $want; $(_last)"; fi
}

# jq -r FILTER on BODY must print exactly EXPECTED.
expect_json() {
	local filter=$1 want=$2 name=$3 got
	if ! got=$(jq -r "$filter" 2>&1 <<<"$BODY"); then
		fail "$name" "jq '$filter' failed ($got); $(_last)"
	elif [[ $got == "$want" ]]; then
		ok "$name"
	else
		fail "$name" "jq '$filter' gave '$(_oneline "$got")', expected '$want'; $(_last)"
	fi
}

# jq -r FILTER on BODY must match the extended regex RE.
expect_json_match() {
	local filter=$1 re=$2 name=$3 got
	if ! got=$(jq -r "$filter" 2>&1 <<<"$BODY"); then
		fail "$name" "jq '$filter' failed ($got); $(_last)"
	elif [[ $got =~ $re ]]; then
		ok "$name"
	else
		fail "$name" "jq '$filter' gave '$(_oneline "$got")', expected to match /$re/; $(_last)"
	fi
}

# BODY must be JSON equal to EXPECTED (key order does not matter).
expect_body_json() {
	local want=$1 name=$2
	if jq -e --argjson want "$want" '. == $want' >/dev/null 2>&1 <<<"$BODY"; then
		ok "$name"
	else
		fail "$name" "expected body $want; $(_last)"
	fi
}

# A header must be present and one of its values must match the extended regex.
expect_header() {
	local hname=$1 re=$2 name=$3 vals v
	vals=$(header_value "$hname")
	if [[ -z $vals ]]; then
		fail "$name" "header $hname missing; $(_last)"
		return
	fi
	while IFS= read -r v; do
		if [[ $v =~ $re ]]; then
			ok "$name"
			return
		fi
	done <<<"$vals"
	fail "$name" "header $hname: '$(_oneline "$vals")' does not match /$re/; $(_last)"
}

# A comma-separated header (Allow, Access-Control-Allow-Methods...) must list TOKEN
# (case-insensitive; repeated header lines are joined).
expect_header_token() {
	local hname=$1 tok=$2 name=$3 vals
	vals=$(header_value "$hname" | tr '\n' ',' | tr '[:upper:]' '[:lower:]' | tr -d ' \t')
	tok=$(printf '%s' "$tok" | tr '[:upper:]' '[:lower:]')
	if [[ -z $vals ]]; then
		fail "$name" "header $hname missing; $(_last)"
	elif [[ ",$vals," == *",$tok,"* ]]; then
		ok "$name"
	else
		fail "$name" "header $hname ('$vals') does not list $tok; $(_last)"
	fi
}

expect_no_header() {
	local hname=$1 name=$2 vals
	vals=$(header_value "$hname")
	if [[ -z $vals ]]; then ok "$name"; else fail "$name" "unexpected header $hname: $vals"; fi
}

# The path part of BASE_URL: the mount prefix ("" at the root, "/tasks-api" under one)
# that every URL the API hands out starts with.
base_prefix() {
	local p=${BASE_URL#*://}
	[[ $p != */* ]] || printf '/%s' "${p#*/}"
}

# expect_location PATH NAME: the last response has exactly one Location, PATH under
# BASE_URL's prefix (/api/v1/tasks/7, or /tasks-api/api/v1/tasks/7 under a mount).
# Sets LOCATION to it, for follow_location.
LOCATION=
expect_location() {
	local want name=$2
	want=$(base_prefix)$1
	LOCATION=$(header_value location)
	if [[ $LOCATION == "$want" ]]; then
		ok "$name"
	else
		fail "$name" "Location '$(_oneline "$LOCATION")', expected '$want'; $(_last)"
	fi
}

# follow_location [METHOD] [req args...]: requests LOCATION as a client follows it: a
# path from the server's root, whatever BASE_URL's prefix (GET by default).
follow_location() {
	local method=${1:-GET} origin
	(($# == 0)) || shift
	origin=${BASE_URL%"$(base_prefix)"}
	BASE_URL=$origin req "$method" "$LOCATION" "$@"
}

# expect_422 NAME [LOC_JSON COUNT]...
# Status 422 with the envelope {"detail":[{loc,msg,type}...],"message":"Validation error occurred"}.
# With LOC/COUNT pairs: exactly COUNT entries have loc == LOC_JSON, and the total number
# of entries is the sum of the COUNTs.
expect_422() {
	local name=$1
	shift
	if [[ $STATUS != 422 ]]; then
		fail "$name" "expected status 422; $(_last)"
		return
	fi
	if jq -e --arg m "$VALIDATION_MSG" '
		(.message == $m) and (.detail | type == "array") and (.detail | length > 0) and
		all(.detail[]; (.loc | type == "array") and (.loc | length > 0) and
		    (.msg | type == "string") and (.type | type == "string"))' >/dev/null 2>&1 <<<"$BODY"; then
		ok "$name: 422 envelope"
	else
		fail "$name: 422 envelope" "bad validation envelope; $(_last)"
		return
	fi
	local total=0 loc n got
	while (($# >= 2)); do
		loc=$1 n=$2
		shift 2
		total=$((total + n))
		got=$(jq --argjson l "$loc" '[.detail[] | select(.loc == $l)] | length' <<<"$BODY" 2>/dev/null)
		if [[ $got == "$n" ]]; then
			ok "$name: $n entr$( ((n == 1)) && echo y || echo ies) at $loc"
		else
			fail "$name: $n entr$( ((n == 1)) && echo y || echo ies) at $loc" \
				"found ${got:-?} entries with loc $loc; $(_last)"
		fi
	done
	if ((total > 0)); then
		got=$(jq '.detail | length' <<<"$BODY")
		if [[ $got == "$total" ]]; then
			ok "$name: $total entr$( ((total == 1)) && echo y || echo ies) in total"
		else
			fail "$name: $total entr$( ((total == 1)) && echo y || echo ies) in total" \
				"found $got entries; $(_last)"
		fi
	fi
}

# No key anywhere in BODY looks like a password or a hash, and no value looks like bcrypt.
expect_no_password_fields() {
	local name=$1
	# shellcheck disable=SC2016
	if jq -e '[.. | objects | keys[] | select(test("pass|hash"; "i"))] | length == 0' \
		>/dev/null 2>&1 <<<"$BODY" && [[ $BODY != *'$2'[aby]'$'* ]]; then
		ok "$name"
	else
		fail "$name" "password-like field in user JSON; $(_last)"
	fi
}

# The body shows nothing of the database or the server's internals.
expect_no_leak() {
	local name=$1 low
	low=$(printf '%s' "$BODY" | tr '[:upper:]' '[:lower:]')
	if [[ $BODY == *"ERROR:"* || $low == *postgres* || $low == *sqlstate* || $low == *libpq* ||
		$low == *"syntax error at"* || $low == *"duplicate key"* || $low == *"violates "* ||
		$low == *"relation \""* ]]; then
		fail "$name" "response leaks internals; $(_last)"
	else
		ok "$name"
	fi
}

# ---------------------------------------------------------------- helpers

# A random suffix (12 hex digits) so that tests never collide.
unique() {
	od -An -N6 -tx1 /dev/urandom | tr -d ' \n'
}

now() { date +%s; }

# JSON text helpers: json_str VALUE prints VALUE as a JSON string.
json_str() { jq -cn --arg v "$1" '$v'; }

# login USERNAME PASSWORD: sets STATUS/BODY, LOGIN_TOKEN (empty when not 200).
login() {
	local b
	b=$(jq -cn --arg u "$1" --arg p "$2" '{username: $u, password: $p}')
	TOKEN='' req POST /api/v1/auth/login "$b"
	LOGIN_TOKEN=
	if [[ $STATUS == 200 ]]; then LOGIN_TOKEN=$(jq -r '.access_token // empty' <<<"$BODY"); fi
}

# register_user PREFIX [ENDPOINT]: registers a fresh user and logs in. Sets and exports
# PREFIX_ID, PREFIX_TOKEN, PREFIX_NAME (username), PREFIX_EMAIL, PREFIX_PASSWORD.
# Records a failure (and returns 1) only when something goes wrong.
register_user() {
	local p=$1 endpoint=${2:-/api/v1/auth/register} u name email pw b id
	u=$(unique)
	name="u_$u"
	email="$name@example.com"
	pw="Pw1-$u-Secret"
	b=$(jq -cn --arg e "$email" --arg n "$name" --arg p "$pw" --arg f "Test User $u" \
		'{email: $e, username: $n, password: $p, full_name: $f}')
	TOKEN='' req POST "$endpoint" "$b"
	if [[ $STATUS != 201 ]]; then
		fail "setup: register $p via $endpoint" "expected 201; $(_last)"
		return 1
	fi
	id=$(jq -r '.id' <<<"$BODY")
	login "$name" "$pw"
	if [[ -z $LOGIN_TOKEN ]]; then
		fail "setup: login $p" "expected 200 with access_token; $(_last)"
		return 1
	fi
	printf -v "${p}_ID" '%s' "$id"
	printf -v "${p}_TOKEN" '%s' "$LOGIN_TOKEN"
	printf -v "${p}_NAME" '%s' "$name"
	printf -v "${p}_EMAIL" '%s' "$email"
	printf -v "${p}_PASSWORD" '%s' "$pw"
	# shellcheck disable=SC2163
	export "${p}_ID" "${p}_TOKEN" "${p}_NAME" "${p}_EMAIL" "${p}_PASSWORD"
}

register_admin() {
	register_user "$1" /api/v1/auth/register-admin
}

# create_task TOKEN JSON: creates a task as that user; sets TASK_ID (empty on failure,
# which is recorded).
# shellcheck disable=SC2034
create_task() {
	TASK_ID=
	TOKEN=$1 req POST /api/v1/tasks/ "$2"
	if [[ $STATUS == 201 ]]; then
		TASK_ID=$(jq -r '.id' <<<"$BODY")
	else
		fail "setup: create task $2" "expected 201; $(_last)"
		return 1
	fi
}

psql_exec() {
	if [[ -z ${DATABASE_URL:-} ]]; then
		echo "psql_exec: DATABASE_URL is not set" >&2
		return 2
	fi
	psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -qAtX -c "$1"
}

# ---------------------------------------------------------------- JWT

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

b64url_decode() {
	local s
	s=$(printf '%s' "$1" | tr '_-' '/+')
	while ((${#s} % 4 != 0)); do s+='='; done
	printf '%s' "$s" | openssl base64 -d -A
}

# make_jwt HEADER_JSON PAYLOAD_JSON SECRET: signs with the header's alg (HS256/384/512).
make_jwt() {
	local header=$1 payload=$2 secret=$3 alg digest signing sig
	alg=$(jq -r '.alg' <<<"$header")
	case $alg in
	HS256) digest=sha256 ;;
	HS384) digest=sha384 ;;
	HS512) digest=sha512 ;;
	*)
		echo "make_jwt: unsupported alg $alg" >&2
		return 1
		;;
	esac
	signing="$(printf '%s' "$header" | b64url).$(printf '%s' "$payload" | b64url)"
	sig=$(printf '%s' "$signing" | openssl dgst "-$digest" -hmac "$secret" -binary | b64url)
	printf '%s.%s\n' "$signing" "$sig"
}

# make_jwt_none PAYLOAD_JSON [HEADER_JSON]: an unsigned token ("alg":"none", empty signature).
make_jwt_none() {
	local payload=$1 header=${2:-'{"alg":"none","typ":"JWT"}'}
	printf '%s.%s.\n' "$(printf '%s' "$header" | b64url)" "$(printf '%s' "$payload" | b64url)"
}

# jwt_part TOKEN N: the decoded JSON of part N (1 header, 2 payload).
jwt_part() {
	b64url_decode "$(cut -d. -f"$2" <<<"$1")"
}

# claims USER_ID USERNAME ROLE [EXP_OFFSET]: a payload like the server's own.
claims() {
	local t
	t=$(now)
	jq -cn --argjson id "$1" --arg sub "$2" --arg role "$3" --argjson iat "$t" \
		--argjson exp "$((t + ${4:-1800}))" --arg jti "$(unique)$(unique)" \
		'{sub: $sub, user_id: $id, role: $role, exp: $exp, iat: $iat, jti: $jti}'
}

# ---------------------------------------------------------------- stacks of a test's own

# own_stack [VAR=value...]: scripts/stack-up in a directory of its own on a free port
# (another one if NGINX finds it taken), over $DATABASE_URL, with these settings added to
# the environment; the app logs to $STACK_DIR/taskapi.log. Stopped by pid when the test
# exits. Sets STACK_DIR, STACK_PORT, BASE_URL, POOL_MASTER (the task pool's master) and
# POOL_LOG; returns 1, with stack-up's last lines in STACK_ERROR, when it does not start.
STACK_DIR= STACK_PORT= POOL_MASTER= POOL_LOG= STACK_ERROR= _STACK_SETTINGS=()
own_stack() {
	STACK_DIR=$(mktemp -d /tmp/taskapi-stack.XXXXXX)
	chmod 755 "$STACK_DIR"
	_STACKS+=("$STACK_DIR")
	POOL_LOG=$STACK_DIR/taskapi.log
	_STACK_SETTINGS=("$@")
	local _
	for _ in 1 2 3; do
		STACK_PORT=$("$_LIB_REPO/scripts/free-port")
		restack && return 0
		grep -q "Address already in use" "$STACK_DIR/up.log" || break
	done
	return 1
}
# restack [VAR=value...]: stack-up again on the same directory and port, with own_stack's
# settings and these (a restart after a kill, or changed settings); 1 as own_stack.
restack() {
	if ! env VAR_DIR="$STACK_DIR" PORT="$STACK_PORT" DATABASE_URL="${DATABASE_URL:-}" \
		TASKAPI_LOG_FILE="$POOL_LOG" "${_STACK_SETTINGS[@]}" "$@" \
		"$_LIB_REPO/scripts/stack-up" >"$STACK_DIR/up.log" 2>&1; then
		STACK_ERROR=$(tail -n 20 "$STACK_DIR/up.log")
		return 1
	fi
	BASE_URL=http://127.0.0.1:$STACK_PORT
	POOL_MASTER=$(cat "$STACK_DIR/run/taskapi.pid")
}
# pool_workers [MASTER...]: the live workers (a zombie is not one) of these masters (by
# default $POOL_MASTER) on one line, sorted as text (for comm).
pool_workers() {
	local m
	for m in "${@:-$POOL_MASTER}"; do
		ps -o pid=,stat= --ppid "$m" | awk '$2 !~ /^Z/ { print $1 }'
	done | sort | xargs
}
