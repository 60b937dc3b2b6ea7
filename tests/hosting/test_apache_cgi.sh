#!/usr/bin/env bash
# Plain CGI under Apache (mod_cgid) with dist/apache/cgi.conf.in: one process per
# request; the smoke and error-shape checks through it, bearer tokens pass.
# shellcheck source=tests/hosting/lib.sh
. "$(dirname "$0")/lib.sh"

hosting_db || { hfail "database and migrations"; hosting_finish; }
port=$("$REPO/scripts/free-port") d=$H/cgi
mkdir -p "$d"
printf '%s\n' "$JWT_SECRET" >"$d/jwt_secret"
chmod 600 "$d/jwt_secret"
chown -R www-data "$d"
render "$REPO/dist/apache/cgi.conf.in" "$H/site.conf" LISTEN="127.0.0.1:$port" \
	SERVER_NAME=localhost BINDIR="$(dirname "$TASKAPI_BIN")" APP_ENV=development \
	DATABASE_URL="$DATABASE_URL" JWT_SECRET_FILE="$d/jwt_secret" LOG_FILE="$d/taskapi.log" \
	ERRORS_DIR="$FILES/dist/apache/errors"
if ! start_apache "$H/site.conf" "$port"; then
	hfail "apache2 starts with the recipe"
	hosting_finish
fi
base=http://127.0.0.1:$port
st=$(curl -s -o "$H/b" -w '%{http_code}' "$base/health")
hcheck "GET /health answered by the CGI program is 200" test "$st" = 200
through "$base" apache-cgi
u=cg$RANDOM$RANDOM
curl -s -o /dev/null -H 'Content-Type: application/json' "$base/api/v1/auth/register" \
	-d "{\"email\":\"$u@example.com\",\"username\":\"$u\",\"password\":\"Passw0rd1\"}"
tok=$(curl -s -H 'Content-Type: application/json' "$base/api/v1/auth/login" \
	-d "{\"username\":\"$u\",\"password\":\"Passw0rd1\"}" | jq -r '.access_token // empty')
st=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$base/api/v1/users/me")
hcheck "a bearer token reaches the CGI program (CGIPassAuth): GET /users/me is 200" test "$st" = 200
hosting_finish
