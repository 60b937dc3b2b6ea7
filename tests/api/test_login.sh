#!/usr/bin/env bash
# POST /api/v1/auth/login: the token and its claims, wrong credentials, inactive users,
# and $2b$ hashes made by another bcrypt implementation.
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

register_user A

# ---- success
t0=$(now)
login "$A_NAME" "$A_PASSWORD"
t1=$(now)
expect_status 200 "login returns 200"
expect_header content-type '^application/json; charset=utf-8$' "login answers JSON utf-8"
expect_json '.token_type' bearer "login: token_type is bearer"
expect_json '.access_token | type' string "login: access_token is a string"
expect_json '.access_token | split(".") | length' 3 "login: access_token has three parts"
tok=$LOGIN_TOKEN

header=$(jwt_part "$tok" 1)
payload=$(jwt_part "$tok" 2)
claim_check() { # NAME JQ-PREDICATE
	if jq -e "$2" >/dev/null 2>&1 <<<"$payload"; then ok "$1"; else fail "$1" "payload: $payload"; fi
}
if jq -e '.alg == "HS256"' >/dev/null 2>&1 <<<"$header"; then ok "token header alg is HS256"; else
	fail "token header alg is HS256" "header: $header"
fi
claim_check "token sub is the username" ".sub == $(json_str "$A_NAME")"
claim_check "token user_id is the user's id" ".user_id == $A_ID"
claim_check "token role is user" '.role == "user"'
claim_check "token exp and iat are integers" '(.exp | type == "number") and (.iat | type == "number") and (.exp == (.exp | floor))'
claim_check "token exp - iat is 1800 (30 minutes)" '.exp - .iat == 1800'
claim_check "token iat is now" ".iat >= $((t0 - 5)) and .iat <= $((t1 + 5))"
claim_check "token has a non-empty jti" '(.jti | type == "string") and (.jti | length > 0)'

login "$A_NAME" "$A_PASSWORD"
tok2=$LOGIN_TOKEN
jti1=$(jq -r .jti <<<"$payload")
jti2=$(jwt_part "$tok2" 2 | jq -r .jti)
if [[ -n $jti1 && $jti1 != "$jti2" ]]; then ok "each login gets a fresh jti"; else
	fail "each login gets a fresh jti" "jti $jti1 and $jti2"
fi

TOKEN=$tok req GET /api/v1/users/me
expect_status 200 "the login token works"
expect_json '.username' "$A_NAME" "the login token is the user's"

# ---- wrong credentials: same 401 for both cases
login "$A_NAME" "Wrong${A_PASSWORD}"
expect_status 401 "bad: wrong password is 401"
expect_body_json '{"detail":"Incorrect username or password"}' "bad: wrong password says Incorrect username or password"
login "$A_NAME" "$(printf '%s' "$A_PASSWORD" | tr '[:lower:]' '[:upper:]')"
expect_status 401 "bad: password in another case is 401"
login "nosuch_$(unique)" "$A_PASSWORD"
expect_status 401 "bad: unknown user is 401"
expect_body_json '{"detail":"Incorrect username or password"}' "bad: unknown user says Incorrect username or password"
login "$A_NAME" ""
if [[ $STATUS == 401 || $STATUS == 422 ]]; then ok "bad: empty password is 401 or 422"; else
	fail "bad: empty password is 401 or 422" "$(_last)"
fi

# ---- login input validation
TOKEN='' req POST /api/v1/auth/login '{}'
expect_422 "bad: login with {}" '["body","username"]' 1 '["body","password"]' 1
TOKEN='' req POST /api/v1/auth/login "$(jq -cn --arg u "$A_NAME" '{username:$u}')"
expect_422 "bad: login without password" '["body","password"]' 1
TOKEN='' req POST /api/v1/auth/login '{"username":'
expect_422 "bad: login with malformed JSON" '["body"]' 1
expect_json '.detail[0].type' json_invalid "bad: login with malformed JSON has type json_invalid"

# ---- inactive user: 403
register_user IN
if psql_exec "UPDATE users SET is_active = false WHERE id = $IN_ID"; then
	login "$IN_NAME" "$IN_PASSWORD"
	expect_status 403 "bad: inactive user login is 403"
	expect_body_json '{"detail":"Inactive user"}' "bad: inactive user login says Inactive user"
	login "$IN_NAME" "Wrong$IN_PASSWORD"
	expect_status 401 "bad: inactive user with a wrong password is still 401"
	psql_exec "UPDATE users SET is_active = true WHERE id = $IN_ID" >/dev/null
	login "$IN_NAME" "$IN_PASSWORD"
	expect_status 200 "a reactivated user can log in again"
else
	fail "setup: deactivate a user with psql" "psql failed"
fi

# ---- a $2b$ hash made by bcryptjs 3.0.3 for "Secret123" verifies
u=$(unique)
ext="ext_$u"
if psql_exec "INSERT INTO users (email, username, hashed_password, role, is_active, created_at, updated_at)
	VALUES ('$ext@example.com', '$ext', '\$2b\$12\$eBhXpnJYmC39/VOJ/uIGc.1pFDt4f0tvliZq1FKWkcHkrjzxIm.C2', 'user', true, now(), now())" >/dev/null; then
	login "$ext" Secret123
	expect_status 200 "a bcryptjs \$2b\$ hash verifies with the right password"
	TOKEN=$LOGIN_TOKEN req GET /api/v1/users/me
	expect_json '.username' "$ext" "the bcryptjs user's token works"
	login "$ext" Secret124
	expect_status 401 "bad: a bcryptjs \$2b\$ hash rejects a wrong password"
	expect_body_json '{"detail":"Incorrect username or password"}' "bad: bcryptjs user with a wrong password says Incorrect username or password"
else
	fail "setup: insert a user with a bcryptjs hash" "psql failed"
fi

finish
