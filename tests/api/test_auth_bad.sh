#!/usr/bin/env bash
# Bearer authentication on protected routes: missing or malformed credentials, forged,
# expired and tampered tokens, deleted and inactive users, and the role claim.
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

: "${JWT_SECRET:?JWT_SECRET must be set}"

register_user A
register_admin ADM

not_authenticated() { # NAME
	expect_status 401 "$1 is 401"
	expect_body_json '{"detail":"Not authenticated"}' "$1 says Not authenticated"
	expect_header www-authenticate '^Bearer' "$1 has WWW-Authenticate: Bearer"
}
bad_credentials() { # NAME
	expect_status 401 "$1 is 401"
	expect_body_json '{"detail":"Could not validate credentials"}' "$1 says Could not validate credentials"
	expect_header www-authenticate '^Bearer' "$1 has WWW-Authenticate: Bearer"
}

# ---- missing or malformed Authorization: Not authenticated
for path in /api/v1/users/me /api/v1/tasks/ /api/v1/users/; do
	TOKEN='' req GET "$path"
	not_authenticated "bad: GET $path without Authorization"
done
TOKEN='' req POST /api/v1/tasks/ '{"title":"x"}'
not_authenticated "bad: POST /api/v1/tasks/ without Authorization"
AUTH_HEADER='Authorization: Basic dXNlcjpwYXNz' req GET /api/v1/users/me
not_authenticated "bad: Basic credentials"
AUTH_HEADER='Authorization: Bearer' req GET /api/v1/users/me
not_authenticated "bad: 'Bearer' with nothing after it"
AUTH_HEADER='Authorization: Bearer ' req GET /api/v1/users/me
not_authenticated "bad: 'Bearer ' with only a space after it"
AUTH_HEADER="Authorization: $A_TOKEN" req GET /api/v1/users/me
not_authenticated "bad: a token without the Bearer scheme"

# ---- bad tokens: Could not validate credentials
for garbage in garbage abc.def.ghi 'a.b' '...' "$A_TOKEN.extra"; do
	TOKEN=$garbage req GET /api/v1/users/me
	bad_credentials "bad: garbage token '${garbage:0:20}'"
done

# positive control: a token made here with the right secret and the server's claims works
good=$(make_jwt '{"alg":"HS256","typ":"JWT"}' "$(claims "$A_ID" "$A_NAME" user)" "$JWT_SECRET")
TOKEN=$good req GET /api/v1/users/me
expect_status 200 "a token crafted with the right secret and HS256 is accepted (control)"
expect_json '.id' "$A_ID" "the crafted token is the user's (control)"

tok=$(make_jwt '{"alg":"HS256","typ":"JWT"}' "$(claims "$A_ID" "$A_NAME" user)" "another-secret-0123456789-abcdefghijkl")
TOKEN=$tok req GET /api/v1/users/me
bad_credentials "bad: token signed with another secret"

tok=$(make_jwt '{"alg":"HS256","typ":"JWT"}' "$(claims "$A_ID" "$A_NAME" user -60)" "$JWT_SECRET")
TOKEN=$tok req GET /api/v1/users/me
bad_credentials "bad: expired token (exp 60 s ago, right secret)"

tok=$(make_jwt_none "$(claims "$A_ID" "$A_NAME" user)")
TOKEN=$tok req GET /api/v1/users/me
bad_credentials "bad: alg none token"
tok=$(make_jwt_none "$(claims "$A_ID" "$A_NAME" user)" '{"alg":"None","typ":"JWT"}')
TOKEN=$tok req GET /api/v1/users/me
bad_credentials "bad: alg None token"
# alg none header with the HS256 signature of the right secret appended
none_hdr=$(printf '%s' '{"alg":"none","typ":"JWT"}' | b64url)
pl=$(claims "$A_ID" "$A_NAME" user | b64url)
sig=$(printf '%s' "$none_hdr.$pl" | openssl dgst -sha256 -hmac "$JWT_SECRET" -binary | b64url)
TOKEN="$none_hdr.$pl.$sig" req GET /api/v1/users/me
bad_credentials "bad: alg none header with an HMAC signature"

tok=$(make_jwt '{"alg":"HS512","typ":"JWT"}' "$(claims "$A_ID" "$A_NAME" user)" "$JWT_SECRET")
TOKEN=$tok req GET /api/v1/users/me
bad_credentials "bad: HS512 token signed with the right secret"
tok=$(make_jwt '{"alg":"HS384","typ":"JWT"}' "$(claims "$A_ID" "$A_NAME" user)" "$JWT_SECRET")
TOKEN=$tok req GET /api/v1/users/me
bad_credentials "bad: HS384 token signed with the right secret"

# tampered payload: another user's id (and role admin) with the original signature
register_user B
h=$(cut -d. -f1 <<<"$A_TOKEN")
s=$(cut -d. -f3 <<<"$A_TOKEN")
p=$(jwt_part "$A_TOKEN" 2 | jq -c --argjson id "$B_ID" '.user_id = $id')
TOKEN="$h.$(printf '%s' "$p" | b64url).$s" req GET /api/v1/users/me
bad_credentials "bad: tampered payload (user_id changed)"
p=$(jwt_part "$A_TOKEN" 2 | jq -c '.role = "admin"')
TOKEN="$h.$(printf '%s' "$p" | b64url).$s" req GET /api/v1/users/me
bad_credentials "bad: tampered payload (role changed)"
p=$(jwt_part "$A_TOKEN" 2 | jq -c '.exp += 3600')
TOKEN="$h.$(printf '%s' "$p" | b64url).$s" req GET /api/v1/users/me
bad_credentials "bad: tampered payload (exp extended)"
# tampered signature (a character in the middle, so that real bits change)
if [[ ${s:10:1} == A ]]; then repl=B; else repl=A; fi
TOKEN="$h.$(cut -d. -f2 <<<"$A_TOKEN").${s:0:10}${repl}${s:11}" req GET /api/v1/users/me
bad_credentials "bad: tampered signature"

# right secret, but the user does not exist / the token has no user_id
tok=$(make_jwt '{"alg":"HS256","typ":"JWT"}' "$(claims 2147480000 "ghost_$(unique)" user)" "$JWT_SECRET")
TOKEN=$tok req GET /api/v1/users/me
bad_credentials "bad: token for a user id that does not exist"
tok=$(make_jwt '{"alg":"HS256","typ":"JWT"}' "$(claims "$A_ID" "$A_NAME" user | jq -c 'del(.user_id)')" "$JWT_SECRET")
TOKEN=$tok req GET /api/v1/users/me
bad_credentials "bad: token without a user_id claim"
tok=$(make_jwt '{"alg":"HS256","typ":"JWT"}' "$(claims "$A_ID" "$A_NAME" user | jq -c '.user_id = "abc"')" "$JWT_SECRET")
TOKEN=$tok req GET /api/v1/users/me
bad_credentials "bad: token with a non-integer user_id"

# ---- a deleted user's token
register_user D
TOKEN=$ADM_TOKEN req DELETE "/api/v1/users/$D_ID"
expect_status 204 "setup: admin deletes user D"
TOKEN=$D_TOKEN req GET /api/v1/users/me
bad_credentials "bad: token of a deleted user"
TOKEN=$D_TOKEN req GET /api/v1/tasks/
bad_credentials "bad: token of a deleted user on /tasks/"

# ---- an inactive user's token: 403
register_user IN
if psql_exec "UPDATE users SET is_active = false WHERE id = $IN_ID"; then
	TOKEN=$IN_TOKEN req GET /api/v1/users/me
	expect_status 403 "bad: inactive user's token is 403"
	expect_body_json '{"detail":"Inactive user"}' "bad: inactive user's token says Inactive user"
	TOKEN=$IN_TOKEN req POST /api/v1/tasks/ '{"title":"should not exist"}'
	expect_status 403 "bad: inactive user cannot create tasks"
	expect_body_json '{"detail":"Inactive user"}' "bad: inactive user creating a task says Inactive user"
	n=$(psql_exec "SELECT count(*) FROM tasks WHERE owner_id = $IN_ID")
	if [[ $n == 0 ]]; then ok "bad: inactive user's task was not stored"; else
		fail "bad: inactive user's task was not stored" "found ${n:-?} tasks"
	fi
	TOKEN=$IN_TOKEN req GET /api/v1/tasks/
	expect_status 403 "bad: inactive user cannot list tasks"
else
	fail "setup: deactivate a user with psql" "psql failed"
fi

# ---- a token stays valid after its user changes username
register_user R
newname="renamed_$(unique)"
TOKEN=$R_TOKEN req PUT /api/v1/users/me "$(jq -cn --arg u "$newname" '{username:$u}')"
expect_status 200 "setup: user renames themself"
TOKEN=$R_TOKEN req GET /api/v1/users/me
expect_status 200 "a token stays valid after a username change"
expect_json '.username' "$newname" "the old token now shows the new username"
TOKEN=$R_TOKEN req POST /api/v1/tasks/ '{"title":"after rename"}'
expect_status 201 "the old token can still create tasks after a username change"
expect_json '.owner_id' "$R_ID" "the task is owned by the renamed user"

# ---- the role claim does not grant admin
forged=$(make_jwt '{"alg":"HS256","typ":"JWT"}' "$(claims "$A_ID" "$A_NAME" admin)" "$JWT_SECRET")
TOKEN=$forged req GET /api/v1/users/me
expect_status 200 "a role-admin token for a normal user authenticates"
expect_json '.role' user "the user is still a user in the database"
admin_denied() { # NAME
	expect_status 403 "$1 is 403"
	expect_body_json '{"detail":"Not enough permissions. Admin access required."}' "$1 says Not enough permissions"
}
TOKEN=$forged req GET /api/v1/users/
admin_denied "bad: role claim admin, GET /users/"
TOKEN=$forged req GET "/api/v1/users/$B_ID"
admin_denied "bad: role claim admin, GET /users/{id}"
TOKEN=$forged req DELETE "/api/v1/users/$B_ID"
admin_denied "bad: role claim admin, DELETE /users/{id}"
TOKEN=$ADM_TOKEN req GET "/api/v1/users/$B_ID"
expect_status 200 "the user the forged token tried to delete still exists"
create_task "$B_TOKEN" '{"title":"B private"}'
b_task=${TASK_ID:-0}
TOKEN=$forged req GET "/api/v1/tasks/$b_task"
expect_status 404 "bad: role claim admin does not show another user's task"
TOKEN=$forged req GET '/api/v1/tasks/?limit=100'
expect_json "[.tasks[].owner_id] | all(. == $A_ID)" true "bad: role claim admin lists only the user's own tasks"

# the database role decides both ways: a demoted admin's token loses admin, a promoted user's gains it
register_admin DEM
register_user PRO
if psql_exec "UPDATE users SET role = 'user' WHERE id = $DEM_ID" &&
	psql_exec "UPDATE users SET role = 'admin' WHERE id = $PRO_ID"; then
	TOKEN=$DEM_TOKEN req GET /api/v1/users/
	admin_denied "bad: a demoted admin's old token on GET /users/"
	TOKEN=$PRO_TOKEN req GET '/api/v1/users/?limit=1'
	expect_status 200 "a promoted user's old token (role user) may list users"
else
	fail "setup: change roles with psql" "psql failed"
fi

finish
