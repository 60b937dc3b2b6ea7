#!/usr/bin/env bash
# Ending sessions: logout (this session: its refresh family and the access token's jti),
# logout-all (every session of the user), and password changes (PUT /users/me with a
# password, POST /users/me/password) ending every other session.
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

: "${JWT_SECRET:?JWT_SECRET must be set}"

refresh() { # TOKEN
	TOKEN='' req POST /api/v1/auth/refresh "$(jq -cn --arg t "$1" '{refresh_token:$t}')"
}
# session NAME USER PASSWORD: logs in; sets NAME_AT (access) and NAME_RT (refresh).
session() {
	login "$2" "$3"
	printf -v "${1}_AT" '%s' "$LOGIN_TOKEN"
	printf -v "${1}_RT" '%s' "$(jq -r '.refresh_token // empty' <<<"$BODY")"
}
me_status() { # TOKEN: the status of GET /users/me with it
	TOKEN=$1 req GET /api/v1/users/me
	printf '%s' "$STATUS"
}

register_user A

# ---- logout ends this session only
session S1 "$A_NAME" "$A_PASSWORD"
session S2 "$A_NAME" "$A_PASSWORD"
TOKEN=$S1_AT req POST /api/v1/auth/logout
expect_status 204 "logout is 204"
check "after logout the session's access token is refused" test "$(me_status "$S1_AT")" = 401
expect_body_json '{"detail":"Could not validate credentials"}' "a logged-out token says Could not validate credentials"
refresh "$S1_RT"
expect_status 401 "after logout the session's refresh token is refused"
check "another session of the user still works after logout" test "$(me_status "$S2_AT")" = 200
refresh "$S2_RT"
expect_status 200 "another session's refresh token still works after logout"
TOKEN=$S1_AT req POST /api/v1/auth/logout
expect_status 401 "bad: logging out twice with the same token is 401"
TOKEN='' req POST /api/v1/auth/logout
expect_status 401 "bad: logout without a token is 401"
expect_body_json '{"detail":"Not authenticated"}' "bad: logout without a token says Not authenticated"
TOKEN=garbage req POST /api/v1/auth/logout
expect_status 401 "bad: logout with a garbage token is 401"

# ---- a token without a session (sid): logout revokes its jti until it expires
t1=$(make_jwt '{"alg":"HS256","typ":"JWT"}' "$(claims "$A_ID" "$A_NAME" user)" "$JWT_SECRET")
t2=$(make_jwt '{"alg":"HS256","typ":"JWT"}' "$(claims "$A_ID" "$A_NAME" user)" "$JWT_SECRET")
check "a token without sid works (control)" test "$(me_status "$t1")" = 200
TOKEN=$t1 req POST /api/v1/auth/logout
expect_status 204 "logout with a token without sid is 204"
check "that token's jti is revoked" test "$(me_status "$t1")" = 401
check "another token without sid (other jti) still works" test "$(me_status "$t2")" = 200
jti=$(jwt_part "$t1" 2 | jq -r .jti)
exp=$(jwt_part "$t1" 2 | jq -r .exp)
n=$(psql_exec "SELECT extract(epoch FROM expires_at)::bigint FROM revoked_tokens WHERE jti = '$jti'")
check "the revoked jti is kept until the token's exp" test "$n" = "$exp"

# ---- logout-all ends every session, and tokens without sid issued before it
session L1 "$A_NAME" "$A_PASSWORD"
session L2 "$A_NAME" "$A_PASSWORD"
old=$(make_jwt '{"alg":"HS256","typ":"JWT"}' "$(claims "$A_ID" "$A_NAME" user | jq -c '.iat -= 5')" "$JWT_SECRET")
check "a token without sid issued earlier works (control)" test "$(me_status "$old")" = 200
TOKEN=$L1_AT req POST /api/v1/auth/logout-all
expect_status 204 "logout-all is 204"
for t in "$L1_AT" "$L2_AT" "$S2_AT" "$old" "$t2"; do
	check "after logout-all every earlier access token is refused" test "$(me_status "$t")" = 401
done
for t in "$L1_RT" "$L2_RT"; do
	refresh "$t"
	expect_status 401 "after logout-all every refresh token is refused"
done
session N "$A_NAME" "$A_PASSWORD"
check "a login after logout-all works" test "$(me_status "$N_AT")" = 200
refresh "$N_RT"
expect_status 200 "a refresh after logout-all works"
later=$(make_jwt '{"alg":"HS256","typ":"JWT"}' "$(claims "$A_ID" "$A_NAME" user | jq -c '.iat += 2')" "$JWT_SECRET")
check "a token without sid issued after logout-all works" test "$(me_status "$later")" = 200
register_user B
check "logout-all of one user leaves other users alone" test "$(me_status "$B_TOKEN")" = 200

# ---- PUT /users/me with a password ends every other session, keeps this one
register_user P
session P1 "$P_NAME" "$P_PASSWORD"
session P2 "$P_NAME" "$P_PASSWORD"
TOKEN=$P1_AT req PUT /api/v1/users/me '{"full_name":"No password here"}'
expect_status 200 "a PUT without password"
check "a PUT without password ends no session" test "$(me_status "$P2_AT")" = 200
TOKEN=$P1_AT req PUT /api/v1/users/me '{"password":"NewPassw0rd1"}'
expect_status 200 "PUT /users/me with a new password is 200"
check "after PUT password the other session's token is refused" test "$(me_status "$P2_AT")" = 401
refresh "$P2_RT"
expect_status 401 "after PUT password the other session's refresh token is refused"
check "after PUT password this session's token still works" test "$(me_status "$P1_AT")" = 200
refresh "$P1_RT"
expect_status 200 "after PUT password this session's refresh token still works"
login "$P_NAME" "NewPassw0rd1"
expect_status 200 "the new password logs in"
TOKEN=$P1_AT req PUT /api/v1/users/me '{"password":"weak"}'
expect_422 "bad: PUT a weak password" '["body","password"]' 3
TOKEN=$P1_AT req GET /api/v1/users/me
expect_status 200 "a rejected password change ends nothing"

# ---- POST /users/me/password checks the current password
register_user Q
session Q1 "$Q_NAME" "$Q_PASSWORD"
session Q2 "$Q_NAME" "$Q_PASSWORD"
pw() { jq -cn --arg c "$1" --arg n "$2" '{current_password:$c, new_password:$n}'; }
TOKEN=$Q1_AT req POST /api/v1/users/me/password "$(pw "Wrong$Q_PASSWORD" NewPassw0rd2)"
expect_status 400 "bad: a wrong current password is 400"
expect_body_json '{"detail":"Current password is incorrect"}' "bad: a wrong current password says so"
check "a refused password change ends no session" test "$(me_status "$Q2_AT")" = 200
TOKEN=$Q1_AT req POST /api/v1/users/me/password "$(pw "$Q_PASSWORD" weak)"
expect_422 "bad: a weak new password" '["body","new_password"]' 3
TOKEN=$Q1_AT req POST /api/v1/users/me/password '{}'
expect_422 "bad: no fields" '["body","current_password"]' 1 '["body","new_password"]' 1
TOKEN='' req POST /api/v1/users/me/password "$(pw "$Q_PASSWORD" NewPassw0rd2)"
expect_status 401 "bad: a password change without a token is 401"
TOKEN=$Q1_AT req POST /api/v1/users/me/password "$(pw "$Q_PASSWORD" NewPassw0rd2)"
expect_status 204 "POST /users/me/password with the right current password is 204"
check "after the change the other session's token is refused" test "$(me_status "$Q2_AT")" = 401
refresh "$Q2_RT"
expect_status 401 "after the change the other session's refresh token is refused"
check "after the change this session's token still works" test "$(me_status "$Q1_AT")" = 200
login "$Q_NAME" "$Q_PASSWORD"
expect_status 401 "the old password no longer logs in"
login "$Q_NAME" NewPassw0rd2
expect_status 200 "the new password logs in"
n=$(psql_exec "SELECT count(*) FROM sessions WHERE user_id = $Q_ID AND revoked_reason = 'password change'")
check "the ended sessions are recorded as ended by the password change" test "$n" -ge 1

# ---- an inactive user cannot log out or change a password (403), a deleted one gets 401
register_user IN
session I1 "$IN_NAME" "$IN_PASSWORD"
psql_exec "UPDATE users SET is_active = false WHERE id = $IN_ID" >/dev/null
TOKEN=$I1_AT req POST /api/v1/auth/logout-all
expect_status 403 "bad: an inactive user's logout-all is 403"
TOKEN=$I1_AT req POST /api/v1/users/me/password "$(pw "$IN_PASSWORD" NewPassw0rd3)"
expect_status 403 "bad: an inactive user's password change is 403"

finish
