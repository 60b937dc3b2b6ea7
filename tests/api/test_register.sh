#!/usr/bin/env bash
# POST /api/v1/auth/register: success, the User object, duplicates, concurrent registrations.
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

user_body() { # EMAIL USERNAME PASSWORD [FULL_NAME]
	if (($# >= 4)); then
		jq -cn --arg e "$1" --arg u "$2" --arg p "$3" --arg f "$4" '{email:$e, username:$u, password:$p, full_name:$f}'
	else
		jq -cn --arg e "$1" --arg u "$2" --arg p "$3" '{email:$e, username:$u, password:$p}'
	fi
}

# ---- a full registration
u=$(unique)
name="reg_$u"
email="reg_$u@example.com"
pw="Passw0rd$u"
TOKEN='' req POST /api/v1/auth/register "$(user_body "$email" "$name" "$pw" "Ada Lovelace")"
expect_status 201 "register returns 201"
expect_header content-type '^application/json; charset=utf-8$' "register answers JSON utf-8"
expect_json '.id | type' number "register: id is an integer"
expect_json '.email' "$email" "register: email echoed"
expect_json '.username' "$name" "register: username echoed"
expect_json '.full_name' "Ada Lovelace" "register: full_name echoed"
expect_json '.role' user "register: role is user"
expect_json '.is_active' true "register: is_active is true"
expect_json_match '.created_at' "$TS_RE" "register: created_at is RFC 3339 UTC"
expect_json_match '.updated_at' "$TS_RE" "register: updated_at is RFC 3339 UTC"
expect_json '[has("id","email","username","full_name","role","is_active","created_at","updated_at")] | all' true \
	"register: User has every field"
expect_no_password_fields "register: no password field in the User"
id=$(jq -r '.id' <<<"$BODY")
registered=$BODY
expect_location "/api/v1/users/$id" "register: Location names the new user"
register_admin RADM
TOKEN=$RADM_TOKEN follow_location
expect_status 200 "an admin's GET on register's Location is 200"
expect_body_json "$registered" "an admin's GET on register's Location is the new user"

login "$name" "$pw"
expect_status 200 "the new user can log in"
TOKEN=$LOGIN_TOKEN req GET /api/v1/users/me
expect_status 200 "the new user's token works on /users/me"
expect_json '.id' "$id" "/users/me is the new user"

# ---- password stored as bcrypt $2b$
if hash=$(psql_exec "SELECT hashed_password FROM users WHERE id = $id"); then
	if [[ $hash == '$2b$'* && $hash != *"$pw"* ]]; then ok "password stored as a \$2b\$ bcrypt hash"; else
		fail "password stored as a \$2b\$ bcrypt hash" "hashed_password is '${hash:0:10}...'"
	fi
else
	fail "password stored as a \$2b\$ bcrypt hash" "psql failed"
fi

# ---- full_name is optional
u=$(unique)
TOKEN='' req POST /api/v1/auth/register "$(user_body "nofull_$u@example.com" "nofull_$u" "Passw0rd$u")"
expect_status 201 "register without full_name is 201"
expect_json '.full_name' null "register without full_name: full_name is null"

u=$(unique)
TOKEN='' req POST /api/v1/auth/register "$(jq -cn --arg u "$u" '{email:"nullfull_\($u)@example.com", username:"nullfull_\($u)", password:"Passw0rd\($u)", full_name:null}')"
expect_status 201 "register with full_name null is 201"
expect_json '.full_name' null "register with full_name null: full_name is null"

u=$(unique)
full200=$(printf 'f%.0s' {1..200})
TOKEN='' req POST /api/v1/auth/register "$(user_body "full200_$u@example.com" "full200_$u" "Passw0rd$u" "$full200")"
expect_status 201 "register with a 200-character full_name is 201"
expect_json '.full_name | length' 200 "register: 200-character full_name kept whole"

# ---- unknown fields are ignored, including attempts to choose role or is_active
u=$(unique)
TOKEN='' req POST /api/v1/auth/register "$(jq -cn --arg u "$u" \
	'{email:"extra_\($u)@example.com", username:"extra_\($u)", password:"Passw0rd\($u)", role:"admin", is_active:false, id:1, hashed_password:"x", favourite:"tea"}')"
expect_status 201 "register ignores unknown fields"
expect_json '.role' user "bad: role in the register body is ignored"
expect_json '.is_active' true "bad: is_active in the register body is ignored"
expect_json '.id == 1' false "bad: id in the register body is ignored"

# ---- boundaries that must be accepted
u=$(unique)
user50="b50_$u"
while ((${#user50} < 50)); do user50+=x; done
TOKEN='' req POST /api/v1/auth/register "$(user_body "b50_$u@example.com" "$user50" "Passw0rd$u")"
expect_status 201 "register with a 50-character username is 201"
expect_json '.username' "$user50" "register: 50-character username kept whole"

u=$(unique)
pw100="Aa1$u"
while ((${#pw100} < 100)); do pw100+=z; done
TOKEN='' req POST /api/v1/auth/register "$(user_body "pw100_$u@example.com" "pw100_$u" "$pw100")"
expect_status 201 "register with a 100-character password is 201"
login "pw100_$u" "$pw100"
expect_status 200 "login with the 100-character password is 200"

u=$(unique)
TOKEN='' req POST /api/v1/auth/register "$(user_body "pw8_$u@example.com" "pw8_$u" "Abcdef12")"
expect_status 201 "register with an 8-character password is 201"

# a 3-character username passes validation (it may already be taken in a shared database)
short=$(head -c 64 /dev/urandom | LC_ALL=C tr -dc 'a-z0-9' | head -c 3)
u=$(unique)
TOKEN='' req POST /api/v1/auth/register "$(user_body "u3_$u@example.com" "$short" "Passw0rd$u")"
if [[ $STATUS == 201 ]] || [[ $STATUS == 400 && $(jq -r .detail <<<"$BODY") == "Username already taken" ]]; then
	ok "a 3-character username passes validation"
else
	fail "a 3-character username passes validation" "expected 201 (or 400 taken); $(_last)"
fi

# an address of exactly 254 characters is accepted (64-character local part, labels <= 63)
u=$(unique)
local64="l$u"
while ((${#local64} < 64)); do local64+=a; done
a63=$(printf 'a%.0s' {1..63})
b63=$(printf 'b%.0s' {1..63})
c57=$(printf 'c%.0s' {1..57})
email254="$local64@$a63.$b63.$c57.com"
TOKEN='' req POST /api/v1/auth/register "$(user_body "$email254" "e254_$u" "Passw0rd$u")"
expect_status 201 "register with a 254-character email is 201 (len ${#email254})"

# ---- duplicates
register_user A
u=$(unique)
upper_email=$(printf '%s' "$A_EMAIL" | tr '[:lower:]' '[:upper:]')
TOKEN='' req POST /api/v1/auth/register "$(user_body "$A_EMAIL" "other_$u" "Passw0rd$u")"
expect_status 400 "bad: duplicate email is 400"
expect_body_json '{"detail":"Email already registered"}' "bad: duplicate email says Email already registered"

TOKEN='' req POST /api/v1/auth/register "$(user_body "$upper_email" "other_$u" "Passw0rd$u")"
expect_status 400 "bad: duplicate email in another case is 400"
expect_body_json '{"detail":"Email already registered"}' "bad: duplicate email in another case says Email already registered"

TOKEN='' req POST /api/v1/auth/register "$(user_body "other_$u@example.com" "$A_NAME" "Passw0rd$u")"
expect_status 400 "bad: duplicate username is 400"
expect_body_json '{"detail":"Username already taken"}' "bad: duplicate username says Username already taken"

TOKEN='' req POST /api/v1/auth/register "$(user_body "$A_EMAIL" "$A_NAME" "Passw0rd$u")"
expect_status 400 "bad: email and username both taken is 400"
expect_body_json '{"detail":"Email already registered"}' "bad: both taken reports the email first"

# mixed-case registration, then the lowercase address is taken
u=$(unique)
TOKEN='' req POST /api/v1/auth/register "$(user_body "Mixed_$u@Example.COM" "mixed_$u" "Passw0rd$u")"
expect_status 201 "register with a mixed-case email is 201"
expect_json '.email | ascii_downcase' "mixed_$u@example.com" "mixed-case email is the same address"
TOKEN='' req POST /api/v1/auth/register "$(user_body "mixed_$u@example.com" "mixed2_$u" "Passw0rd$u")"
expect_status 400 "bad: lowercase form of a mixed-case email is taken"
expect_body_json '{"detail":"Email already registered"}' "bad: lowercase form of a mixed-case email says Email already registered"

# failed registrations created nothing
if n=$(psql_exec "SELECT count(*) FROM users WHERE username = 'other_$u' OR lower(email) = lower('other_$u@example.com')"); then
	if [[ $n == 0 ]]; then ok "rejected duplicates left no rows"; else fail "rejected duplicates left no rows" "found $n rows"; fi
else
	fail "rejected duplicates left no rows" "psql failed"
fi

# ---- concurrent registrations of the same username: one 201, one 400, no 500
for round in 1 2 3; do
	u=$(unique)
	req_bg "u${round}a" POST /api/v1/auth/register "$(user_body "ca_$u@example.com" "race_$u" "Passw0rd$u")"
	req_bg "u${round}b" POST /api/v1/auth/register "$(user_body "cb_$u@example.com" "race_$u" "Passw0rd$u")"
	wait
	s1=$(bg_status "u${round}a")
	s2=$(bg_status "u${round}b")
	pair=$(printf '%s\n%s\n' "$s1" "$s2" | sort | tr '\n' ' ')
	if [[ $pair == "201 400 " ]]; then
		ok "concurrent same-username registrations (round $round): one 201, one 400"
		if [[ $s1 == 400 ]]; then b=$(bg_body "u${round}a"); else b=$(bg_body "u${round}b"); fi
		if [[ $(jq -r .detail <<<"$b" 2>/dev/null) == "Username already taken" ]]; then
			ok "concurrent same-username registrations (round $round): the 400 says Username already taken"
		else
			fail "concurrent same-username registrations (round $round): the 400 says Username already taken" "body: $b"
		fi
	else
		fail "concurrent same-username registrations (round $round): one 201, one 400" \
			"statuses $s1 and $s2; bodies: $(bg_body "u${round}a") | $(bg_body "u${round}b")"
	fi
	n=$(psql_exec "SELECT count(*) FROM users WHERE username = 'race_$u'")
	if [[ $n == 1 ]]; then ok "concurrent same-username registrations (round $round): one row"; else
		fail "concurrent same-username registrations (round $round): one row" "found ${n:-?} rows"
	fi
done

# same email (in two cases) at the same time
u=$(unique)
req_bg ea POST /api/v1/auth/register "$(user_body "race_$u@example.com" "rea_$u" "Passw0rd$u")"
req_bg eb POST /api/v1/auth/register "$(user_body "RACE_$u@example.com" "reb_$u" "Passw0rd$u")"
wait
pair=$(printf '%s\n%s\n' "$(bg_status ea)" "$(bg_status eb)" | sort | tr '\n' ' ')
if [[ $pair == "201 400 " ]]; then
	ok "concurrent same-email registrations: one 201, one 400"
else
	fail "concurrent same-email registrations: one 201, one 400" \
		"statuses $pair; bodies: $(bg_body ea) | $(bg_body eb)"
fi

# five at once
u=$(unique)
for i in 1 2 3 4 5; do
	req_bg "five$i" POST /api/v1/auth/register "$(user_body "f${i}_$u@example.com" "five_$u" "Passw0rd$u")"
done
wait
got=$(for i in 1 2 3 4 5; do echo "$(bg_status "five$i")"; done | sort | tr '\n' ' ')
if [[ $got == "201 400 400 400 400 " ]]; then
	ok "five concurrent same-username registrations: one 201, four 400"
else
	fail "five concurrent same-username registrations: one 201, four 400" "statuses: $got"
fi

finish
