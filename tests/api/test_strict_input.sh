#!/usr/bin/env bash
# Strict input: unpaired UTF-16 surrogates in \u escapes are 422
# string_unicode (json-c would store U+FFFD); bodies of another Content-Type than JSON
# are 415; usernames are unique case-insensitively and logins ignore case.
. "$(dirname "$0")/lib.sh"

register_user S
TOKEN=$S_TOKEN

# ---- surrogates
for body in '{"title":"\ud800"}' '{"title":"a\udc00b"}' '{"title":"\udc00\ud800"}' \
	'{"title":"ok","description":"\ud83d\u0041"}'; do
	req POST /api/v1/tasks/ "$body"
	expect_status 422 "bad: unpaired surrogate in $body is 422"
	expect_json '.detail[0].type' string_unicode "bad: $body: type string_unicode"
	expect_json '.detail[0].loc | join(",")' body "bad: $body: loc body"
done
u=$(unique)
TOKEN='' req POST /api/v1/auth/register "{\"email\":\"sur_$u@example.com\",\"username\":\"s\\ud800_$u\",\"password\":\"Passw0rd1\"}"
expect_status 422 "bad: register with a lone surrogate in the username is 422"
check "nothing was registered with U+FFFD" test "$(psql_exec "SELECT count(*) FROM users WHERE email = 'sur_$u@example.com'")" = 0
req POST /api/v1/tasks/ '{"title":"smile \ud83d\ude00 caf\u00e9"}'
expect_status 201 "a surrogate pair is accepted"
expect_json .title "smile 😀 café" "the pair is stored as the one character it encodes"

# ---- Content-Type
# typed TYPE BODY: POST /api/v1/tasks/ with exactly that Content-Type (none when empty).
typed() {
	STATUS=$(curl -s -o "$_T/typed" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -H "Content-Type: $1" \
		--data-binary "$2" "$BASE_URL/api/v1/tasks/")
	BODY=$(cat "$_T/typed")
}
typed text/plain '{"title":"typed"}'
expect_status 415 "bad: text/plain body is 415"
expect_json .detail "Unsupported Media Type: send the body as Content-Type: application/json" "bad: 415 detail"
# curl -d without -H sends application/x-www-form-urlencoded
STATUS=$(curl -s -o "$_T/f" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -d '{"title":"form"}' "$BASE_URL/api/v1/tasks/")
check "bad: a form-encoded body (curl -d) is 415" test "$STATUS" = 415
typed '' '{"title":"no type"}'
expect_status 201 "a body without Content-Type is read as JSON (as FastAPI does)"
typed 'Application/JSON; charset=utf-8' '{"title":"charset"}'
expect_status 201 "application/json with parameters, any case, is accepted"
typed application/vnd.taskapi+json '{"title":"vendor"}'
expect_status 201 "application/*+json is accepted"
typed application/jsonx '{"title":"almost"}'
expect_status 415 "bad: application/jsonx is 415"
check "the refused bodies created nothing" test "$(psql_exec "SELECT count(*) FROM tasks WHERE owner_id = $S_ID AND title IN ('typed', 'form', 'almost')")" = 0
TOKEN='' req POST /api/v1/tasks/ '{"title":"x"}' -H 'Content-Type: text/plain' -X GET
expect_status 401 "a GET's body is not looked at (auth decides)"

# ---- usernames, case-insensitively
name="CaseUser_$u"
lower=$(tr '[:upper:]' '[:lower:]' <<<"$name")
TOKEN='' req POST /api/v1/auth/register "{\"email\":\"c1_$u@example.com\",\"username\":\"$name\",\"password\":\"Passw0rd1\"}"
expect_status 201 "register $name"
TOKEN='' req POST /api/v1/auth/register "{\"email\":\"c2_$u@example.com\",\"username\":\"$lower\",\"password\":\"Passw0rd1\"}"
expect_status 400 "bad: the same name in another case is taken"
expect_json .detail "Username already taken" "bad: same message as an exact clash"
login "$name" Passw0rd1
check "login with the exact name works" test -n "$LOGIN_TOKEN"
login "$lower" Passw0rd1
check "login ignores case" test -n "$LOGIN_TOKEN"
check "the token names the account as registered" test "$(jwt_part "$LOGIN_TOKEN" 2 | jq -r .sub)" = "$name"
req PUT /api/v1/users/me "{\"username\":\"${name^^}\"}"
expect_status 400 "bad: renaming oneself to another's name in another case is 400"
TOKEN=$LOGIN_TOKEN req PUT /api/v1/users/me "{\"username\":\"${name^^}\"}"
expect_status 200 "an account may change the case of its own name"
finish
