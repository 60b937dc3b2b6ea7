#!/usr/bin/env bash
# Signing-key rotation without logging anyone out, on a second pool in the production
# profile (same database): tokens carry the kid of the key that signed them; after the
# current secret moves to JWT_PREVIOUS_SECRETS_FILE and a new one takes its place
# (then SIGHUP: workers are replaced one by one and read the files again), old tokens
# still verify and new ones are signed with the new key; an unknown kid is 401; once
# the old secret is retired its tokens are 401. Also checks the production profile:
# register-admin is off, and secrets under 32 bytes are refused.
# Needs DATABASE_URL (the main stack's database).
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../api/lib.sh
. "$here/../api/lib.sh"
REPO=$(cd "$here/../.." && pwd)
BIN=$REPO/build/taskapi

keys=$_T/keys
mkdir "$keys"

kid_of() { printf taskapi-kid | openssl dgst -sha256 -hmac "$1" -hex | awk '{print $NF}' | cut -c1-16; }
token_kid() { jwt_part "$1" 1 | jq -r '.kid // empty'; }
me_status() {
	TOKEN=$1 req GET /api/v1/users/me
	printf '%s' "$STATUS"
}
A=$(openssl rand -hex 24) B=$(openssl rand -hex 24) C=$(openssl rand -hex 24)
printf '%s\n' "$A" >"$keys/current"
: >"$keys/previous"

# The secrets from the files only (no JWT_SECRET), and no admin registration, as in production.
unset ALLOW_ADMIN_REGISTRATION JWT_SECRET
if ! own_stack APP_ENV=production JWT_SECRET_FILE="$keys/current" JWT_PREVIOUS_SECRETS_FILE="$keys/previous" \
	TASKAPI_WORKERS=2 TASKAPI_BIN="$BIN" RATE_LIMIT=off; then
	fail "setup: a production-profile pool starts" "$STACK_ERROR"
	finish
fi
# The task pool (2 workers and its health worker) and the auth pool, which signs tokens.
masters="$POOL_MASTER $(cat "$STACK_DIR/run/taskapi-auth.pid")"
# shellcheck disable=SC2086
workers() { pool_workers $masters; }
# sighup: replaces every worker of both pools (they read the secret files again) and waits for it.
sighup() {
	local before now deadline=$((SECONDS + 30))
	before=$(workers)
	# shellcheck disable=SC2086
	kill -HUP $masters
	while ((SECONDS < deadline)); do
		now=$(workers)
		if [[ $(wc -w <<<"$now") == 5 && -z $(comm -12 <(tr ' ' '\n' <<<"$before") <(tr ' ' '\n' <<<"$now")) ]]; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# ---- the production profile
TOKEN='' req POST /api/v1/auth/register-admin "$(jq -cn --arg u "$(unique)" '{email:"pa_\($u)@example.com", username:"pa_\($u)", password:"Passw0rd1"}')"
expect_status 403 "bad: production: register-admin is off"
expect_body_json '{"detail":"Admin registration is disabled"}' "bad: production: register-admin says it is disabled"

# ---- tokens signed with A carry A's kid
register_user U
TA=$U_TOKEN
login "$U_NAME" "$U_PASSWORD"
RA=$(jq -r .refresh_token <<<"$BODY")
check "a token's header carries the kid of the key that signed it" test "$(token_kid "$TA")" = "$(kid_of "$A")"
check "the kid is not the secret, nor a prefix of it" test "${A:0:16}" != "$(token_kid "$TA")"

# ---- rotate: B signs, A only verifies
printf '%s\n' "$B" >"$keys/current"
printf '# retired %s\n%s\n' "$(date -u +%F)" "$A" >"$keys/previous"
check "SIGHUP replaces the workers, which read the rotated secrets" sighup
check "after rotation a token signed with the previous key still works" test "$(me_status "$TA")" = 200
TOKEN='' req POST /api/v1/auth/refresh "$(jq -cn --arg t "$RA" '{refresh_token:$t}')"
expect_status 200 "after rotation a refresh token issued before it works"
check "the refreshed access token is signed with the new key" test "$(token_kid "$(jq -r .access_token <<<"$BODY")")" = "$(kid_of "$B")"
login "$U_NAME" "$U_PASSWORD"
TB=$LOGIN_TOKEN
check "a new login's token carries the new kid" test "$(token_kid "$TB")" = "$(kid_of "$B")"
check "a new login's token works" test "$(me_status "$TB")" = 200

P=$(claims "$U_ID" "$U_NAME" user)
t=$(make_jwt '{"alg":"HS256","typ":"JWT","kid":"0123456789abcdef"}' "$P" "$A")
check "bad: an unknown kid is 401 (even signed with a known key)" test "$(me_status "$t")" = 401
t=$(make_jwt "{\"alg\":\"HS256\",\"kid\":\"$(kid_of "$C")\"}" "$P" "$C")
check "bad: a token signed with a key we never had, under its own kid, is 401" test "$(me_status "$t")" = 401
t=$(make_jwt "{\"alg\":\"HS256\",\"kid\":\"$(kid_of "$A")\"}" "$P" "$B")
check "bad: the previous key's kid with the current key's signature is 401" test "$(me_status "$t")" = 401
t=$(make_jwt '{"alg":"HS256","typ":"JWT"}' "$P" "$A")
check "bad: a token without kid is checked with the current key only (signed with the previous: 401)" test "$(me_status "$t")" = 401
t=$(make_jwt '{"alg":"HS256","typ":"JWT"}' "$P" "$B")
check "a token without kid signed with the current key works" test "$(me_status "$t")" = 200
t=$(make_jwt "{\"alg\":\"HS512\",\"kid\":\"$(kid_of "$A")\"}" "$P" "$A")
check "bad: HS512 under the previous key's kid is 401" test "$(me_status "$t")" = 401

# ---- retire A
: >"$keys/previous"
check "SIGHUP again, with the previous secret removed" sighup
check "bad: once retired, the old key's tokens are 401" test "$(me_status "$TA")" = 401
check "the current key's tokens still work" test "$(me_status "$TB")" = 200

# ---- weak secrets are refused outside development
refused() { # NAME ENV...: `taskapi migrate` must refuse to start with these settings
	local name=$1
	shift
	if env -u JWT_SECRET -u JWT_SECRET_FILE -u JWT_PREVIOUS_SECRETS -u JWT_PREVIOUS_SECRETS_FILE \
		APP_ENV=production "$@" "$BIN" migrate >"$_T/out" 2>&1; then
		fail "$name" "it started: $(cat "$_T/out")"
	elif grep -q "refusing to start" "$_T/out"; then
		ok "$name"
	else
		fail "$name" "no refusal message: $(cat "$_T/out")"
	fi
}
refused "bad: production refuses a 31-byte JWT_SECRET" JWT_SECRET="$(head -c 31 /dev/zero | tr '\0' k)"
refused "bad: production refuses a missing secret"
refused "bad: production refuses a 16-byte previous secret" JWT_SECRET="$B" JWT_PREVIOUS_SECRETS="$A,0123456789abcdef"
printf 'short\n' >"$_T/prev"
refused "bad: production refuses a short secret in JWT_PREVIOUS_SECRETS_FILE" JWT_SECRET="$B" JWT_PREVIOUS_SECRETS_FILE="$_T/prev"
refused "bad: production refuses an unreadable JWT_PREVIOUS_SECRETS_FILE" JWT_SECRET="$B" JWT_PREVIOUS_SECRETS_FILE=/nonexistent/prev
if env -u JWT_SECRET_FILE APP_ENV=production JWT_SECRET="$B" JWT_PREVIOUS_SECRETS="$A,$C" "$BIN" migrate >"$_T/out" 2>&1; then
	ok "production accepts a 48-byte secret with two previous ones"
else
	fail "production accepts a 48-byte secret with two previous ones" "$(cat "$_T/out")"
fi

finish
