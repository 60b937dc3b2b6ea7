#!/usr/bin/env bash
# Failed-login throttling per account, kept in PostgreSQL: after LOGIN_MAX_FAILURES (5)
# failures in the window the account's logins get 429 with Retry-After for the lockout
# (900 s), whatever address they come from and whatever the password; other accounts
# are not affected; a success clears the count. Checking a current password
# (POST /users/me/password) counts and is throttled the same way.
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

# login_from ADDRESS USER PASSWORD: a login whose TCP connection comes from ADDRESS.
login_from() {
	TOKEN='' req POST /api/v1/auth/login "$(jq -cn --arg u "$2" --arg p "$3" '{username:$u, password:$p}')" \
		--interface "$1"
}
throttled() { # NAME
	expect_status 429 "$1 is 429"
	expect_body_json '{"detail":"Too many failed login attempts, try again later"}' "$1 says too many failed login attempts"
	expect_header retry-after '^[0-9]+$' "$1 has Retry-After"
}

register_user A
register_user B

# ---- four failures from 127.0.0.1, the fifth from 127.0.0.2
for i in 1 2 3 4; do
	login_from 127.0.0.1 "$A_NAME" "Wrong$i$A_PASSWORD"
	expect_status 401 "failure $i of 5 is still 401"
done
login_from 127.0.0.1 "$A_NAME" "$A_PASSWORD"
expect_status 200 "below the limit the right password logs in"
n=$(psql_exec "SELECT count(*) FROM login_failures WHERE username = '$A_NAME'")
check "a successful login clears the account's failures" test "$n" = 0

for i in 1 2 3 4; do
	login_from 127.0.0.1 "$A_NAME" "Wrong$i$A_PASSWORD"
done
login_from 127.0.0.2 "$A_NAME" "Wrong5$A_PASSWORD"
expect_status 401 "the fifth failure (from another address) is 401"
login_from 127.0.0.3 "$A_NAME" "$A_PASSWORD"
throttled "bad: after 5 failures, the right password from a third address"
retry=$(header_value retry-after)
check "Retry-After is about the lockout (<= 900 s, > 800 s)" test "${retry:-0}" -le 900 -a "${retry:-0}" -gt 800
login_from 127.0.0.1 "$A_NAME" "Wrong$A_PASSWORD"
throttled "bad: after 5 failures, a wrong password"
n=$(psql_exec "SELECT failures FROM login_failures WHERE username = '$A_NAME'")
check "throttled attempts are not counted as more failures" test "$n" = 5

# ---- other accounts are not affected; tokens already issued keep working
login_from 127.0.0.2 "$B_NAME" "$B_PASSWORD"
expect_status 200 "another account logs in normally"
TOKEN=$A_TOKEN req GET /api/v1/users/me
expect_status 200 "the throttled account's existing token still works"

# ---- unknown accounts are throttled the same way (no way to tell which names exist)
ghost="ghost_$(unique)"
for i in 1 2 3 4 5; do login_from 127.0.0.1 "$ghost" "Wrong$i"; done
login_from 127.0.0.1 "$ghost" "Whatever1"
throttled "bad: an unknown name after 5 failures"

# ---- the lockout ends (moved into the past here), and the count starts again
psql_exec "UPDATE login_failures SET locked_until = now() - interval '1 second',
	window_start = now() - interval '1 hour' WHERE username = '$A_NAME'" >/dev/null
login_from 127.0.0.1 "$A_NAME" "$A_PASSWORD"
expect_status 200 "after the lockout the right password logs in again"
login_from 127.0.0.1 "$A_NAME" "Wrong$A_PASSWORD"
expect_status 401 "after the lockout a wrong password is 401 again"
n=$(psql_exec "SELECT failures FROM login_failures WHERE username = '$A_NAME'")
check "after the lockout the failures count from 1" test "$n" = 1

# ---- failures outside the window do not add up
register_user W
for i in 1 2 3 4; do login_from 127.0.0.1 "$W_NAME" "Wrong$i"; done
psql_exec "UPDATE login_failures SET window_start = now() - interval '16 minutes' WHERE username = '$W_NAME'" >/dev/null
login_from 127.0.0.1 "$W_NAME" "Wrong5"
expect_status 401 "a failure after the window is 401"
login_from 127.0.0.1 "$W_NAME" "$W_PASSWORD"
expect_status 200 "failures older than the window (15 min) do not throttle"

# ---- checking the current password in POST /users/me/password counts too
register_user P
pw() { jq -cn --arg c "$1" '{current_password:$c, new_password:"NewPassw0rd9"}'; }
for i in 1 2 3 4 5; do
	TOKEN=$P_TOKEN req POST /api/v1/users/me/password "$(pw "Wrong$i")"
	expect_status 400 "wrong current password $i of 5 is 400"
done
TOKEN=$P_TOKEN req POST /api/v1/users/me/password "$(pw "$P_PASSWORD")"
throttled "bad: a password change after 5 wrong current passwords"
login "$P_NAME" "$P_PASSWORD"
throttled "bad: the login of an account throttled by password-change failures"

# ---- very long names are not recorded (no account can have one) and never fail
long=$(head -c 5000 /dev/zero | tr '\0' x)
login_from 127.0.0.1 "$long" "Wrong1"
expect_status 401 "a 5000-character username is 401"
expect_no_leak "a 5000-character username: no internals"

finish
