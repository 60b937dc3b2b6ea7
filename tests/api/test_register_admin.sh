#!/usr/bin/env bash
# POST /api/v1/auth/register-admin (enabled in the test stack): 201 with role admin.
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

u=$(unique)
name="adm_$u"
adm_email="adm_$u@example.com"
pw="Adm1nPass$u"
TOKEN='' req POST /api/v1/auth/register-admin "$(jq -cn --arg u "$u" --arg n "$name" --arg p "$pw" \
	'{email:"adm_\($u)@example.com", username:$n, password:$p, full_name:"Admin \($u)"}')"
expect_status 201 "register-admin returns 201"
expect_json '.role' admin "register-admin: role is admin"
expect_json '.username' "$name" "register-admin: username echoed"
expect_json '.email' "adm_$u@example.com" "register-admin: email echoed"
expect_json '.is_active' true "register-admin: is_active is true"
expect_json '.id | type' number "register-admin: id is an integer"
expect_json_match '.created_at' "$TS_RE" "register-admin: created_at is RFC 3339 UTC"
expect_no_password_fields "register-admin: no password field"
adm_id=$(jq -r .id <<<"$BODY")
expect_location "/api/v1/users/$adm_id" "register-admin: Location names the new admin"

login "$name" "$pw"
expect_status 200 "the new admin can log in"
ADM_TOKEN=$LOGIN_TOKEN
payload=$(jwt_part "$ADM_TOKEN" 2)
if [[ $(jq -r .role <<<"$payload" 2>/dev/null) == admin ]]; then ok "the admin's token carries role admin"; else
	fail "the admin's token carries role admin" "payload: $payload"
fi

TOKEN=$ADM_TOKEN req GET /api/v1/users/me
expect_status 200 "admin GET /users/me is 200"
expect_json '.role' admin "admin /users/me shows role admin"
TOKEN=$ADM_TOKEN follow_location
expect_status 200 "the new admin may use admin routes (GET on its Location)"
expect_json '.id' "$adm_id" "GET on register-admin's Location is the new admin"

# the same validation and uniqueness rules as register
u=$(unique)
TOKEN='' req POST /api/v1/auth/register-admin "$(jq -cn --arg u "$u" '{email:"x_\($u)@example.com", username:"x_\($u)", password:"password"}')"
expect_422 "bad: register-admin with a weak password" '["body","password"]' 2
TOKEN='' req POST /api/v1/auth/register-admin "$(jq -cn --arg u "$u" '{email:"notanemail", username:"ab", password:"Passw0rd1"}')"
expect_422 "bad: register-admin with bad email and username" '["body","email"]' 1 '["body","username"]' 1
TOKEN='' req POST /api/v1/auth/register-admin '{"email":'
expect_422 "bad: register-admin with malformed JSON" '["body"]' 1
TOKEN='' req POST /api/v1/auth/register-admin "$(jq -cn --arg n "$name" --arg u "$u" '{email:"y_\($u)@example.com", username:$n, password:"Passw0rd1"}')"
expect_status 400 "bad: register-admin with a taken username is 400"
expect_body_json '{"detail":"Username already taken"}' "bad: register-admin with a taken username says so"
upper=$(printf '%s' "$adm_email" | tr '[:lower:]' '[:upper:]')
TOKEN='' req POST /api/v1/auth/register-admin "$(jq -cn --arg e "$upper" --arg u "$u" '{email:$e, username:"z_\($u)", password:"Passw0rd1"}')"
expect_status 400 "bad: register-admin with a taken email (other case) is 400"
expect_body_json '{"detail":"Email already registered"}' "bad: register-admin with a taken email says so"

# a plain register still gives role user
register_user U
TOKEN=$U_TOKEN req GET /api/v1/users/me
expect_json '.role' user "plain register still gives role user"

finish
