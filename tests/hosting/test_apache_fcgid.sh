#!/usr/bin/env bash
# Apache 2.4 + mod_fcgid with dist/apache/fcgid.conf.in: Apache runs the workers
# (FcgidWrapper), settings come from FcgidInitialEnv; the smoke and error-shape checks
# through it, a body between 128 KiB and 1 MiB is accepted (FcgidMaxRequestLen).
# shellcheck source=tests/hosting/lib.sh
. "$(dirname "$0")/lib.sh"

hosting_db || { hfail "database and migrations"; hosting_finish; }
port=$("$REPO/scripts/free-port") d=$H/fcgid
mkdir -p "$d"
printf '%s\n' "$JWT_SECRET" >"$d/jwt_secret"
chown -R www-data "$d"
chmod 600 "$d/jwt_secret"
# Nothing from this shell's environment may reach the workers: only FcgidInitialEnv.
render "$REPO/dist/apache/fcgid.conf.in" "$H/site.conf" LISTEN="127.0.0.1:$port" \
	SERVER_NAME=localhost BINDIR="$(dirname "$TASKAPI_BIN")" APP_ENV=development \
	DATABASE_URL="$DATABASE_URL" JWT_SECRET_FILE="$d/jwt_secret" LOG_FILE="$d/taskapi.log" \
	SQL_DIR="$FILES/sql"
if ! env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin bash -c "$(declare -f start_apache render wait_http track_pidfile); REPO=$REPO H=$H; start_apache $H/site.conf $port"; then
	hfail "apache2 starts with the recipe"
	hosting_finish
fi
track_pidfile "$H/apache/apache2.pid"
base=http://127.0.0.1:$port
through "$base" apache-fcgid

u=fg$RANDOM$RANDOM
curl -s -o /dev/null -H 'Content-Type: application/json' "$base/api/v1/auth/register" \
	-d "{\"email\":\"$u@example.com\",\"username\":\"$u\",\"password\":\"Passw0rd1\"}"
tok=$(curl -s -H 'Content-Type: application/json' "$base/api/v1/auth/login" \
	-d "{\"username\":\"$u\",\"password\":\"Passw0rd1\"}" | jq -r '.access_token // empty')
desc=$(head -c 300000 /dev/zero | tr '\0' d)
printf '{"title":"big","description":"%s"}' "$desc" >"$H/300k.json"
st=$(curl -s -o "$H/b" -w '%{http_code}' -H "Authorization: Bearer $tok" \
	-H 'Content-Type: application/json' --data-binary "@$H/300k.json" "$base/api/v1/tasks/")
# 201 or the API's own 422 (a field's length limit): either way the application answered.
if [[ $st == 201 || $st == 422 ]] && jq -e . "$H/b" >/dev/null 2>&1; then
	hok "a 300 KB body reaches the application (FcgidMaxRequestLen), answer $st"
else
	hfail "a 300 KB body reaches the application (FcgidMaxRequestLen)" "status $st, $(head -c 200 "$H/b")"
fi
head -c 1050000 /dev/zero | tr '\0' x >"$H/big"
json_error "$base/api/v1/tasks/" 413 "a 1.05 MB body: the application's 413" \
	-H "Authorization: Bearer $tok" -H 'Content-Type: application/json' --data-binary "@$H/big"
hosting_finish
