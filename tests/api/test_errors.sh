#!/usr/bin/env bash
# Error hygiene: JSON content type on every answer, no SQL or database text ever leaks,
# hostile input (SQL metacharacters, NUL, invalid UTF-8, deep nesting) is stored verbatim
# or rejected with 422, never 500; the server keeps working afterwards.
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

CT='^application/json; charset=utf-8$'
register_user A
TOKEN=$A_TOKEN

# ---- Content-Type of JSON answers, for every kind of status
ct_case() { # NAME EXPECTED-STATUS
	expect_status "$2" "$1 is $2"
	expect_header content-type "$CT" "$1: Content-Type application/json; charset=utf-8"
	expect_no_leak "$1: no internals in the body"
}
TOKEN='' req GET /health
ct_case "GET /health" 200
req POST /api/v1/tasks/ '{"title":"ct"}'
ct_case "POST /tasks/" 201
TOKEN='' req POST /api/v1/auth/register "$(jq -cn --arg e "$A_EMAIL" '{email:$e, username:"whatever_1", password:"Passw0rd1"}')"
ct_case "duplicate register" 400
TOKEN='' req GET /api/v1/users/me
ct_case "no token" 401
TOKEN=garbage req GET /api/v1/users/me
ct_case "bad token" 401
req GET /api/v1/users/
ct_case "non-admin list" 403
req GET /api/v1/tasks/999999999
ct_case "missing task" 404
TOKEN='' req GET /api/v1/no-such-route
ct_case "unknown route" 404
TOKEN='' req DELETE /health
ct_case "wrong method" 405
req POST /api/v1/tasks/ '{"title":'
ct_case "malformed JSON" 422
req GET '/api/v1/tasks/?limit=0'
ct_case "bad query" 422
login "$A_NAME" "wrong-Passw0rd"
ct_case "bad login" 401

# ---- SQL metacharacters are data
sqlish=("'; DROP TABLE tasks; --" "\" OR 1=1 --" "Robert'); DROP TABLE users;--" "%_\\'\"\`\$(id)" "1; SELECT pg_sleep(5)" "' UNION SELECT hashed_password FROM users --")
for s in "${sqlish[@]}"; do
	req POST /api/v1/tasks/ "$(jq -cn --arg t "$s" '{title:$t, description:$t}')"
	if [[ $STATUS == 201 ]]; then
		ok "SQL-like title '$s' is accepted"
		id=$(jq -r .id <<<"$BODY")
		req GET "/api/v1/tasks/$id"
		if jq -e --arg t "$s" '.title == $t and .description == $t' >/dev/null 2>&1 <<<"$BODY"; then
			ok "SQL-like title '$s' is stored verbatim"
		else
			fail "SQL-like title '$s' is stored verbatim" "$(_last)"
		fi
		req PUT "/api/v1/tasks/$id" "$(jq -cn --arg t "$s!" '{title:$t}')"
		expect_json '.title' "$s!" "SQL-like title '$s' updates verbatim"
	elif [[ $STATUS == 422 ]]; then
		ok "SQL-like title '$s' is rejected with 422"
	else
		fail "SQL-like title '$s' is stored or rejected with 422" "$(_last)"
	fi
	expect_no_leak "SQL-like title '$s': no internals"
done
req GET '/api/v1/tasks/?limit=100'
expect_status 200 "the tasks table is still there"

for s in "x'; DROP TABLE users; --" "x\" OR \"1\"=\"1" "x\\'--"; do
	u=$(unique)
	name="${s}_$u"
	TOKEN='' req POST /api/v1/auth/register "$(jq -cn --arg n "$name" --arg u "$u" '{email:"sql_\($u)@example.com", username:$n, password:"Passw0rd\($u)"}')"
	if [[ $STATUS == 201 ]]; then
		expect_json '.username' "$name" "SQL-like username '$s' is stored verbatim"
		login "$name" "Passw0rd$u"
		expect_status 200 "SQL-like username '$s' can log in"
		TOKEN=$LOGIN_TOKEN req GET /api/v1/users/me
		expect_json '.username' "$name" "SQL-like username '$s' reads back verbatim"
	elif [[ $STATUS == 422 ]]; then
		ok "SQL-like username '$s' is rejected with 422"
	else
		fail "SQL-like username '$s' is stored or rejected with 422" "$(_last)"
	fi
	expect_no_leak "SQL-like username '$s': no internals"
done
login "' OR '1'='1" "' OR '1'='1"
expect_status 401 "bad: SQL injection in login is 401"
expect_no_leak "bad: SQL injection in login: no internals"
login "admin'--" "x"
expect_status 401 "bad: SQL comment in login username is 401"
if n=$(psql_exec "SELECT count(*) FROM users") && [[ $n -gt 0 ]]; then ok "the users table is still there"; else
	fail "the users table is still there" "psql: ${n:-failed}"
fi

# query and path parameters with SQL
req GET "/api/v1/tasks/?status=todo'%20OR%20'1'='1"
expect_422 "bad: SQL in the status query parameter"
expect_no_leak "bad: SQL in the status query parameter: no internals"
req GET "/api/v1/tasks/1%20OR%201=1"
expect_422 "bad: SQL in the task id"
expect_no_leak "bad: SQL in the task id: no internals"
req GET "/api/v1/tasks/?skip=0;DROP%20TABLE%20tasks"
expect_422 "bad: SQL in the skip query parameter"

# unicode is data too
for s in "Grüße, 世界 🚀" "tab	and newline
inside" "back\\slash \"quotes\""; do
	req POST /api/v1/tasks/ "$(jq -cn --arg t "$s" '{title:$t}')"
	expect_status 201 "title with special characters is accepted ($(_oneline "$s"))"
	expect_json '.title' "$s" "title with special characters round-trips ($(_oneline "$s"))"
done

# ---- NUL inside a JSON string: 422
req POST /api/v1/tasks/ '{"title":"a\u0000b"}'
expect_422 "bad: \\u0000 in a task title"
expect_no_leak "bad: \\u0000 in a task title: no internals"
req POST /api/v1/tasks/ '{"title":"ok","description":"x\u0000"}'
expect_422 "bad: \\u0000 in a task description"
u=$(unique)
TOKEN='' req POST /api/v1/auth/register "{\"email\":\"nul_$u@example.com\",\"username\":\"nul\\u0000$u\",\"password\":\"Passw0rd1\"}"
expect_422 "bad: \\u0000 in a username"
expect_no_leak "bad: \\u0000 in a username: no internals"
TOKEN='' req POST /api/v1/auth/login '{"username":"a\u0000b","password":"Passw0rd1"}'
if [[ $STATUS == 401 || $STATUS == 422 ]]; then ok "bad: \\u0000 in a login username is 401 or 422"; else
	fail "bad: \\u0000 in a login username is 401 or 422" "$(_last)"
fi
# a raw NUL byte in the body
printf '{"title":"a\000b"}' >"$_T/nul.json"
req POST /api/v1/tasks/ "@$_T/nul.json"
expect_422 "bad: a raw NUL byte in the body"

# ---- invalid UTF-8 in a JSON string: 422
bad_utf8() { # NAME PRINTF-FORMAT
	# shellcheck disable=SC2059
	printf "$2" >"$_T/bad.json"
	req POST /api/v1/tasks/ "@$_T/bad.json"
	expect_422 "bad: invalid UTF-8 ($1)"
	expect_no_leak "bad: invalid UTF-8 ($1): no internals"
}
bad_utf8 'bytes ff fe' '{"title":"a\377\376b"}'
bad_utf8 'lone continuation byte' '{"title":"a\200b"}'
bad_utf8 'overlong slash c0 af' '{"title":"a\300\257b"}'
bad_utf8 'truncated sequence' '{"title":"a\342\202"}'
bad_utf8 'surrogate ed a0 80' '{"title":"a\355\240\200b"}'
bad_utf8 'latin-1 e9' '{"title":"caf\351"}'
u=$(unique)
printf '{"email":"u8_%s@example.com","username":"u8_\377_%s","password":"Passw0rd1"}' "$u" "$u" >"$_T/bad.json"
TOKEN='' req POST /api/v1/auth/register "@$_T/bad.json"
expect_422 "bad: invalid UTF-8 in a username"
# a lone surrogate escape is not 500
req POST /api/v1/tasks/ '{"title":"a\ud800b"}'
if [[ $STATUS == 201 || $STATUS == 422 ]]; then ok "bad: a lone surrogate escape is 201 or 422 (not 500)"; else
	fail "bad: a lone surrogate escape is 201 or 422 (not 500)" "$(_last)"
fi
expect_no_leak "bad: a lone surrogate escape: no internals"

# ---- deeply nested JSON: 422
head -c 10000 /dev/zero | tr '\0' '[' >"$_T/deep.json"
req POST /api/v1/tasks/ "@$_T/deep.json"
expect_422 "bad: 10000 unclosed ["
{
	head -c 10000 /dev/zero | tr '\0' '['
	head -c 10000 /dev/zero | tr '\0' ']'
} >"$_T/deep.json"
req POST /api/v1/tasks/ "@$_T/deep.json"
expect_422 "bad: 10000 nested arrays (well-formed)"
{
	printf '{"title":"deep","description":'
	head -c 5000 /dev/zero | tr '\0' '['
	head -c 5000 /dev/zero | tr '\0' ']'
	printf '}'
} >"$_T/deep.json"
req POST /api/v1/tasks/ "@$_T/deep.json"
expect_422 "bad: a deeply nested value inside a task"
{
	for ((i = 0; i < 5000; i++)); do printf '{"a":'; done
	printf '1'
	for ((i = 0; i < 5000; i++)); do printf '}'; done
} >"$_T/deep.json"
TOKEN='' req POST /api/v1/auth/register "@$_T/deep.json"
expect_422 "bad: 5000 nested objects on register"
expect_no_leak "bad: deep nesting: no internals"

# ---- odd bodies
req POST /api/v1/tasks/ '' -H 'Content-Type: application/json' -H 'Content-Length: 0'
expect_422 "bad: empty body on create"
req POST /api/v1/tasks/ '{"title":"x"} trailing'
expect_422 "bad: trailing garbage after the JSON object" '["body"]' 1
req POST /api/v1/tasks/ '{"title":"x","title":"y"}'
if [[ $STATUS == 201 || $STATUS == 422 ]]; then ok "duplicate keys are 201 or 422 (not 500)"; else
	fail "duplicate keys are 201 or 422 (not 500)" "$(_last)"
fi

# ---- odd paths
TOKEN='' req GET '/api/v1/tasks/%00'
if [[ $STATUS =~ ^4[0-9][0-9]$ ]]; then ok "bad: %00 in the path is a 4xx"; else fail "bad: %00 in the path is a 4xx" "$(_last)"; fi
long=$(head -c 5000 /dev/zero | tr '\0' 9)
req GET "/api/v1/tasks/$long"
if [[ $STATUS =~ ^4[0-9][0-9]$ ]]; then ok "bad: a 5000-digit task id is a 4xx"; else fail "bad: a 5000-digit task id is a 4xx" "$(_last)"; fi
expect_no_leak "bad: a 5000-digit task id: no internals"

# ---- the service still works
TOKEN='' req GET /health
expect_status 200 "/health still answers after hostile input"
expect_json '{status, version} | tojson' '{"status":"healthy","version":"1.0.0"}' "/health body unchanged after hostile input"
TOKEN=$A_TOKEN req GET /api/v1/users/me
expect_status 200 "an authenticated request still works after hostile input"
expect_json '.id' "$A_ID" "an authenticated request still returns the right user"
TOKEN=$A_TOKEN req POST /api/v1/tasks/ '{"title":"still alive"}'
expect_status 201 "tasks can still be created after hostile input"

finish
