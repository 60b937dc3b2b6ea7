#!/usr/bin/env bash
# Hostile input against the running stack. Every case has one expected status and must
# leak nothing of the database or the server: SQL metacharacters and very long values in
# every body field, query parameter, path parameter and credential header (stored
# verbatim or refused, never 500); invalid UTF-8 and NUL in every string field; ids out of
# range and negative; deeply nested JSON; duplicated keys; huge headers; a 10 KB
# Authorization header; algorithm confusion (HS256 keyed with an RSA public key, RS256,
# alg none, HS512); tokens of deleted and deactivated users. Then the worker pool must
# still answer normally, with no worker lost.
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

: "${JWT_SECRET:?JWT_SECRET must be set}"

# hcase EXPECTED NAME METHOD PATH [BODY] [curl args...]: one request, one recorded result.
hcase() {
	local want=$1 name=$2
	shift 2
	req "$@"
	local low
	low=$(printf '%s' "$BODY" | tr '[:upper:]' '[:lower:]')
	if [[ $STATUS != "$want" ]]; then
		fail "$name: $want" "expected status $want; $(_last)"
	elif [[ $BODY == *"ERROR:"* || $low == *postgres* || $low == *sqlstate* || $low == *libpq* ||
		$low == *"syntax error"* || $low == *"violates "* || $low == *"relation \""* ]]; then
		fail "$name: $want" "leaks internals; $(_last)"
	else
		ok "$name: $want"
	fi
}
# verbatim NAME JQ-FILTER VALUE: the last answer holds VALUE exactly at FILTER.
verbatim() {
	if jq -e --arg v "$3" "$2 == \$v" >/dev/null 2>&1 <<<"$BODY"; then ok "$1"; else
		fail "$1" "expected $2 to be $(_oneline "$3"); $(_last)"
	fi
}
J() { jq -cn "$@"; } # JSON from jq arguments

# The pool before: its workers (when this stack's VAR_DIR is known) and its crash lines.
pool_master=
if [[ -n ${VAR_DIR:-} && -f $VAR_DIR/run/env ]] && [[ $(. "$VAR_DIR/run/env" && echo "$BASE_URL") == "$BASE_URL" ]]; then
	pool_master=$(cat "$VAR_DIR/run/taskapi.pid" 2>/dev/null)
	pool_log=$(. "$VAR_DIR/run/env" && echo "$TASKAPI_LOG_FILE")
fi
workers() { pool_workers "$pool_master"; }
crashes() { grep -cE 'killed by signal|exited with status' "$pool_log" 2>/dev/null || true; }
if [[ -n $pool_master ]]; then
	workers_before=$(workers)
	crashes_before=$(crashes)
fi

register_user A
register_user V
register_admin ADM
TOKEN=$A_TOKEN
create_task "$A_TOKEN" '{"title":"target"}'
TID=$TASK_ID
TOKEN=$A_TOKEN req POST /api/v1/api-keys '{"name":"target"}'
KID=$(jq -r .id <<<"$BODY")
u=$(unique)

# ==== SQL metacharacters: stored verbatim, or refused with the field's usual status ====
SQL="'; DROP TABLE users; --"
SQL2="Robert'); DELETE FROM tasks WHERE ('1'='1"
SQLNS="x'OR'1'='1--" # no spaces: still a valid username / email local part

# register: every field
email="o'or'1'='1_$u@example.com"
name="${SQLNS}_$u"
pw="Pa1$SQL"
hcase 201 "SQL in register email, username, password, full_name" POST /api/v1/auth/register \
	"$(J --arg e "$email" --arg n "$name" --arg p "$pw" --arg f "$SQL2" '{email:$e, username:$n, password:$p, full_name:$f}')"
verbatim "SQL in register: email stored verbatim" .email "$email"
verbatim "SQL in register: username stored verbatim" .username "$name"
verbatim "SQL in register: full_name stored verbatim" .full_name "$SQL2"
TOKEN='' hcase 200 "SQL in login username and password (the account above)" POST /api/v1/auth/login \
	"$(J --arg n "$name" --arg p "$pw" '{username:$n, password:$p}')"
S_TOKEN=$(jq -r .access_token <<<"$BODY")
TOKEN='' hcase 201 "SQL in register-admin full_name" POST /api/v1/auth/register-admin \
	"$(J --arg e "adm_$u@example.com" --arg n "adm_$u" --arg f "$SQL" '{email:$e, username:$n, password:"Passw0rd1", full_name:$f}')"
TOKEN='' hcase 401 "SQL in login username" POST /api/v1/auth/login "$(J --arg n "$SQL" '{username:$n, password:"x"}')"
TOKEN='' hcase 401 "SQL in login password" POST /api/v1/auth/login "$(J --arg n "$A_NAME" --arg p "' OR '1'='1" '{username:$n, password:$p}')"
TOKEN='' hcase 401 "SQL in refresh_token" POST /api/v1/auth/refresh "$(J --arg t "$SQL" '{refresh_token:$t}')"

# PUT /users/me: every field
TOKEN=$S_TOKEN hcase 200 "SQL in PUT /users/me full_name and username" PUT /api/v1/users/me \
	"$(J --arg f "$SQL" --arg n "${name}2" '{full_name:$f, username:$n}')"
verbatim "SQL in PUT /users/me: full_name stored verbatim" .full_name "$SQL"
TOKEN=$S_TOKEN hcase 200 "SQL in PUT /users/me email" PUT /api/v1/users/me "$(J --arg e "q'||'1_$u@example.com" '{email:$e}')"
verbatim "SQL in PUT /users/me: email stored verbatim" .email "q'||'1_$u@example.com"
TOKEN=$S_TOKEN hcase 200 "SQL in PUT /users/me password" PUT /api/v1/users/me "$(J --arg p "Pb2$SQL2" '{password:$p}')"
TOKEN='' hcase 200 "the SQL-laden password logs in verbatim" POST /api/v1/auth/login \
	"$(J --arg n "${name}2" --arg p "Pb2$SQL2" '{username:$n, password:$p}')"
TOKEN=$S_TOKEN hcase 400 "SQL in current_password" POST /api/v1/users/me/password \
	"$(J --arg c "$SQL" '{current_password:$c, new_password:"Passw0rd7"}')"
TOKEN=$S_TOKEN hcase 204 "SQL in new_password" POST /api/v1/users/me/password \
	"$(J --arg c "Pb2$SQL2" --arg n "Pc3$SQL" '{current_password:$c, new_password:$n}')"

# tasks: every field of create and update
hcase 201 "SQL in task title and description" POST /api/v1/tasks/ "$(J --arg t "$SQL" --arg d "$SQL2" '{title:$t, description:$d}')"
verbatim "SQL in task: title stored verbatim" .title "$SQL"
verbatim "SQL in task: description stored verbatim" .description "$SQL2"
hcase 422 "SQL in task status" POST /api/v1/tasks/ "$(J --arg s "todo' OR '1'='1" '{title:"x", status:$s}')"
hcase 422 "SQL in task priority" POST /api/v1/tasks/ "$(J --arg s "$SQL" '{title:"x", priority:$s}')"
hcase 422 "SQL in task due_date" POST /api/v1/tasks/ "$(J --arg s "2024-01-01'; DROP TABLE tasks; --" '{title:"x", due_date:$s}')"
hcase 200 "SQL in PUT task title and description" PUT "/api/v1/tasks/$TID" "$(J --arg t "$SQL2" --arg d "$SQL" '{title:$t, description:$d}')"
verbatim "SQL in PUT task: title stored verbatim" .title "$SQL2"
hcase 422 "SQL in PUT task status" PUT "/api/v1/tasks/$TID" "$(J --arg s "$SQL" '{status:$s}')"
hcase 422 "SQL in PUT task priority" PUT "/api/v1/tasks/$TID" "$(J --arg s "$SQL" '{priority:$s}')"
hcase 422 "SQL in PUT task due_date" PUT "/api/v1/tasks/$TID" "$(J --arg s "$SQL" '{due_date:$s}')"
hcase 422 "SQL in PUT task is_completed" PUT "/api/v1/tasks/$TID" "$(J --arg s "$SQL" '{is_completed:$s}')"

# api keys
hcase 201 "SQL in API key name" POST /api/v1/api-keys "$(J --arg n "$SQL" '{name:$n}')"
verbatim "SQL in API key name: stored verbatim" .name "$SQL"
hcase 422 "SQL in API key expires_at" POST /api/v1/api-keys "$(J --arg s "$SQL" '{name:"x", expires_at:$s}')"

# query parameters
hcase 422 "SQL in skip" GET "/api/v1/tasks/?skip=0%3BDROP%20TABLE%20tasks"
hcase 422 "SQL in limit" GET "/api/v1/tasks/?limit=10%20OR%201%3D1"
hcase 422 "SQL in status" GET "/api/v1/tasks/?status=todo'%20OR%20'1'%3D'1"
hcase 200 "SQL in an unknown query parameter (ignored)" GET "/api/v1/tasks/?x='%3BDROP%20TABLE%20tasks--"
TOKEN=$ADM_TOKEN hcase 422 "SQL in users skip (admin)" GET "/api/v1/users/?skip=1'--"
TOKEN=$ADM_TOKEN hcase 422 "SQL in users limit (admin)" GET "/api/v1/users/?limit=1%20UNION%20SELECT%201"

# path parameters
hcase 422 "SQL in the task id (GET)" GET "/api/v1/tasks/1'%20OR%20'1'%3D'1"
hcase 422 "SQL in the task id (PUT)" PUT "/api/v1/tasks/1;DROP" '{"title":"x"}'
hcase 422 "SQL in the task id (DELETE)" DELETE "/api/v1/tasks/1%20OR%201=1"
TOKEN=$ADM_TOKEN hcase 422 "SQL in the user id (GET, admin)" GET "/api/v1/users/1'--"
TOKEN=$ADM_TOKEN hcase 422 "SQL in the user id (DELETE, admin)" DELETE "/api/v1/users/0%20OR%201=1"
hcase 422 "SQL in the API key id" DELETE "/api/v1/api-keys/1'OR'1"

# credential headers
AUTH_HEADER="Authorization: Bearer $SQL" hcase 401 "SQL as a bearer token" GET /api/v1/users/me
AUTH_HEADER="X-API-Key: $SQL" hcase 401 "SQL in X-API-Key" GET /api/v1/users/me
AUTH_HEADER="X-API-Key: tak_0000000000000000_$(printf "%s" "'OR'1'='1'--" | head -c 43)$(head -c 31 /dev/zero | tr '\0' A)" \
	hcase 401 "an API key with SQL in its secret part" GET /api/v1/users/me
hcase 200 "SQL in Origin" GET /api/v1/users/me '' -H "Origin: http://x'; DROP TABLE users; --"

# ==== Very long values ====
L=$(head -c 100000 /dev/zero | tr '\0' a)
LD=$(head -c 100000 /dev/zero | tr '\0' 7)
for f in email username password full_name; do
	hcase 422 "a 100 KB register $f" POST /api/v1/auth/register \
		"$(J --arg f "$f" --arg v "$L" --arg u "$u" '{email:"long_\($u)@example.com", username:"long_\($u)", password:"Passw0rd1"} + {($f): $v}')"
done
TOKEN='' hcase 401 "a 100 KB login username" POST /api/v1/auth/login "$(J --arg v "$L" '{username:$v, password:"x"}')"
TOKEN='' hcase 401 "a 100 KB login password" POST /api/v1/auth/login "$(J --arg n "$A_NAME" --arg v "$L" '{username:$n, password:$v}')"
TOKEN='' hcase 401 "a 100 KB refresh_token" POST /api/v1/auth/refresh "$(J --arg v "$L" '{refresh_token:$v}')"
for f in email username full_name password; do
	hcase 422 "a 100 KB PUT /users/me $f" PUT /api/v1/users/me "$(J --arg f "$f" --arg v "$L" '{($f): $v}')"
done
hcase 400 "a 100 KB current_password" POST /api/v1/users/me/password "$(J --arg v "$L" '{current_password:$v, new_password:"Passw0rd7"}')"
hcase 422 "a 100 KB new_password" POST /api/v1/users/me/password "$(J --arg p "$A_PASSWORD" --arg v "$L" '{current_password:$p, new_password:$v}')"
for f in title description status priority due_date; do
	hcase 422 "a 100 KB task $f (create)" POST /api/v1/tasks/ "$(J --arg f "$f" --arg v "$L" '{title:"x"} + {($f): $v}')"
	hcase 422 "a 100 KB task $f (update)" PUT "/api/v1/tasks/$TID" "$(J --arg f "$f" --arg v "$L" '{($f): $v}')"
done
hcase 201 "a 10,000-character description (the limit) is stored" POST /api/v1/tasks/ \
	"$(J --arg v "${L:0:10000}" '{title:"x", description:$v}')"
verbatim "the 10,000-character description is stored verbatim" .description "${L:0:10000}"
hcase 422 "a 100 KB API key name" POST /api/v1/api-keys "$(J --arg v "$L" '{name:$v}')"
hcase 422 "a 100 KB API key expires_at" POST /api/v1/api-keys "$(J --arg v "$L" '{name:"x", expires_at:$v}')"
{ printf '{"title":"'; head -c 1100000 /dev/zero | tr '\0' a; printf '"}'; } >"$_T/huge"
hcase 413 "a body over 1 MiB" POST /api/v1/tasks/ "@$_T/huge"
hcase 422 "a 5000-digit skip" GET "/api/v1/tasks/?skip=${LD:0:5000}"
hcase 422 "a 5000-digit limit" GET "/api/v1/tasks/?limit=${LD:0:5000}"
hcase 422 "a 5000-character status" GET "/api/v1/tasks/?status=${L:0:5000}"
hcase 200 "a 5000-character unknown query parameter (ignored)" GET "/api/v1/tasks/?${L:0:2000}=${L:0:3000}"
hcase 422 "a 5000-digit task id" GET "/api/v1/tasks/${LD:0:5000}"
TOKEN=$ADM_TOKEN hcase 422 "a 5000-digit user id (admin)" GET "/api/v1/users/${LD:0:5000}"
hcase 422 "a 5000-digit API key id" DELETE "/api/v1/api-keys/${LD:0:5000}"
AUTH_HEADER="X-API-Key: ${L:0:10000}" hcase 401 "a 10 KB X-API-Key" GET /api/v1/users/me
hcase 200 "a 10 KB Origin" GET /api/v1/users/me '' -H "Origin: ${L:0:10000}"

# ==== Invalid UTF-8 in JSON strings: 422 in every string field ====
# raw_body FILE PRINTF-FORMAT ARGS...: writes a body with raw bytes.
raw_body() {
	local file=$1 fmt=$2
	shift 2
	# shellcheck disable=SC2059
	printf "$fmt" "$@" >"$file"
}
BAD=$'\xff\xfe' OVERLONG=$'\xc0\xaf' SURR=$'\xed\xa0\x80'
for f in email username password full_name; do
	raw_body "$_T/u8" '{"email":"u8_%s@example.com","username":"u8_%s","password":"Passw0rd1","%s":"a%sb"}' "$u" "$u" "$f" "$BAD"
	TOKEN='' hcase 422 "invalid UTF-8 in register $f" POST /api/v1/auth/register "@$_T/u8"
done
for f in username password; do
	raw_body "$_T/u8" '{"username":"x","password":"y","%s":"a%sb"}' "$f" "$OVERLONG"
	TOKEN='' hcase 422 "invalid UTF-8 (overlong) in login $f" POST /api/v1/auth/login "@$_T/u8"
done
raw_body "$_T/u8" '{"refresh_token":"%s"}' "$SURR"
TOKEN='' hcase 422 "invalid UTF-8 (surrogate) in refresh_token" POST /api/v1/auth/refresh "@$_T/u8"
for f in email username full_name password; do
	raw_body "$_T/u8" '{"%s":"a%sb"}' "$f" "$BAD"
	hcase 422 "invalid UTF-8 in PUT /users/me $f" PUT /api/v1/users/me "@$_T/u8"
done
for f in current_password new_password; do
	raw_body "$_T/u8" '{"current_password":"x","new_password":"Passw0rd1","%s":"a%sb"}' "$f" "$BAD"
	hcase 422 "invalid UTF-8 in $f" POST /api/v1/users/me/password "@$_T/u8"
done
for f in title description status priority due_date; do
	raw_body "$_T/u8" '{"title":"x","%s":"a%sb"}' "$f" "$BAD"
	hcase 422 "invalid UTF-8 in task $f (create)" POST /api/v1/tasks/ "@$_T/u8"
	raw_body "$_T/u8" '{"%s":"%s"}' "$f" "$SURR"
	hcase 422 "invalid UTF-8 in task $f (update)" PUT "/api/v1/tasks/$TID" "@$_T/u8"
done
for f in name expires_at; do
	raw_body "$_T/u8" '{"name":"x","%s":"a%sb"}' "$f" "$BAD"
	hcase 422 "invalid UTF-8 in API key $f" POST /api/v1/api-keys "@$_T/u8"
done
raw_body "$_T/u8" '{"title":"x","unknown":"a%sb"}' "$BAD"
hcase 422 "invalid UTF-8 in an unknown field" POST /api/v1/tasks/ "@$_T/u8"
hcase 422 "invalid UTF-8 in the status query parameter" GET "/api/v1/tasks/?status=todo%FF"
hcase 422 "invalid UTF-8 in the task id" GET "/api/v1/tasks/1%FF"

# ==== NUL bytes ====
for f in title description status; do
	hcase 422 "\\u0000 in task $f" POST /api/v1/tasks/ "$(printf '{"title":"x","%s":"a\\u0000b"}' "$f")"
done
TOKEN='' hcase 422 "\\u0000 in a register email" POST /api/v1/auth/register "{\"email\":\"n\\u0000$u@example.com\",\"username\":\"nul_$u\",\"password\":\"Passw0rd1\"}"
TOKEN='' hcase 422 "\\u0000 in a login password" POST /api/v1/auth/login '{"username":"x","password":"a\u0000b"}'
hcase 422 "\\u0000 in an API key name" POST /api/v1/api-keys '{"name":"a\u0000b"}'
hcase 422 "\\u0000 in PUT /users/me full_name" PUT /api/v1/users/me '{"full_name":"a\u0000b"}'
printf '{"title":"a\000b"}' >"$_T/nul"
hcase 422 "a raw NUL byte inside a string" POST /api/v1/tasks/ "@$_T/nul"
printf '{"title":"ab"}\000' >"$_T/nul"
hcase 422 "a raw NUL byte after the object" POST /api/v1/tasks/ "@$_T/nul"
printf '\000{"title":"ab"}' >"$_T/nul"
hcase 422 "a raw NUL byte before the object" POST /api/v1/tasks/ "@$_T/nul"
hcase 422 "%00 in the status query parameter" GET "/api/v1/tasks/?status=todo%00"
hcase 422 "%00 in the limit query parameter" GET "/api/v1/tasks/?limit=1%00"
hcase 400 "%00 in the path (refused by NGINX)" GET "/api/v1/tasks/1%00"

# ==== Ids out of range and negative ====
hcase 422 "/tasks/99999999999999999999 (past bigint)" GET /api/v1/tasks/99999999999999999999
hcase 422 "/tasks/9223372036854775808 (bigint max + 1)" GET /api/v1/tasks/9223372036854775808
hcase 404 "/tasks/9223372036854775807 (bigint max)" GET /api/v1/tasks/9223372036854775807
hcase 422 "PUT /tasks/99999999999999999999" PUT /api/v1/tasks/99999999999999999999 '{"title":"x"}'
hcase 422 "DELETE /tasks/-99999999999999999999" DELETE /api/v1/tasks/-99999999999999999999
TOKEN=$ADM_TOKEN hcase 422 "/users/99999999999999999999 (admin)" GET /api/v1/users/99999999999999999999
hcase 422 "/api-keys/99999999999999999999" DELETE /api/v1/api-keys/99999999999999999999
hcase 422 "skip=99999999999999999999" GET "/api/v1/tasks/?skip=99999999999999999999"
hcase 422 "limit=99999999999999999999" GET "/api/v1/tasks/?limit=99999999999999999999"
hcase 422 "a task id in exponent form (1e3)" GET /api/v1/tasks/1e3
hcase 422 "a task id with a plus sign" GET /api/v1/tasks/+1
hcase 422 "a hexadecimal task id" GET /api/v1/tasks/0x10
hcase 404 "a negative task id (GET)" GET /api/v1/tasks/-1
hcase 404 "a negative task id (PUT)" PUT /api/v1/tasks/-1 '{"title":"x"}'
hcase 404 "a negative task id (DELETE)" DELETE /api/v1/tasks/-1
hcase 404 "the most negative bigint as a task id" GET /api/v1/tasks/-9223372036854775808
TOKEN=$ADM_TOKEN hcase 404 "a negative user id (admin)" GET /api/v1/users/-1
TOKEN=$ADM_TOKEN hcase 404 "a negative user id (admin DELETE)" DELETE /api/v1/users/-1
hcase 404 "a negative API key id" DELETE /api/v1/api-keys/-1
hcase 422 "a negative skip" GET "/api/v1/tasks/?skip=-1"
hcase 422 "a negative limit" GET "/api/v1/tasks/?limit=-5"

# ==== Deeply nested JSON: 422, no stack blow-up ====
{ head -c 100000 /dev/zero | tr '\0' '['; head -c 100000 /dev/zero | tr '\0' ']'; } >"$_T/deep"
for route in /api/v1/tasks/ /api/v1/api-keys /api/v1/auth/login /api/v1/auth/refresh /api/v1/auth/register; do
	hcase 422 "100,000 nested arrays to POST $route" POST "$route" "@$_T/deep"
done
hcase 422 "100,000 nested arrays to PUT /users/me" PUT /api/v1/users/me "@$_T/deep"
{
	printf '{"title":"deep","description":'
	for ((i = 0; i < 20000; i++)); do printf '{"a":'; done
	printf '1'
	for ((i = 0; i < 20000; i++)); do printf '}'; done
	printf '}'
} >"$_T/deep"
hcase 422 "20,000 nested objects inside a field" POST /api/v1/tasks/ "@$_T/deep"
head -c 200000 /dev/zero | tr '\0' '{' >"$_T/deep"
hcase 422 "200,000 unclosed braces" POST /api/v1/tasks/ "@$_T/deep"
{ printf '{"title":"ok","x":'; head -c 31 /dev/zero | tr '\0' '['; head -c 31 /dev/zero | tr '\0' ']'; printf '}'; } >"$_T/deep"
hcase 201 "nesting within the limit (32 levels) is fine" POST /api/v1/tasks/ "@$_T/deep"

# ==== Duplicated keys: the last one wins (as in Python's json) ====
hcase 201 "a duplicated title" POST /api/v1/tasks/ '{"title":"first","title":"second"}'
verbatim "a duplicated key: the last value is the one stored" .title second
hcase 422 "a duplicated key whose last value is invalid" POST /api/v1/tasks/ '{"title":"ok","title":""}'
hcase 201 "a duplicated key whose first value is invalid" POST /api/v1/tasks/ '{"status":"nope","title":"t","status":"todo"}'
verbatim "a duplicated status: the last value is the one stored" .status todo
TOKEN='' hcase 401 "a duplicated login username (last one is wrong)" POST /api/v1/auth/login \
	"$(J --arg n "$A_NAME" --arg p "$A_PASSWORD" '{username:$n, password:$p}' | sed 's/^{/{"password":"x",/; s/}$/,"password":"wrong"}/')"

# ==== Huge headers ====
big=$(head -c 20000 /dev/zero | tr '\0' h)
hcase 431 "a 20 KB header line" GET /api/v1/users/me '' -H "X-Junk: $big"
many=()
for ((i = 0; i < 80; i++)); do many+=(-H "X-Junk-$i: ${big:0:1000}"); done
hcase 431 "80 headers of 1 KB (past the 64 KB of header buffers)" GET /api/v1/users/me '' "${many[@]}"
hcase 200 "a 10 KB header line reaches the application" GET /api/v1/users/me '' -H "X-Junk: ${big:0:10000}"
G=$(head -c 7600 /dev/urandom | base64 -w0 | head -c 10240)
AUTH_HEADER="Authorization: Bearer $G" hcase 401 "Authorization: Bearer + 10 KB of garbage" GET /api/v1/users/me
expect_body_json '{"detail":"Could not validate credentials"}' "10 KB of garbage: Could not validate credentials"
AUTH_HEADER="Authorization: $G" hcase 401 "Authorization: 10 KB of garbage without a scheme" GET /api/v1/users/me
expect_body_json '{"detail":"Not authenticated"}' "10 KB of garbage without a scheme: Not authenticated"
AUTH_HEADER="Authorization: Bearer $(head -c 10240 /dev/zero | tr '\0' '.')" hcase 401 "Authorization: Bearer + 10 KB of dots" GET /api/v1/users/me
AUTH_HEADER="Authorization: Bearer eyJ$(head -c 10237 /dev/zero | tr '\0' 'A')" hcase 401 "Authorization: Bearer + a 10 KB base64 header" GET /api/v1/users/me

# ==== Algorithm confusion ====
openssl genrsa -out "$_T/rsa.pem" 2048 2>/dev/null
openssl rsa -in "$_T/rsa.pem" -pubout -out "$_T/rsa.pub" 2>/dev/null
PAYLOAD=$(claims "$A_ID" "$A_NAME" user)
tok=$(make_jwt '{"alg":"HS256","typ":"JWT"}' "$PAYLOAD" "$(cat "$_T/rsa.pub")")
TOKEN=$tok hcase 401 "HS256 keyed with an RSA public key (PEM)" GET /api/v1/users/me
tok=$(make_jwt '{"alg":"HS256","typ":"JWT"}' "$PAYLOAD" "$(openssl rsa -pubin -in "$_T/rsa.pub" -outform DER 2>/dev/null | base64 -w0)")
TOKEN=$tok hcase 401 "HS256 keyed with an RSA public key (DER, base64)" GET /api/v1/users/me
signing="$(printf '%s' '{"alg":"RS256","typ":"JWT"}' | b64url).$(printf '%s' "$PAYLOAD" | b64url)"
sig=$(printf '%s' "$signing" | openssl dgst -sha256 -sign "$_T/rsa.pem" -binary | b64url)
TOKEN="$signing.$sig" hcase 401 "RS256 signed with an RSA private key" GET /api/v1/users/me
TOKEN=$(make_jwt_none "$PAYLOAD") hcase 401 "alg none" GET /api/v1/users/me
TOKEN=$(make_jwt_none "$PAYLOAD" '{"alg":"nOnE","typ":"JWT"}') hcase 401 "alg nOnE" GET /api/v1/users/me
TOKEN="$(make_jwt_none "$PAYLOAD")$(printf x | b64url)" hcase 401 "alg none with a signature" GET /api/v1/users/me
TOKEN=$(make_jwt '{"alg":"HS512","typ":"JWT"}' "$PAYLOAD" "$JWT_SECRET") hcase 401 "HS512 with the right secret" GET /api/v1/users/me
TOKEN=$(make_jwt '{"alg":"HS384","typ":"JWT"}' "$PAYLOAD" "$JWT_SECRET") hcase 401 "HS384 with the right secret" GET /api/v1/users/me
TOKEN=$(make_jwt '{"alg":"HS256","kid":"../../../../dev/null"}' "$PAYLOAD" "") hcase 401 "kid path traversal with an empty key" GET /api/v1/users/me
TOKEN=$(make_jwt '{"alg":"HS256","kid":"x'"'"' OR 1=1 --"}' "$PAYLOAD" "$JWT_SECRET") hcase 401 "SQL in kid (right secret, unknown kid)" GET /api/v1/users/me
TOKEN=$(make_jwt '{"alg":"HS256","kid":7}' "$PAYLOAD" "$JWT_SECRET") hcase 401 "a numeric kid" GET /api/v1/users/me
TOKEN=$(make_jwt '{"alg":"HS256","typ":"JWT"}' "$PAYLOAD" "$JWT_SECRET") hcase 200 "the same payload, HS256 with the right secret (control)" GET /api/v1/users/me
TOKEN=$(make_jwt '{"alg":"HS256"}' "$(jq -c '.user_id = 99999999999999999999' <<<"$PAYLOAD")" "$JWT_SECRET") \
	hcase 401 "a user_id past bigint (right secret)" GET /api/v1/users/me
TOKEN=$(make_jwt '{"alg":"HS256"}' "$(jq -c '.sid = -1' <<<"$PAYLOAD")" "$JWT_SECRET") hcase 401 "a negative sid (right secret)" GET /api/v1/users/me
TOKEN=$(make_jwt '{"alg":"HS256"}' "$(jq -c --arg j "a\"b\\c{},NULL" '.jti = $j' <<<"$PAYLOAD")" "$JWT_SECRET") \
	hcase 200 "array-literal characters in jti (right secret) are only data" GET /api/v1/users/me
TOKEN=$(make_jwt '{"alg":"HS256"}' "$(jq -c --arg j "${L:0:65}" '.jti = $j' <<<"$PAYLOAD")" "$JWT_SECRET") \
	hcase 401 "a jti of 65 characters (right secret)" GET /api/v1/users/me

# ==== Tokens of deleted and deactivated users ====
register_user DEL
TOKEN=$ADM_TOKEN req DELETE "/api/v1/users/$DEL_ID"
TOKEN=$DEL_TOKEN hcase 401 "a deleted user's token (GET /users/me)" GET /api/v1/users/me
TOKEN=$DEL_TOKEN hcase 401 "a deleted user's token (POST /tasks/)" POST /api/v1/tasks/ '{"title":"ghost"}'
TOKEN=$(make_jwt '{"alg":"HS256"}' "$(claims "$DEL_ID" "$DEL_NAME" admin)" "$JWT_SECRET") \
	hcase 401 "a freshly signed token for the deleted user id" GET /api/v1/users/
psql_exec "UPDATE users SET is_active = false WHERE id = $V_ID" >/dev/null
TOKEN=$V_TOKEN hcase 403 "a deactivated user's token (GET /users/me)" GET /api/v1/users/me
TOKEN=$V_TOKEN hcase 403 "a deactivated user's token (PUT /users/me)" PUT /api/v1/users/me '{"full_name":"x"}'
TOKEN=$V_TOKEN hcase 403 "a deactivated user's token (POST /api-keys)" POST /api/v1/api-keys '{"name":"x"}'
TOKEN='' hcase 403 "a deactivated user's login" POST /api/v1/auth/login "$(J --arg n "$V_NAME" --arg p "$V_PASSWORD" '{username:$n, password:$p}')"

# ==== The pool answers normally afterwards ====
TOKEN='' hcase 200 "/health after the hostile input" GET /health
codes=""
for _ in $(seq 30); do
	TOKEN=$A_TOKEN req GET "/api/v1/tasks/$TID"
	codes+="$STATUS "
done
check "30 normal requests after the hostile input all answer 200" test "$(echo "$codes" | tr ' ' '\n' | sort -u | xargs)" = 200
TOKEN=$A_TOKEN hcase 201 "a task can still be created" POST /api/v1/tasks/ '{"title":"still alive"}'
TOKEN='' hcase 200 "a login still works" POST /api/v1/auth/login "$(J --arg n "$A_NAME" --arg p "$A_PASSWORD" '{username:$n, password:$p}')"
n=$(psql_exec "SELECT (SELECT count(*) FROM users) > 0 AND (SELECT count(*) FROM tasks) > 0")
check "the users and tasks tables are intact" test "$n" = t
if [[ -n $pool_master ]]; then
	check "no worker died during the hostile input (same worker pids)" test "$(workers)" = "$workers_before"
	check "the pool log records no worker crash" test "$(crashes)" = "$crashes_before"
else
	fail "the pool's workers are known" "VAR_DIR does not describe the stack at $BASE_URL"
fi

finish
