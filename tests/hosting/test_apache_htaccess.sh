#!/usr/bin/env bash
# Shared hosting: only an .htaccess and a program in a directory of the site
# (dist/apache/htaccess.in, dist/apache/taskapi.fcgi.in) under a host configured as
# dist/apache/shared-hosting.conf.in. The API answers under the directory's URL
# (/tasks-api/): the smoke and error-shape checks through that prefix, bearer tokens
# pass, Location and Link carry the prefix.
# shellcheck source=tests/hosting/lib.sh
. "$(dirname "$0")/lib.sh"

hosting_db || { hfail "database and migrations"; hosting_finish; }
port=$("$REPO/scripts/free-port") d=$H/site app=$H/site/htdocs/tasks-api
mkdir -p "$app"
printf '%s\n' "$JWT_SECRET" >"$d/jwt_secret"
render "$REPO/dist/apache/htaccess.in" "$app/.htaccess"
render "$REPO/dist/apache/taskapi.fcgi.in" "$app/taskapi.fcgi" APP_ENV=development \
	DATABASE_URL="$DATABASE_URL" JWT_SECRET_FILE="$d/jwt_secret" LOG_FILE="$d/taskapi.log" \
	BINDIR="$(dirname "$TASKAPI_BIN")"
chmod 700 "$app/taskapi.fcgi"
chmod 600 "$d/jwt_secret"
chown -R www-data "$d"  # the customer's files, as mod_fcgid runs them
render "$REPO/dist/apache/shared-hosting.conf.in" "$H/site.conf" LISTEN="127.0.0.1:$port" \
	SERVER_NAME=localhost DOCROOT="$d/htdocs"
if ! start_apache "$H/site.conf" "$port"; then
	hfail "apache2 starts with the host's configuration"
	hosting_finish
fi
base=http://127.0.0.1:$port/tasks-api
st=$(curl -s -o "$H/b" -w '%{http_code}' "$base/health")
hcheck "GET /tasks-api/health through the .htaccess front controller is 200" test "$st" = 200
through "$base" apache-htaccess

u=ht$RANDOM$RANDOM
curl -s -o /dev/null -H 'Content-Type: application/json' "$base/api/v1/auth/register" \
	-d "{\"email\":\"$u@example.com\",\"username\":\"$u\",\"password\":\"Passw0rd1\"}"
tok=$(curl -s -H 'Content-Type: application/json' "$base/api/v1/auth/login" \
	-d "{\"username\":\"$u\",\"password\":\"Passw0rd1\"}" | jq -r '.access_token // empty')
st=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$base/api/v1/users/me")
hcheck "a bearer token passes the .htaccess rewrite: GET /users/me is 200" test "$st" = 200
for t in a b; do
	curl -s -o "$H/created" -D "$H/created.h" -H "Authorization: Bearer $tok" \
		-H 'Content-Type: application/json' -d "{\"title\":\"$t\"}" "$base/api/v1/tasks/"
done
id=$(jq -r '.id // empty' "$H/created")
location=$(tr -d '\r' <"$H/created.h" | sed -n 's/^[Ll]ocation: //p')
hcheck "the created task's Location carries the /tasks-api prefix ($location)" \
	test "$location" = "/tasks-api/api/v1/tasks/$id"
got=$(curl -s -H "Authorization: Bearer $tok" "http://127.0.0.1:$port$location" | jq -r '[.id, .title] | @tsv')
hcheck "GET on that Location through the front controller is the created task" \
	test "$got" = "$id"$'\t'b
link=$(curl -s -D - -o /dev/null -H "Authorization: Bearer $tok" "$base/api/v1/tasks/?limit=1" |
	tr -d '\r' | sed -n 's/^[Ll]ink: //p')
hcheck "the next page's Link carries the /tasks-api prefix" grep -q '</tasks-api/api/v1/tasks/' <<<"$link"
hosting_finish
