#!/usr/bin/env bash
# POST /api/v1/auth/register with invalid input: every validation rule, several problems
# at once, missing fields, malformed or non-object JSON, oversized bodies.
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

EMAIL='["body","email"]'
USERNAME='["body","username"]'
PASSWORD='["body","password"]'
FULL_NAME='["body","full_name"]'

# reg EMAIL USERNAME PASSWORD: posts a registration (strings only)
reg() {
	TOKEN='' req POST /api/v1/auth/register "$(jq -cn --arg e "$1" --arg u "$2" --arg p "$3" \
		'{email:$e, username:$u, password:$p}')"
}
# regj JSON: posts raw JSON
regj() { TOKEN='' req POST /api/v1/auth/register "$1"; }

nothing_created() { # NAME USERNAME
	local n
	n=$(psql_exec "SELECT count(*) FROM users WHERE username = '$2'")
	if [[ $n == 0 ]]; then ok "$1: no user created"; else fail "$1: no user created" "found ${n:-?} rows"; fi
}

# ---- email syntax
for bad in notanemail 'a@b' '@example.com' 'abc@' 'a b@example.com' 'abc@@example.com' '' 'a@.com'; do
	u=$(unique)
	reg "$bad" "bad_$u" "Passw0rd$u"
	expect_422 "bad: email '$bad'" "$EMAIL" 1
done
nothing_created "bad: email 'notanemail'" "bad_$u"

# ---- email length: 255 characters (otherwise well-formed) is too long
u=$(unique)
local64="l$u"
while ((${#local64} < 64)); do local64+=a; done
a63=$(printf 'a%.0s' {1..63})
b63=$(printf 'b%.0s' {1..63})
c58=$(printf 'c%.0s' {1..58})
email255="$local64@$a63.$b63.$c58.com"
reg "$email255" "e255_$u" "Passw0rd$u"
expect_422 "bad: email of ${#email255} characters" "$EMAIL" 1

# ---- username 3..50
u=$(unique)
reg "short_$u@example.com" ab "Passw0rd$u"
expect_422 "bad: username of 2 characters" "$USERNAME" 1
reg "empty_$u@example.com" "" "Passw0rd$u"
expect_422 "bad: empty username" "$USERNAME" 1
user51="long_$u"
while ((${#user51} < 51)); do user51+=x; done
reg "long_$u@example.com" "$user51" "Passw0rd$u"
expect_422 "bad: username of 51 characters" "$USERNAME" 1
nothing_created "bad: username of 51 characters" "$user51"

# ---- password rules: one entry per failing rule
pwcase() { # PASSWORD ENTRIES DESCRIPTION
	local u
	u=$(unique)
	reg "pw_$u@example.com" "pw_$u" "$1"
	expect_422 "bad: password $3" "$PASSWORD" "$2"
}
pwcase password 2 "'password' (no uppercase, no digit)"
pwcase PASSWORD1 1 "'PASSWORD1' (no lowercase)"
pwcase Password 1 "'Password' (no digit)"
pwcase password1 1 "'password1' (no uppercase)"
pwcase 12345678 2 "'12345678' (no uppercase, no lowercase)"
pwcase ABCDEFGH 2 "'ABCDEFGH' (no lowercase, no digit)"
pwcase Abc1234 1 "'Abc1234' (7 characters)"
pwcase short 3 "'short' (too short, no uppercase, no digit)"
pwcase '' 4 "'' (too short, no digit, no uppercase, no lowercase)"
pw101="Aa1"
while ((${#pw101} < 101)); do pw101+=z; done
pwcase "$pw101" 1 "of 101 characters"

# ---- full_name at most 200
u=$(unique)
full201=$(printf 'f%.0s' {1..201})
regj "$(jq -cn --arg u "$u" --arg f "$full201" '{email:"fn_\($u)@example.com", username:"fn_\($u)", password:"Passw0rd\($u)", full_name:$f}')"
expect_422 "bad: full_name of 201 characters" "$FULL_NAME" 1

# ---- several problems listed at once
u=$(unique)
reg notanemail ab password
expect_422 "bad: email, username and password all invalid" "$EMAIL" 1 "$USERNAME" 1 "$PASSWORD" 2

# ---- missing fields
regj '{}'
expect_422 "bad: empty object" "$EMAIL" 1 "$USERNAME" 1 "$PASSWORD" 1
u=$(unique)
regj "$(jq -cn --arg u "$u" '{email:"m_\($u)@example.com", username:"m_\($u)"}')"
expect_422 "bad: missing password" "$PASSWORD" 1
regj "$(jq -cn --arg u "$u" '{username:"m_\($u)", password:"Passw0rd\($u)"}')"
expect_422 "bad: missing email" "$EMAIL" 1
regj "$(jq -cn --arg u "$u" '{email:"m_\($u)@example.com", password:"Passw0rd\($u)"}')"
expect_422 "bad: missing username" "$USERNAME" 1
nothing_created "bad: missing fields" "m_$u"

# ---- wrong JSON types
u=$(unique)
regj "$(jq -cn --arg u "$u" '{email:123, username:"t_\($u)", password:"Passw0rd\($u)"}')"
expect_422 "bad: email is a number" "$EMAIL" 1
regj "$(jq -cn --arg u "$u" '{email:"t_\($u)@example.com", username:null, password:"Passw0rd\($u)"}')"
expect_422 "bad: username is null" "$USERNAME" 1
regj "$(jq -cn --arg u "$u" '{email:"t_\($u)@example.com", username:["t_\($u)"], password:"Passw0rd\($u)"}')"
expect_422 "bad: username is an array" "$USERNAME" 1
regj "$(jq -cn --arg u "$u" '{email:"t_\($u)@example.com", username:"t_\($u)", password:12345678}')"
expect_422 "bad: password is a number" "$PASSWORD" 1
regj "$(jq -cn --arg u "$u" '{email:"t_\($u)@example.com", username:"t_\($u)", password:"Passw0rd\($u)", full_name:42}')"
expect_422 "bad: full_name is a number" "$FULL_NAME" 1
nothing_created "bad: wrong JSON types" "t_$u"

# ---- malformed JSON: 422 with loc ["body"] and type json_invalid
for bad in '{"email":' '{email: "x"}' "{'email':'x@example.com'}" '{"email":"x@example.com",}' 'not json' '{"a":1}}'; do
	regj "$bad"
	expect_422 "bad: malformed JSON $bad" '["body"]' 1
	expect_json '.detail[0].type' json_invalid "bad: malformed JSON $bad has type json_invalid"
done

# ---- a JSON body that is not an object
for bad in '[]' '["a@example.com","abc","Passw0rd1"]' '"hello"' '42' 'null' 'true'; do
	regj "$bad"
	expect_422 "bad: JSON $bad as the body"
	expect_json '[.detail[].loc[0]] | unique | join(",")' body "bad: JSON $bad as the body: loc starts with body"
done

# ---- no body at all
TOKEN='' req POST /api/v1/auth/register '' -H 'Content-Type: application/json'
expect_422 "bad: no body"

# ---- body size: just under 1 MiB is parsed (and fails validation), over 1 MiB is 413
u=$(unique)
f="$_T/big.json"
{
	printf '{"email":"big_%s@example.com","username":"big_%s","password":"Passw0rd1","full_name":"' "$u" "$u"
	head -c 1000000 /dev/zero | tr '\0' 'a'
	printf '"}'
} >"$f"
TOKEN='' req POST /api/v1/auth/register "@$f"
expect_422 "bad: body of $(stat -c %s "$f") bytes with a long full_name" "$FULL_NAME" 1

{
	printf '{"email":"big_%s@example.com","username":"big_%s","password":"Passw0rd1","full_name":"' "$u" "$u"
	head -c 1100000 /dev/zero | tr '\0' 'a'
	printf '"}'
} >"$f"
TOKEN='' req POST /api/v1/auth/register "@$f"
expect_status 413 "bad: body of $(stat -c %s "$f") bytes (over 1 MiB) is 413"
nothing_created "bad: body over 1 MiB" "big_$u"

TOKEN='' req GET /health
expect_status 200 "the server still answers after oversized bodies"

finish
