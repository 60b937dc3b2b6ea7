#!/usr/bin/env bash
# API keys for scripts: POST /api/v1/api-keys shows the key once, GET lists them without
# secrets, DELETE revokes; a key authenticates as its user through "Authorization: Bearer"
# or X-API-Key; it is stored as a SHA-256 hash; expired and revoked keys are refused.
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

sha256_hex() { printf '%s' "$1" | openssl dgst -sha256 -hex | awk '{print $NF}'; }

register_user A
register_user B
TOKEN=$A_TOKEN

# ---- create: 201, the key shown once
req POST /api/v1/api-keys '{"name":"ci deploy"}'
expect_status 201 "POST /api-keys is 201"
expect_json 'keys | sort | join(",")' "created_at,expires_at,id,key,last_used_at,name,prefix" "the new key's fields"
expect_json .name "ci deploy" "the key has its name"
expect_json_match .key '^tak_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$' "the key has the documented shape"
expect_json_match .prefix '^tak_[0-9a-f]{16}$' "the prefix is the key's public part"
expect_json_match .created_at "$TS_RE" "created_at is a time"
expect_json .last_used_at null "last_used_at is null before any use"
expect_json .expires_at null "expires_at is null when not given"
expect_header cache-control 'no-store' "the response carrying the key has Cache-Control no-store"
KEY=$(jq -r .key <<<"$BODY")
KEY_ID=$(jq -r .id <<<"$BODY")
PREFIX=$(jq -r .prefix <<<"$BODY")
check "the key starts with its prefix" test "${KEY:0:20}" = "$PREFIX"
expect_location "/api/v1/api-keys/$KEY_ID" "Location names the new key"
KEY_LOCATION=$LOCATION

# ---- stored as a hash only
n=$(psql_exec "SELECT count(*) FROM api_keys WHERE id = $KEY_ID AND key_hash = decode('$(sha256_hex "$KEY")', 'hex')")
check "the key's SHA-256 is stored" test "$n" = 1
n=$(psql_exec "SELECT count(*) FROM api_keys WHERE position('${KEY:21}' IN name || prefix || encode(key_hash, 'escape') || encode(key_hash, 'hex')) > 0")
check "the key's secret part is stored nowhere" test "$n" = 0

# ---- it authenticates as its user, both ways
TOKEN=$KEY req GET /api/v1/users/me
expect_status 200 "Authorization: Bearer <key> works"
expect_json .id "$A_ID" "the key authenticates as its user"
AUTH_HEADER="X-API-Key: $KEY" req GET /api/v1/users/me
expect_status 200 "X-API-Key: <key> works"
expect_json .id "$A_ID" "X-API-Key authenticates as the key's user"
AUTH_HEADER="X-API-Key: $KEY" req POST /api/v1/tasks/ '{"title":"made by a script"}'
expect_status 201 "a key can create tasks"
expect_json .owner_id "$A_ID" "a key's task belongs to its user"
AUTH_HEADER="X-API-Key: $KEY" req GET /api/v1/users/
expect_status 403 "a key has its user's rights only (not admin)"

# ---- last_used_at (written after the response, at most once a minute)
used() {
	TOKEN=$A_TOKEN req GET /api/v1/api-keys
	[[ $(jq -r --argjson id "$KEY_ID" '.[] | select(.id == $id) | .last_used_at' <<<"$BODY") =~ $TS_RE ]]
}
check "last_used_at is set once the key has been used" wait_for 10 used

# ---- list: no secrets
req GET /api/v1/api-keys
expect_status 200 "GET /api-keys is 200"
expect_json 'type' array "GET /api-keys is an array"
expect_json "[.[] | select(.id == $KEY_ID)] | length" 1 "the list holds the key"
expect_json '[.[] | keys | sort | join(",")] | unique | join(";")' "created_at,expires_at,id,last_used_at,name,prefix" \
	"listed keys show name, prefix, created_at, last_used_at, expires_at and id only"
check "the list never contains the secret" bash -c "! grep -qF -- '${KEY:21}' <<<'$BODY'"
expect_header cache-control 'no-store' "GET /api-keys: Cache-Control no-store"
req GET /api/v1/api-keys/
expect_status 200 "GET /api-keys/ with a trailing slash"
TOKEN=$B_TOKEN req GET /api/v1/api-keys
expect_json "[.[] | select(.id == $KEY_ID)] | length" 0 "another user does not see the key"
AUTH_HEADER="X-API-Key: $KEY" req GET /api/v1/api-keys
expect_status 200 "a key may list its user's keys"

# ---- a key cannot make more keys
TOKEN=$KEY req POST /api/v1/api-keys '{"name":"child"}'
expect_status 403 "bad: a key cannot create keys"
AUTH_HEADER="X-API-Key: $KEY" req POST /api/v1/auth/logout
expect_status 403 "bad: logout needs a session, not a key"

# ---- validation
req POST /api/v1/api-keys '{}'
expect_422 "bad: no name" '["body","name"]' 1
req POST /api/v1/api-keys '{"name":""}'
expect_422 "bad: empty name" '["body","name"]' 1
req POST /api/v1/api-keys "$(jq -cn --arg n "$(head -c 101 /dev/zero | tr '\0' n)" '{name:$n}')"
expect_422 "bad: a name of 101 characters" '["body","name"]' 1
req POST /api/v1/api-keys '{"name":"x","expires_at":"2000-01-01T00:00:00Z"}'
expect_422 "bad: expires_at in the past" '["body","expires_at"]' 1
expect_json '.detail[0].type' datetime_future "bad: expires_at in the past has type datetime_future"
req POST /api/v1/api-keys '{"name":"x","expires_at":"tomorrow"}'
expect_422 "bad: expires_at not a time" '["body","expires_at"]' 1
req POST /api/v1/api-keys '{"name":7,"expires_at":"2000-01-01"}'
expect_422 "bad: two bad fields" '["body","name"]' 1 '["body","expires_at"]' 1
TOKEN='' req POST /api/v1/api-keys '{"name":"x"}'
expect_status 401 "bad: creating a key without a token is 401"

# ---- expiry
req POST /api/v1/api-keys '{"name":"short-lived","expires_at":"2099-01-01T00:00:00Z"}'
expect_status 201 "a key with expires_at"
expect_json .expires_at "2099-01-01T00:00:00Z" "expires_at is kept"
EXP_KEY=$(jq -r .key <<<"$BODY")
EXP_ID=$(jq -r .id <<<"$BODY")
TOKEN=$EXP_KEY req GET /api/v1/users/me
expect_status 200 "a key before its expiry works"
psql_exec "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $EXP_ID" >/dev/null
TOKEN=$EXP_KEY req GET /api/v1/users/me
expect_status 401 "bad: an expired key is 401"
expect_body_json '{"detail":"Could not validate credentials"}' "bad: an expired key says Could not validate credentials"

# ---- forged and malformed keys
wrong="${KEY:0:21}$(head -c 32 /dev/urandom | b64url)"
TOKEN=$wrong req GET /api/v1/users/me
expect_status 401 "bad: the right prefix with another secret is 401"
last=${KEY: -1}
if [[ $last == A ]]; then flip=B; else flip=A; fi
TOKEN="${KEY:0:63}$flip" req GET /api/v1/users/me
expect_status 401 "bad: the key with its last character changed is 401"
for bad in "tak_" "tak_${KEY:4:16}" "${KEY}x" "tak_ZZZZZZZZZZZZZZZZ_${KEY:21}" "tak_${KEY:4:16}-${KEY:21}"; do
	AUTH_HEADER="X-API-Key: $bad" req GET /api/v1/users/me
	expect_status 401 "bad: malformed key '${bad:0:24}...' is 401"
done
AUTH_HEADER="X-API-Key: ' OR '1'='1" req GET /api/v1/users/me
expect_status 401 "bad: SQL in X-API-Key is 401"

# ---- revoke
TOKEN=$B_TOKEN req DELETE "/api/v1/api-keys/$KEY_ID"
expect_status 404 "bad: another user cannot revoke the key"
expect_body_json '{"detail":"API key not found"}' "bad: another user's key is not found"
TOKEN=$KEY req GET /api/v1/users/me
expect_status 200 "the key still works after another user's attempt"
LOCATION=$KEY_LOCATION follow_location DELETE
expect_status 204 "DELETE /api-keys/{id} (the create's Location) is 204"
TOKEN=$KEY req GET /api/v1/users/me
expect_status 401 "bad: a revoked key is 401"
AUTH_HEADER="X-API-Key: $KEY" req GET /api/v1/tasks/
expect_status 401 "bad: a revoked key is 401 through X-API-Key too"
req DELETE "/api/v1/api-keys/$KEY_ID"
expect_status 404 "bad: revoking twice is 404"
req DELETE /api/v1/api-keys/abc
expect_422 "bad: a non-integer key id" '["path","id"]' 1
req DELETE /api/v1/api-keys/99999999999999999999
expect_422 "bad: a key id out of range" '["path","id"]' 1

# ---- a key of a deactivated or deleted user
req POST /api/v1/api-keys '{"name":"lifecycle"}'
K2=$(jq -r .key <<<"$BODY")
psql_exec "UPDATE users SET is_active = false WHERE id = $A_ID" >/dev/null
TOKEN=$K2 req GET /api/v1/users/me
expect_status 403 "bad: a deactivated user's key is 403"
expect_body_json '{"detail":"Inactive user"}' "bad: a deactivated user's key says Inactive user"
psql_exec "UPDATE users SET is_active = true WHERE id = $A_ID" >/dev/null
register_admin ADM
TOKEN=$ADM_TOKEN req POST /api/v1/api-keys '{"name":"admin key"}'
ADM_KEY=$(jq -r .key <<<"$BODY")
TOKEN=$ADM_KEY req DELETE "/api/v1/users/$A_ID"
expect_status 204 "an admin's key can delete a user"
TOKEN=$K2 req GET /api/v1/users/me
expect_status 401 "bad: a deleted user's key is 401"
n=$(psql_exec "SELECT count(*) FROM api_keys WHERE user_id = $A_ID")
check "a deleted user's keys are gone" test "$n" = 0

finish
