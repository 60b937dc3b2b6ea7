#!/usr/bin/env bash
# lighttpd with mod_fastcgi and dist/lighttpd/taskapi.conf.in: lighttpd starts the
# pool itself (bin-path) on the socket; the smoke and error-shape checks through it,
# the request id, lighttpd's 413.
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
	JWT_SECRET_FILE="$d/jwt_secret" LOG_FILE="$d/run/taskapi.log" SQL_DIR="$FILES/sql"
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
hosting_finish
