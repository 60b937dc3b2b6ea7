# shellcheck shell=bash
# Harness of the hosting tests (tests/hosting/test_*.sh): each starts a real front end
# from Debian's packages on a free loopback port with a recipe rendered from dist/
# (the very file docs/hosting.md shows), a taskapi pool or program behind it, and runs
# the checks through it. Everything started is stopped by pid on exit (trap).
#
# Environment: DATABASE_URL (used as is; without it a PostgreSQL cluster is started
# under the temporary directory), TASKAPI_BIN [build/taskapi].
# Output: one `ok - ...` / `not ok - ...` line per check; exit status 1 on any failure.

set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HOST_TEST=$(basename "$0" .sh)
TASKAPI_BIN=${TASKAPI_BIN:-$REPO/build/taskapi}
export APP_ENV=${APP_ENV:-development} BCRYPT_COST=${BCRYPT_COST:-4}
export JWT_SECRET=${JWT_SECRET:-test-secret-for-make-test-only-0123456789}
export TASKAPI_SQL_DIR=$REPO/sql TASKAPI_WORKERS=${TASKAPI_WORKERS:-2}
HPASS=0 HFAIL=0

# Front ends run their workers as www-data, which must reach the sockets and files here.
H=$(mktemp -d /tmp/taskapi-hosting.XXXXXX)
chmod 755 "$H"
export TASKAPI_LOG_FILE=$H/taskapi.log
# What the front end's user reads: the program, the migrations and the error pages. In a
# clone www-data cannot enter (under /root, say), a copy of them under $H, as an install
# would put them.
FILES=$REPO
if [ "$(id -u)" -eq 0 ] && ! runuser -u www-data -- test -x "$TASKAPI_BIN" -a -r "$REPO/sql"; then
	FILES=$H/files
	mkdir -p "$FILES/build" "$FILES/dist/apache" "$FILES/dist/lighttpd"
	cp "$TASKAPI_BIN" "$FILES/build/taskapi"
	cp -r "$REPO/sql" "$FILES/sql"
	cp -r "$REPO/dist/apache/errors" "$FILES/dist/apache/errors"
	cp -r "$REPO/dist/lighttpd/errors" "$FILES/dist/lighttpd/errors"
	TASKAPI_BIN=$FILES/build/taskapi TASKAPI_SQL_DIR=$FILES/sql
fi

_pids=() _pidfiles=() _own_pg=
hosting_cleanup() {
	local p f
	for f in "${_pidfiles[@]}"; do
		p=$(cat "$f" 2>/dev/null) && [[ $p =~ ^[0-9]+$ ]] && kill -TERM "$p" 2>/dev/null
	done
	for p in "${_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for _ in $(seq 1 50); do
		local alive=
		for p in "${_pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
		for f in "${_pidfiles[@]}"; do
			p=$(cat "$f" 2>/dev/null) && kill -0 "$p" 2>/dev/null && alive=1
		done
		[ -z "$alive" ] && break
		sleep 0.1
	done
	for p in "${_pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	[ -z "$_own_pg" ] || "$REPO/scripts/pg-down" "$H/pg" >/dev/null 2>&1
	rm -rf "$H"
}
trap hosting_cleanup EXIT
trap 'exit 130' INT TERM

hok() { HPASS=$((HPASS + 1)); echo "ok - $HOST_TEST: $1"; }
hfail() { HFAIL=$((HFAIL + 1)); echo "not ok - $HOST_TEST: $1${2:+: $2}"; }
# hcheck NAME COMMAND...: ok when COMMAND succeeds.
hcheck() { local n=$1; shift; if "$@"; then hok "$n"; else hfail "$n"; fi; }
hosting_finish() { ((HFAIL == 0)); exit $?; }

# Recorded so that cleanup stops them: a pid, or a pid file a server writes itself.
track_pid() { _pids+=("$1"); }
track_pidfile() { _pidfiles+=("$1"); }

hosting_db() {
	if [ -z "${DATABASE_URL:-}" ]; then
		DATABASE_URL=$("$REPO/scripts/pg-up" "$H/pg" "$("$REPO/scripts/free-port")" | tail -n 1) || return 1
		_own_pg=1
	fi
	export DATABASE_URL
	"$TASKAPI_BIN" migrate >/dev/null
}

# render TEMPLATE OUT NAME=VALUE...: scripts/render, as `make install` does.
render() { local t=$1 o=$2; shift 2; "$REPO/scripts/render" "$t" "$@" >"$o"; }

# start_pool SOCKET: the prefork pool under spawn-fcgi, as a host's service would run it.
start_pool() {
	rm -f "$1"
	setsid spawn-fcgi -n -s "$1" -M 0666 -- "$TASKAPI_BIN" serve </dev/null >>"$H/pool.stderr" 2>&1 &
	POOL_PID=$!
	track_pid "$POOL_PID"
	for _ in $(seq 1 50); do [ -S "$1" ] && return 0; sleep 0.1; done
	return 1
}
stop_pool() {
	kill -TERM "$POOL_PID" 2>/dev/null
	for _ in $(seq 1 100); do kill -0 "$POOL_PID" 2>/dev/null || return 0; sleep 0.1; done
	kill -KILL "$POOL_PID" 2>/dev/null
}

# start_apache RECIPE PORT: an Apache of its own (ServerRoot under $H/apache) running
# the rendered RECIPE on 127.0.0.1:PORT.
start_apache() {
	local d=$H/apache
	mkdir -p "$d/fcgid"
	chown www-data "$d/fcgid" 2>/dev/null
	render "$REPO/tests/hosting/apache-base.conf.in" "$d/apache2.conf" DIR="$d" \
		LISTEN="127.0.0.1:$2" RECIPE="$1" || return 1
	if ! apache2 -t -f "$d/apache2.conf" >"$d/configtest.log" 2>&1; then
		cat "$d/configtest.log"
		return 1
	fi
	track_pidfile "$d/apache2.pid"
	apache2 -f "$d/apache2.conf" -k start || return 1
	wait_http "http://127.0.0.1:$2/" || { tail -n 20 "$d/error.log"; return 1; }
}

# stop_apache: stops the Apache of start_apache (by its pid file) and waits until it is gone.
stop_apache() {
	local p
	p=$(cat "$H/apache/apache2.pid" 2>/dev/null) || return 0
	kill -TERM "$p" 2>/dev/null
	for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
	return 1
}

# wait_http URL: until anything answers there (bounded, ~10 s).
wait_http() {
	for _ in $(seq 1 100); do
		curl -s -o /dev/null --max-time 2 "$1" && return 0
		sleep 0.1
	done
	return 1
}

# through BASE_URL LABEL: the deployment checks against a front end: scripts/smoke (a
# throwaway user's whole round trip, then its account is deleted) and the error shapes
# of the API suite (each status the API answers, as JSON with its detail, the content
# type, no internals); HOSTING_FULL=1 runs all of tests/api/test_errors.sh instead.
through() {
	local base=$1 label=$2 out=$H/through.log rc
	if [ -x "$REPO/scripts/smoke" ]; then
		"$REPO/scripts/smoke" "$base" >"$out" 2>&1
		rc=$?
		count_lines "$label: smoke: " <"$out"
		((rc == 0)) || grep -qE '^(not ok|FAIL) - ' "$out" || hfail "$label: scripts/smoke exited $rc"
	fi
	if [ -n "${HOSTING_FULL:-}" ]; then
		BASE_URL=$base bash "$REPO/tests/api/test_errors.sh" >"$out" 2>&1
		count_lines "$label: " <"$out"
		return
	fi
	local u=hs$RANDOM$RANDOM tok
	curl -s -o /dev/null -H 'Content-Type: application/json' "$base/api/v1/auth/register" \
		-d "{\"email\":\"$u@example.com\",\"username\":\"$u\",\"password\":\"Passw0rd1\"}"
	tok=$(curl -s -H 'Content-Type: application/json' "$base/api/v1/auth/login" \
		-d "{\"username\":\"$u\",\"password\":\"Passw0rd1\"}" | jq -r '.access_token // empty')
	json_error "$base/api/v1/users/me" 401 "$label: no token: 401"
	json_error "$base/api/v1/users/" 403 "$label: non-admin user list: 403" -H "Authorization: Bearer $tok"
	json_error "$base/api/v1/tasks/999999999" 404 "$label: missing task: 404" -H "Authorization: Bearer $tok"
	json_error "$base/api/v1/no-such-route" 404 "$label: unknown route: 404"
	json_error "$base/health" 405 "$label: DELETE /health: 405" -X DELETE
	json_error "$base/api/v1/tasks/" 422 "$label: malformed JSON: 422" -H "Authorization: Bearer $tok" \
		-H 'Content-Type: application/json' -d '{"title":'
	json_error "$base/api/v1/tasks/?limit=0" 422 "$label: bad query: 422" -H "Authorization: Bearer $tok"
	local st
	st=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" \
		-H 'Content-Type: application/json' -d '{"title":"through"}' "$base/api/v1/tasks/")
	hcheck "$label: a task is created through it: 201" test "$st" = 201
}
# count_lines PREFIX: re-prints a suite's ok/not ok lines under this test's name, counted.
count_lines() {
	local line
	while IFS= read -r line; do
		case $line in
		'ok - '*) hok "$1${line#ok - }" ;;
		'not ok - '*) hfail "$1${line#not ok - }" ;;
		'FAIL - '*) hfail "$1${line#FAIL - }" ;;  # scripts/smoke's word for it
		esac
	done
}

# json_error URL STATUS NAME [curl args...]: the answer has STATUS, a JSON content type
# and a {"detail": ...} body (the API's error shape) with nothing of the internals.
json_error() {
	local url=$1 want=$2 name=$3 hdr=$H/h body=$H/b
	shift 3
	local st
	st=$(curl -s -o "$body" -D "$hdr" -w '%{http_code}' --max-time 10 "$@" "$url")
	if [[ $st == "$want" ]] && grep -qi '^content-type: application/json' "$hdr" &&
		jq -e '.detail' "$body" >/dev/null 2>&1 &&
		! grep -qiE 'postgres|sqlstate|syntax error|<html' "$body"; then
		hok "$name"
	else
		hfail "$name" "status $st, $(grep -i '^content-type' "$hdr" | tr -d '\r'), body $(head -c 200 "$body")"
	fi
}
