#!/usr/bin/env bash
# The binary under every process model a host may use, without NGINX:
#  - plain CGI: run with no command and the CGI variables, it answers one request on
#    stdout (SCRIPT_NAME + PATH_INFO as Apache's mod_cgi sets them, a body on stdin), its
#    prefix in the consistency cookie's Path, TASKAPI_MOUNT for a front end that passes
#    the whole path; a configuration refusal still answers JSON (500);
#  - no command with a listening fd 0 (mod_fcgid, lighttpd bin-path, spawn-fcgi): a
#    FastCGI worker, with its own /metrics when no master runs it;
#  - systemd socket activation (LISTEN_FDS=1, LISTEN_PID, the socket at fd 3) for serve;
#  - serve and worker refuse a fd 0 that is not a listening socket (exit 78, a message);
#  - a master whose workers refuse their configuration does not respawn them forever.
# Needs DATABASE_URL, JWT_SECRET (the stack's), and a built build/taskapi.
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
BASE_URL=${BASE_URL:-http://unused}
# shellcheck source=../api/lib.sh
. "$here/../api/lib.sh"
BIN=${TASKAPI_BIN:-$repo/build/taskapi}
dir=$(mktemp -d /tmp/taskapi-cgi.XXXXXX)
pids=()
stop() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$dir"
}
at_exit stop

# cgi METHOD SCRIPT_NAME PATH_INFO [BODY] [VAR=value...]: one CGI run of the binary;
# sets STATUS, BODY, HEADERS (names lowercased) from what it printed.
cgi() {
	local method=$1 script=$2 info=$3 body=${4-}
	shift 3
	(($# > 0)) && shift
	printf '%s' "$body" >"$dir/in"
	env -i PATH="$PATH" APP_ENV=development JWT_SECRET="$JWT_SECRET" DATABASE_URL="$DATABASE_URL" \
		BCRYPT_COST=4 TASKAPI_LOG_FILE="$dir/cgi.log" GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD="$method" \
		SCRIPT_NAME="$script" PATH_INFO="$info" REQUEST_URI="$script$info" REMOTE_ADDR=127.0.0.1 \
		CONTENT_LENGTH="${#body}" CONTENT_TYPE=application/json \
		HTTP_AUTHORIZATION="${TOKEN:+Bearer $TOKEN}" "$@" "$BIN" <"$dir/in" >"$dir/out" 2>"$dir/err"
	CGI_RC=$?
	split_response "$dir/out"
}
# split_response FILE: a CGI-style response (Status: line, headers, blank line, body).
split_response() {
	local head
	head=$(tr -d '\r' <"$1" | sed '/^$/q')
	STATUS=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' <<<"$head")
	HEADERS=$(awk '{ p = index($0, ":"); if (p) print tolower(substr($0, 1, p - 1)) substr($0, p) }' <<<"$head")
	BODY=$(tr -d '\r' <"$1" | sed '1,/^$/d')
}

# ---- plain CGI
cgi GET /cgi-bin/taskapi /health
expect_status 200 "CGI: GET /cgi-bin/taskapi/health is 200"
expect_json '.status' healthy "CGI: the health document"
check "CGI: exit status 0" test "$CGI_RC" -eq 0
cgi GET /cgi-bin/taskapi /api/v1/nope
expect_body_json '{"detail":"Not Found"}' "CGI: an unknown route is the API's 404"

name="cgi_$(unique)" pw="Cgi-$(unique)-Pw1"
cgi POST /cgi-bin/taskapi /api/v1/auth/register \
	"$(jq -cn --arg u "$name" --arg p "$pw" '{username: $u, email: ($u + "@example.com"), password: $p}')"
expect_status 201 "CGI: POST register with a body on stdin is 201"
cgi POST /cgi-bin/taskapi /api/v1/auth/login "$(jq -cn --arg u "$name" --arg p "$pw" '{username: $u, password: $p}')"
expect_status 200 "CGI: login is 200"
tok=$(jq -r '.access_token // empty' <<<"$BODY")
TOKEN=$tok cgi GET /cgi-bin/taskapi /api/v1/users/me
expect_json '.username' "$name" "CGI: the Authorization variable authenticates"
# With a replica configured (here the primary itself) a write sets the consistency cookie,
# whose Path is the mount prefix + /api.
TOKEN=$tok cgi POST /cgi-bin/taskapi /api/v1/tasks/ '{"title":"via cgi"}' READ_DATABASE_URL="$DATABASE_URL"
expect_status 201 "CGI: POST a task is 201"
expect_header set-cookie '^taskapi_lsn=[0-9A-F]+/[0-9A-F]+; Path=/cgi-bin/taskapi/api;' \
	"CGI: the consistency cookie's Path carries the prefix"
# TASKAPI_MOUNT: a front end that puts the whole path in SCRIPT_NAME (mod_proxy_fcgi's ProxyPass)
TOKEN='' cgi GET /pp/health "" "" TASKAPI_MOUNT=/pp
expect_status 200 "CGI: TASKAPI_MOUNT=/pp routes SCRIPT_NAME=/pp/health to /health"
TOKEN='' cgi GET /pp/health ""
expect_status 404 "bad: without TASKAPI_MOUNT the same request is 404"
TOKEN='' cgi GET /cgi-bin/taskapi /health "" APP_ENV=prod
expect_status 500 "bad: CGI with a refused configuration (APP_ENV=prod) answers 500"
expect_body_json '{"detail":"Internal server error"}' "bad: ... in the API's JSON shape"
check "bad: ... and says why on stderr" grep -q 'refusing to start: APP_ENV must be' "$dir/err"
check "bad: ... exit status 78" test "$CGI_RC" -eq 78

# ---- serve and worker refuse a fd 0 that is not a listening socket
for cmd in serve worker; do
	APP_ENV=development "$BIN" "$cmd" </dev/null >"$dir/out" 2>&1
	rc=$?
	check "bad: taskapi $cmd with /dev/null as fd 0 exits 78 (was $rc)" test "$rc" -eq 78
	check "bad: ... saying fd 0 is not a listening socket" grep -q 'fd 0 is not a listening socket' "$dir/out"
done
env -u GATEWAY_INTERFACE -u REQUEST_METHOD "$BIN" </dev/null >"$dir/out" 2>&1
rc=$?
check "bad: no command, no socket, no CGI variables: usage and exit 2" \
	eval 'test '"$rc"' -eq 2 && grep -q "^usage:" '"$dir/out"

# fcgi SOCKET METHOD PATH: a FastCGI request with cgi-fcgi (libfcgi's own client).
fcgi() {
	env -i PATH="$PATH" REQUEST_METHOD="$2" SCRIPT_NAME="$3" REQUEST_URI="$3" REMOTE_ADDR=127.0.0.1 \
		cgi-fcgi -bind -connect "$1" >"$dir/fout" 2>/dev/null
	split_response "$dir/fout"
}

# ---- no command with a listening socket at fd 0: one FastCGI worker, no master
port=$("$repo/scripts/free-port")
APP_ENV=development TASKAPI_LOG_FILE="$dir/bare.log" spawn-fcgi -n -a 127.0.0.1 -p "$port" -- "$BIN" \
	>/dev/null 2>&1 &
pids+=($!)
wait_for 10 eval 'fcgi 127.0.0.1:'"$port"' GET /health; [[ $STATUS == 200 ]]'
expect_status 200 "bare taskapi on a listening fd 0 (spawn-fcgi, no command) answers FastCGI"
for _ in 1 2 3; do fcgi "127.0.0.1:$port" GET /health; done
fcgi "127.0.0.1:$port" GET /metrics
n=$(sed -n 's/^http_requests_total{method="GET",route="\/health",status="200"} \([0-9]*\)$/\1/p' <<<"$BODY")
check "without a master the worker exports its own metrics (/health counted $n times, want 4)" test "${n:-0}" -eq 4
check "... and counts itself in workers_alive (an alert on workers_alive == 0 stays quiet)" \
	grep -qx 'workers_alive 1' <<<"$BODY"

# ---- systemd socket activation: the socket at fd 3, LISTEN_PID the process itself
port=$("$repo/scripts/free-port")
/usr/bin/python3 - "$BIN" "$port" "$dir/sd.log" <<'PY' &
import os, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[2]))); s.listen(16)
os.dup2(s.fileno(), 3); os.set_inheritable(3, True)
null = os.open("/dev/null", os.O_RDONLY); os.dup2(null, 0)
env = dict(os.environ, LISTEN_FDS="1", LISTEN_PID=str(os.getpid()), APP_ENV="development",
           TASKAPI_WORKERS="1", TASKAPI_LOG_FILE=sys.argv[3])
os.execve(sys.argv[1], [sys.argv[1], "serve"], env)
PY
pids+=($!)
wait_for 10 eval 'fcgi 127.0.0.1:'"$port"' GET /health; [[ $STATUS == 200 ]]'
expect_status 200 "serve under systemd socket activation (LISTEN_FDS, fd 3) answers"

# ---- a reload the workers would refuse keeps the running ones
printf 'a-secret-of-at-least-thirty-two-bytes-0123456789\n' >"$dir/secret"
cp "$BIN" "$dir/taskapi"
sock=$dir/pool.sock
env -u JWT_SECRET APP_ENV=production JWT_SECRET_FILE="$dir/secret" TASKAPI_WORKERS=2 \
	TASKAPI_LISTEN="$sock" TASKAPI_LOG_FILE="$dir/refuse.log" "$dir/taskapi" serve >"$dir/refuse.err" 2>&1 &
master=$!
pids+=("$master")
wait_for 10 eval 'fcgi '"$sock"' GET /health; [[ $STATUS == 200 ]]'
expect_status 200 "setup: a production pool with JWT_SECRET_FILE answers"
rm "$dir/secret"
kill -HUP "$master"
check "bad: SIGHUP with the secret file gone is refused by the master, which says why" \
	wait_for 10 grep -q 'SIGHUP: the workers would refuse the configuration (JWT_SECRET_FILE' "$dir/refuse.log"
fcgi "$sock" GET /health
expect_status 200 "... and the running workers go on answering"

# ---- workers that refuse their configuration are not respawned forever
# Here the binary the master execs is replaced by one that refuses (exit 78), and the
# workers die: each slot is tried once, then the master stops.
rm "$dir/taskapi"
printf '#!/bin/sh\necho "taskapi: refusing to start: test" >&2\nexit 78\n' >"$dir/taskapi"
chmod +x "$dir/taskapi"
# shellcheck disable=SC2046
kill -KILL $(pool_workers "$master")
check "the master stops once every worker refused its configuration" \
	wait_for 15 eval '! kill -0 '"$master"' 2>/dev/null'
wait "$master"
rc=$?
check "... with exit status 78 (was $rc)" test "$rc" -eq 78
refusals=$(grep -c 'refused its configuration; not restarting' "$dir/refuse.log")
check "... after one refusal per worker, not a respawn loop ($refusals refusals, 2 workers)" \
	test "$refusals" -eq 2
finish
