#!/usr/bin/env bash
# GET and PUT /api/v1/users/me: partial updates, password change, uniqueness, validation.
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

register_user A
register_user B

me() { TOKEN=$A_TOKEN req GET /api/v1/users/me; }
put_me() { TOKEN=$A_TOKEN req PUT /api/v1/users/me "$1"; }

# ---- GET /users/me
me
expect_status 200 "GET /users/me is 200"
expect_header content-type '^application/json; charset=utf-8$' "GET /users/me answers JSON utf-8"
expect_json '.id' "$A_ID" "me: id"
expect_json '.username' "$A_NAME" "me: username"
expect_json '.email' "$A_EMAIL" "me: email"
expect_json '.full_name | startswith("Test User")' true "me: full_name"
expect_json '.role' user "me: role user"
expect_json '.is_active' true "me: is_active"
expect_json_match '.created_at' "$TS_RE" "me: created_at RFC 3339 UTC"
expect_json_match '.updated_at' "$TS_RE" "me: updated_at RFC 3339 UTC"
expect_no_password_fields "me: no password field"
orig=$BODY

# ---- PUT partial: full_name only
put_me '{"full_name":"Grace Hopper"}'
expect_status 200 "PUT /users/me full_name is 200"
expect_json '.full_name' "Grace Hopper" "PUT full_name: changed"
expect_json '.username' "$A_NAME" "PUT full_name: username unchanged"
expect_json '.email' "$A_EMAIL" "PUT full_name: email unchanged"
expect_json '.id' "$A_ID" "PUT full_name: same id"
expect_json '.created_at' "$(jq -r .created_at <<<"$orig")" "PUT full_name: created_at unchanged"
expect_no_password_fields "PUT full_name: no password field"
me
expect_json '.full_name' "Grace Hopper" "GET after PUT shows the new full_name"

# ---- empty update changes nothing
put_me '{}'
expect_status 200 "PUT /users/me {} is 200"
expect_json '.username' "$A_NAME" "PUT {}: username unchanged"
expect_json '.full_name' "Grace Hopper" "PUT {}: full_name unchanged"

# ---- unknown fields ignored, role and is_active cannot be set
put_me '{"role":"admin","is_active":false,"id":1,"hashed_password":"x"}'
expect_status 200 "PUT with role/is_active/id fields is 200 (ignored)"
expect_json '.role' user "bad: PUT role admin is ignored"
expect_json '.is_active' true "bad: PUT is_active false is ignored"
expect_json '.id' "$A_ID" "bad: PUT id is ignored"
TOKEN=$A_TOKEN req GET /api/v1/users/
expect_status 403 "bad: still no admin access after PUT role admin"

# ---- email and username
u=$(unique)
new_email="new_$u@example.com"
put_me "$(jq -cn --arg e "$new_email" '{email:$e}')"
expect_status 200 "PUT email is 200"
expect_json '.email' "$new_email" "PUT email: changed"
expect_json '.username' "$A_NAME" "PUT email: username unchanged"
A_EMAIL=$new_email

new_name="new_$u"
put_me "$(jq -cn --arg n "$new_name" '{username:$n}')"
expect_status 200 "PUT username is 200"
expect_json '.username' "$new_name" "PUT username: changed"
expect_json '.email' "$A_EMAIL" "PUT username: email unchanged"
login "$new_name" "$A_PASSWORD"
expect_status 200 "login with the new username works"
login "$A_NAME" "$A_PASSWORD"
expect_status 401 "bad: login with the old username fails"
A_NAME=$new_name

# ---- password change
new_pw="NewPassw0rd$u"
put_me "$(jq -cn --arg p "$new_pw" '{password:$p}')"
expect_status 200 "PUT password is 200"
expect_no_password_fields "PUT password: no password field in the answer"
expect_json '.username' "$A_NAME" "PUT password: username unchanged"
login "$A_NAME" "$new_pw"
expect_status 200 "login with the new password works"
login "$A_NAME" "$A_PASSWORD"
expect_status 401 "bad: login with the old password fails"
expect_body_json '{"detail":"Incorrect username or password"}' "bad: old password says Incorrect username or password"
if h=$(psql_exec "SELECT hashed_password FROM users WHERE id = $A_ID"); then
	if [[ $h == '$2b$'* ]]; then ok "the new password is stored as a \$2b\$ hash"; else
		fail "the new password is stored as a \$2b\$ hash" "hashed_password starts '${h:0:7}'"
	fi
fi
A_PASSWORD=$new_pw

# several fields at once
u=$(unique)
put_me "$(jq -cn --arg u "$u" '{full_name:"Multi \($u)", email:"multi_\($u)@example.com"}')"
expect_status 200 "PUT several fields is 200"
expect_json '.full_name' "Multi $u" "PUT several fields: full_name"
expect_json '.email' "multi_$u@example.com" "PUT several fields: email"
A_EMAIL="multi_$u@example.com"

# ---- taken by another user: 400
put_me "$(jq -cn --arg e "$B_EMAIL" '{email:$e}')"
expect_status 400 "bad: PUT another user's email is 400"
expect_body_json '{"detail":"Email already registered"}' "bad: PUT another user's email says Email already registered"
put_me "$(jq -cn --arg e "$(printf '%s' "$B_EMAIL" | tr '[:lower:]' '[:upper:]')" '{email:$e}')"
expect_status 400 "bad: PUT another user's email in upper case is 400"
expect_body_json '{"detail":"Email already registered"}' "bad: PUT another user's email in upper case says Email already registered"
put_me "$(jq -cn --arg n "$B_NAME" '{username:$n}')"
expect_status 400 "bad: PUT another user's username is 400"
expect_body_json '{"detail":"Username already taken"}' "bad: PUT another user's username says Username already taken"
put_me "$(jq -cn --arg n "$B_NAME" --arg e "$B_EMAIL" '{username:$n, email:$e}')"
expect_status 400 "bad: PUT another user's email and username is 400"
expect_body_json '{"detail":"Email already registered"}' "bad: PUT both taken reports the email first"
me
expect_json '.email' "$A_EMAIL" "after rejected PUTs the email is unchanged"
expect_json '.username' "$A_NAME" "after rejected PUTs the username is unchanged"
TOKEN=$B_TOKEN req GET /api/v1/users/me
expect_json '.username' "$B_NAME" "after rejected PUTs the other user is unchanged"

# ---- sending your own values unchanged is fine
put_me "$(jq -cn --arg n "$A_NAME" --arg e "$A_EMAIL" '{username:$n, email:$e}')"
expect_status 200 "PUT own username and email unchanged is 200"
expect_json '.username' "$A_NAME" "PUT own values: username"
expect_json '.email' "$A_EMAIL" "PUT own values: email"
put_me "$(jq -cn --arg e "$(printf '%s' "$A_EMAIL" | tr '[:lower:]' '[:upper:]')" '{email:$e}')"
expect_status 200 "PUT own email in upper case is 200"

# ---- validation on PUT: 422, nothing changes
me
before=$BODY
put_me '{"email":"notanemail"}'
expect_422 "bad: PUT invalid email" '["body","email"]' 1
put_me '{"username":"ab"}'
expect_422 "bad: PUT username of 2 characters" '["body","username"]' 1
put_me "$(jq -cn '{username: ("x" * 51)}')"
expect_422 "bad: PUT username of 51 characters" '["body","username"]' 1
put_me '{"password":"password"}'
expect_422 "bad: PUT password 'password' (no uppercase, no digit)" '["body","password"]' 2
put_me '{"password":"Short1"}'
expect_422 "bad: PUT password 'Short1' (too short)" '["body","password"]' 1
put_me '{"password":"NODIGITSHERE"}'
expect_422 "bad: PUT password 'NODIGITSHERE' (no lowercase, no digit)" '["body","password"]' 2
put_me "$(jq -cn '{full_name: ("f" * 201)}')"
expect_422 "bad: PUT full_name of 201 characters" '["body","full_name"]' 1
put_me '{"email":"bad","username":"ab","password":"password"}'
expect_422 "bad: PUT several invalid fields" '["body","email"]' 1 '["body","username"]' 1 '["body","password"]' 2
put_me '{"email":123}'
expect_422 "bad: PUT email as a number" '["body","email"]' 1
put_me '{"full_name":'
expect_422 "bad: PUT malformed JSON" '["body"]' 1
expect_json '.detail[0].type' json_invalid "bad: PUT malformed JSON has type json_invalid"
put_me '[]'
expect_422 "bad: PUT a JSON array"
me
if jq -e --argjson b "$before" '. == $b' >/dev/null <<<"$BODY"; then ok "rejected PUTs changed nothing"; else
	fail "rejected PUTs changed nothing" "before: $(_oneline "$before"); $(_last)"
fi
login "$A_NAME" "$A_PASSWORD"
expect_status 200 "the password still works after rejected PUTs"

# ---- auth is required
TOKEN='' req PUT /api/v1/users/me '{"full_name":"x"}'
expect_status 401 "bad: PUT /users/me without a token is 401"

finish
