#!/usr/bin/env bash
# lighttpd with mod_fastcgi and dist/lighttpd/taskapi.conf.in: lighttpd starts the
# pool itself (bin-path) on the socket; the smoke and error-shape checks through it,
# the request id, lighttpd's own errors as JSON (413, 431, 400, 501; 503 from a second
# lighttpd whose pool is down), the application's errors untouched.
# shellcheck source=tests/hosting/lib.sh
. "$(dirname "$0")/lib.sh"

hosting_db || { hfail "database and migrations"; hosting_finish; }
port=$("$REPO/scripts/free-port") d=$H/lighttpd
# lighttpd runs as www-data and spawns the pool as that user: socket and log live here.
mkdir -p "$d/htdocs" "$d/run"
printf '%s\n' "$JWT_SECRET" >"$d/jwt_secret"
chown -R www-data "$d"
chmod 600 "$d/jwt_secret"
render "$REPO/dist/lighttpd/taskapi.conf.in" "$d/taskapi.conf" SOCKET="$d/run/taskapi.sock" \
	BINDIR="$(dirname "$TASKAPI_BIN")" APP_ENV=development DATABASE_URL="$DATABASE_URL" \
	JWT_SECRET_FILE="$d/jwt_secret" LOG_FILE="$d/run/taskapi.log" SQL_DIR="$FILES/sql" \
	LIGHTTPD_ERRORS_DIR="$FILES/dist/lighttpd/errors"
render "$REPO/tests/hosting/lighttpd-base.conf.in" "$d/lighttpd.conf" DIR="$d" PORT="$port" \
	RECIPE="$d/taskapi.conf"
track_pidfile "$d/lighttpd.pid"
if ! lighttpd -tt -f "$d/lighttpd.conf" >"$d/configtest.log" 2>&1 ||
	! lighttpd -f "$d/lighttpd.conf" || ! wait_http "http://127.0.0.1:$port/health"; then
	cat "$d/configtest.log" "$d/error.log" 2>/dev/null | tail -n 20
	hfail "lighttpd starts with the recipe"
	hosting_finish
fi
base=http://127.0.0.1:$port
st=$(curl -s -o /dev/null -w '%{http_code}' "$base/health")
hcheck "GET /health through lighttpd's own pool (bin-path) is 200" test "$st" = 200
through "$base" lighttpd

rid=hosting-$RANDOM$RANDOM
got=$(curl -s -D - -o /dev/null -H "X-Request-ID: $rid" "$base/health" | tr -d '\r' |
	sed -n 's/^[Xx]-[Rr]equest-[Ii][Dd]: //p')
hcheck "X-Request-ID given by the client is echoed" test "$got" = "$rid"

# lighttpd's own errors, in the API's shape (server.errorfile-prefix).
head -c 2200000 /dev/zero | tr '\0' x >"$H/big"
json_error "$base/api/v1/tasks/" 413 "a 2.2 MB body (over server.max-request-size): lighttpd's 413 is JSON" \
	-H 'Content-Type: application/json' --data-binary "@$H/big"
json_error "$base/health" 431 "a 9000-byte header: lighttpd's 431 is JSON" \
	-H "X-Padding: $(head -c 9000 /dev/zero | tr '\0' x)"
# raw_error REQUEST STATUS NAME: REQUEST as bytes; the answer as json_error wants it.
raw_error() {
	timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "$2" >&3 && cat <&3' _ "$port" "$1" \
		>"$H/raw" 2>/dev/null
	tr -d '\r' <"$H/raw" | sed '/^$/q' >"$H/h"
	tr -d '\r' <"$H/raw" | sed '1,/^$/d' >"$H/b"
	local st
	st=$(head -n 1 "$H/h" | cut -d' ' -f2)
	if [[ $st == "$2" ]] && grep -qi '^content-type: application/json' "$H/h" &&
		jq -e '.detail' "$H/b" >/dev/null 2>&1 && ! grep -qi '<html' "$H/b"; then
		hok "$3"
	else
		hfail "$3" "status $st, $(grep -i '^content-type' "$H/h"), body $(head -c 200 "$H/b")"
	fi
}
raw_error 'GET /health HTTP/1.1\r\nHost: localhost\r\nno colon here\r\n\r\n' 400 \
	"a malformed header line: lighttpd's 400 is JSON"
raw_error 'BREW /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' 501 \
	"an unknown method: lighttpd's 501 is JSON"
# The application's own errors pass through untouched (not replaced by the files).
json_error "$base/api/v1/no-such-route" 404 "the application's 404 passes through"
hcheck "... with the application's own body" grep -qx '{"detail":"Not Found"}' "$H/b"

# The pool down: the same recipe without bin-path (as for a pool started elsewhere) on a
# socket nobody listens on, in a second lighttpd.
d2=$H/lighttpd-down port2=$("$REPO/scripts/free-port")
mkdir -p "$d2/htdocs"
chown -R www-data "$d2"
awk '/"bin-path"|"max-procs"|One master/ { next }
	/"bin-environment"/ { skip = 1 } skip && /^ *\),$/ { skip = 0; next } !skip' "$d/taskapi.conf" |
	sed "s|$d/run/taskapi.sock|$d2/nobody.sock|" >"$d2/taskapi.conf"
render "$REPO/tests/hosting/lighttpd-base.conf.in" "$d2/lighttpd.conf" DIR="$d2" PORT="$port2" \
	RECIPE="$d2/taskapi.conf"
track_pidfile "$d2/lighttpd.pid"
if lighttpd -f "$d2/lighttpd.conf" && wait_http "http://127.0.0.1:$port2/health"; then
	json_error "http://127.0.0.1:$port2/api/v1/tasks/" 503 "pool down: lighttpd's 503 is JSON"
	echo "# pool down: Retry-After: $(grep -i '^retry-after' "$H/h" | tr -d '\r' || true)(lighttpd cannot add one by status)"
else
	hfail "lighttpd starts with the recipe for a pool started elsewhere" "$(tail -n 5 "$d2/error.log" 2>/dev/null)"
fi
hosting_finish
