#!/usr/bin/env bash
# Request ids: NGINX's $request_id, or the client's X-Request-ID when it is a sane token,
# reaches the app and comes back as X-Request-ID, on the app's answers and NGINX's own.
# (That the same id is in the app's and NGINX's log lines: tests/system/test_logs.sh.)
. "$(dirname "$0")/lib.sh"

req GET /health
expect_header X-Request-ID '^[0-9a-f]{32}$' "without X-Request-ID: NGINX's 32-hex id is returned"
first=$(header_value X-Request-ID)
req GET /health
check "each request gets its own id" test "$(header_value X-Request-ID)" != "$first"

id="client-$(unique).trace:1_2"
req GET /health "" -H "X-Request-ID: $id"
expect_header X-Request-ID "^${id}\$" "a sane X-Request-ID is passed through and returned"
expect_status 200 "the request with a client id is answered"

long=$(printf 'a%.0s' $(seq 128))
req GET /health "" -H "X-Request-ID: $long"
expect_header X-Request-ID "^${long}\$" "128 token characters are accepted"

for bad in "$(printf 'a%.0s' $(seq 129))" "has space" 'quote"d' 'semi;colon' 'slash/ed' 'ünïcode'; do
	req GET /health "" -H "X-Request-ID: $bad"
	expect_header X-Request-ID '^[0-9a-f]{32}$' "an unsafe X-Request-ID ('${bad:0:20}') is replaced by NGINX's own"
done

id="err-$(unique)"
req GET "/no/such/$(unique)" "" -H "X-Request-ID: $id"
expect_status 404 "an unknown route: 404"
expect_header X-Request-ID "^${id}\$" "the app's error answers carry the id"

id="big-$(unique)"
head -c 1100000 /dev/zero | tr '\0' 'a' >"$_T/big"
req POST /api/v1/tasks/ "@$_T/big" -H "X-Request-ID: $id"
expect_status 413 "a body over 1 MiB: NGINX's 413"
expect_header X-Request-ID "^${id}\$" "NGINX's own error answers carry the id too"

finish
