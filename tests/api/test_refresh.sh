#!/usr/bin/env bash
# Refresh tokens: login returns a pair, POST /api/v1/auth/refresh rotates it, a rotated
# token presented again revokes its whole family (reuse detection), and tokens are
# random, stored only as SHA-256, and expire.
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

register_user A

refresh() { # TOKEN: sets STATUS/BODY
	TOKEN='' req POST /api/v1/auth/refresh "$(jq -cn --arg t "$1" '{refresh_token:$t}')"
}
sha256_hex() { printf '%s' "$1" | openssl dgst -sha256 -hex | awk '{print $NF}'; }

# ---- login returns the pair; old clients reading only access_token are unaffected
login "$A_NAME" "$A_PASSWORD"
expect_status 200 "login is 200"
expect_json 'keys | sort | join(",")' "access_token,expires_in,refresh_token,token_type" \
	"login answers access_token, token_type, refresh_token, expires_in"
expect_json '.token_type' bearer "login: token_type is still bearer"
expect_json '.expires_in' 1800 "login: expires_in is the access token's lifetime (1800 s)"
expect_json_match '.refresh_token' '^[A-Za-z0-9_-]{43}$' "login: refresh_token is 43 base64url characters (32 random bytes)"
expect_header cache-control 'no-store' "login: Cache-Control no-store"
access1=$LOGIN_TOKEN
rt1=$(jq -r .refresh_token <<<"$BODY")
sid1=$(jwt_part "$access1" 2 | jq -r .sid)
check "the access token names its session (sid)" test -n "$sid1" -a "$sid1" != null
login "$A_NAME" "$A_PASSWORD"
rt_other=$(jq -r .refresh_token <<<"$BODY")
access_other=$LOGIN_TOKEN
check "each login gets a different refresh token" test "$rt1" != "$rt_other"

# ---- stored only as a hash
n=$(psql_exec "SELECT count(*) FROM refresh_tokens WHERE token_hash = decode('$(sha256_hex "$rt1")', 'hex')")
check "the refresh token's SHA-256 is stored" test "$n" = 1
n=$(psql_exec "SELECT count(*) FROM refresh_tokens WHERE encode(token_hash, 'escape') LIKE '%$rt1%' OR encode(token_hash, 'hex') = '$rt1'")
check "the refresh token itself is stored nowhere" test "$n" = 0

# ---- rotation
refresh "$rt1"
expect_status 200 "refresh is 200"
expect_json 'keys | sort | join(",")' "access_token,expires_in,refresh_token,token_type" "refresh answers a new pair"
expect_header cache-control 'no-store' "refresh: Cache-Control no-store"
access2=$(jq -r .access_token <<<"$BODY")
rt2=$(jq -r .refresh_token <<<"$BODY")
check "refresh returns a new refresh token" test "$rt2" != "$rt1"
check "refresh returns a new access token" test "$access2" != "$access1"
check "the new access token stays in the same session" test "$(jwt_part "$access2" 2 | jq -r .sid)" = "$sid1"
TOKEN=$access2 req GET /api/v1/users/me
expect_status 200 "the refreshed access token works"
expect_json .id "$A_ID" "the refreshed access token is the user's"
TOKEN=$access1 req GET /api/v1/users/me
expect_status 200 "the earlier access token of the session still works (not revoked by rotation)"

refresh "$rt2"
expect_status 200 "the new refresh token can be rotated again"
access3=$(jq -r .access_token <<<"$BODY")
rt3=$(jq -r .refresh_token <<<"$BODY")

# ---- reuse: an already-rotated token revokes the whole family
refresh "$rt1"
expect_status 401 "bad: a rotated refresh token presented again is 401"
expect_body_json '{"detail":"Invalid refresh token"}' "bad: reuse says Invalid refresh token"
refresh "$rt3"
expect_status 401 "bad: after reuse, the family's newest refresh token is refused too"
for t in "$access1" "$access2" "$access3"; do
	TOKEN=$t req GET /api/v1/users/me
	expect_status 401 "bad: after reuse, the family's access tokens are refused"
done
expect_body_json '{"detail":"Could not validate credentials"}' "bad: a revoked session's token says Could not validate credentials"
n=$(psql_exec "SELECT revoked_reason FROM sessions WHERE id = $sid1")
check "the session is recorded as revoked for refresh token reuse" test "$n" = "refresh token reuse"
refresh "$rt_other"
expect_status 200 "another session of the same user is not affected by the reuse"
TOKEN=$access_other req GET /api/v1/users/me
expect_status 200 "another session's access token still works"

# ---- concurrent refreshes of one token: one pair at most, never a 500
login "$A_NAME" "$A_PASSWORD"
rt=$(jq -r .refresh_token <<<"$BODY")
body=$(jq -cn --arg t "$rt" '{refresh_token:$t}')
TOKEN='' req_bg r1 POST /api/v1/auth/refresh "$body"
TOKEN='' req_bg r2 POST /api/v1/auth/refresh "$body"
wait
codes="$(bg_status r1) $(bg_status r2)"
if [[ $codes == "200 401" || $codes == "401 200" ]]; then ok "two concurrent refreshes of one token: one 200, one 401"; else
	fail "two concurrent refreshes of one token: one 200, one 401" "got $codes"
fi

# ---- bad input
for bad in "" "x" "$(head -c 43 /dev/zero | tr '\0' '!')" "$rt1=" "${rt1:0:42}" "$(head -c 5000 /dev/zero | tr '\0' A)" "' OR 1=1 --"; do
	refresh "$bad"
	expect_status 401 "bad: refresh token '${bad:0:20}' (${#bad} chars) is 401"
done
refresh "$(head -c 32 /dev/urandom | b64url)"
expect_status 401 "bad: a well-formed but unknown refresh token is 401"
TOKEN='' req POST /api/v1/auth/refresh '{}'
expect_422 "bad: refresh without refresh_token" '["body","refresh_token"]' 1
TOKEN='' req POST /api/v1/auth/refresh '{"refresh_token":42}'
expect_422 "bad: refresh_token as a number" '["body","refresh_token"]' 1
TOKEN='' req POST /api/v1/auth/refresh '{"refresh_token":'
expect_422 "bad: refresh with malformed JSON" '["body"]' 1
TOKEN='' req GET /api/v1/auth/refresh
expect_status 405 "bad: GET /auth/refresh is 405"

# ---- expiry (default 14 days)
login "$A_NAME" "$A_PASSWORD"
rt=$(jq -r .refresh_token <<<"$BODY")
days=$(psql_exec "SELECT round(extract(epoch FROM expires_at - created_at) / 86400) FROM refresh_tokens
	WHERE token_hash = decode('$(sha256_hex "$rt")', 'hex')")
check "a refresh token expires after 14 days by default" test "$days" = 14
psql_exec "UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = decode('$(sha256_hex "$rt")', 'hex')" >/dev/null
refresh "$rt"
expect_status 401 "bad: an expired refresh token is 401"

# ---- inactive and deleted users
register_user IN
login "$IN_NAME" "$IN_PASSWORD"
rt=$(jq -r .refresh_token <<<"$BODY")
psql_exec "UPDATE users SET is_active = false WHERE id = $IN_ID" >/dev/null
refresh "$rt"
expect_status 403 "bad: an inactive user's refresh is 403"
expect_body_json '{"detail":"Inactive user"}' "bad: an inactive user's refresh says Inactive user"
psql_exec "UPDATE users SET is_active = true WHERE id = $IN_ID" >/dev/null
refresh "$rt"
expect_status 200 "the refresh token works again once the user is reactivated (it was not rotated)"

register_admin ADM
register_user D
login "$D_NAME" "$D_PASSWORD"
rt=$(jq -r .refresh_token <<<"$BODY")
TOKEN=$ADM_TOKEN req DELETE "/api/v1/users/$D_ID"
expect_status 204 "setup: admin deletes user D"
refresh "$rt"
expect_status 401 "bad: a deleted user's refresh token is 401"
n=$(psql_exec "SELECT count(*) FROM sessions WHERE user_id = $D_ID")
check "a deleted user's sessions are gone" test "$n" = 0

finish
