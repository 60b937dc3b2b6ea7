#!/usr/bin/env bash
# NGINX's own answers: every status NGINX produces itself is JSON in
# the API's shape with X-Request-ID and nosniff; 502/504 never carry Retry-After; one
# address cannot hold more than its share of connections (limit_conn: 503 + Retry-After);
# the Link header carries only the list parameters the API knows.
. "$(dirname "$0")/lib.sh"

hostport=${BASE_URL#http://}
host=${hostport%:*} port=${hostport##*:}

# raw BYTES: sends BYTES as they are on a new connection; sets STATUS, HEADERS, BODY.
raw() {
	python3 - "$host" "$port" "$1" >"$_T/raw" 2>&1 <<'PY'
import socket, sys
host, port, data = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode('latin-1')
data = data.decode('unicode_escape').encode('latin-1')
s = socket.create_connection((host, port), timeout=15)
s.sendall(data)
out = b''
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
except OSError:  # a timeout, or NGINX resetting after its answer
    pass
sys.stdout.write(out.decode('latin-1'))
PY
	STATUS=$(head -n 1 "$_T/raw" | awk '{print $2}')
	HEADERS=$(awk 'NR > 1 { sub(/\r$/, ""); if ($0 == "") exit; p = index($0, ":"); print tolower(substr($0, 1, p - 1)) substr($0, p) }' "$_T/raw")
	BODY=$(awk 'f { print } /^\r?$/ { f = 1 }' "$_T/raw")
}

# json_error CODE NAME: the last answer is CODE, JSON {"detail": "..."} with the request id.
json_error() {
	expect_status "$1" "$2: status $1"
	check "$2: JSON body with detail" bash -c 'jq -e ".detail | type == \"string\"" >/dev/null <<<"$1"' _ "$BODY"
	expect_header Content-Type '^application/json' "$2: JSON content type"
	expect_header X-Request-ID '^[A-Za-z0-9._:-]+$' "$2: X-Request-ID"
	expect_header X-Content-Type-Options '^nosniff$' "$2: nosniff"
}

raw 'TRACE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
json_error 405 "bad: TRACE"
raw 'GET /health HTTP/2.0\r\nHost: x\r\nConnection: close\r\n\r\n'
json_error 505 "bad: an HTTP/2.0 request line"
raw 'POST /api/v1/tasks/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\n'
json_error 501 "bad: Transfer-Encoding: gzip"
raw 'GET /\x01 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
json_error 400 "bad: a control character in the request line"
raw "GET /$(head -c 20000 /dev/zero | tr '\0' a) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
json_error 414 "bad: a 20 KB URI"
raw "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: $(head -c 20000 /dev/zero | tr '\0' a)\r\nConnection: close\r\n\r\n"
json_error 431 "bad: a 20 KB header line (494)"
raw 'POST /api/v1/tasks/ HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\nConnection: close\r\n\r\n'
json_error 413 "bad: a 2 MB body"
req GET /app/no-such-file
json_error 404 "a missing static file"

# ---- a body that stops arriving (client_body_timeout, 10 s), in the background
raw408() {
	python3 - "$host" "$port" >"$_T/raw408" 2>&1 <<'PY'
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30)
s.sendall(b'POST /api/v1/tasks/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"ti')
out = b''
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
except OSError:
    pass
sys.stdout.write(out.decode('latin-1'))
PY
}
raw408 &
slow_pid=$!
sleep 1 # connected before the connection limit below is reached

# ---- limit_conn: one address holds at most 256 connections in progress (bodies that
# do not arrive count); the next is refused at once with 503 and Retry-After.
python3 - "$host" "$port" >"$_T/conn" 2>&1 <<'PY'
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
held = []
for i in range(256):
    s = socket.create_connection((host, port), timeout=10)
    s.sendall(b'POST /api/v1/tasks/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n')
    held.append(s)
import time; time.sleep(0.5)
s = socket.create_connection((host, port), timeout=10)
s.sendall(b'GET /api/v1/tasks/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
out = b''
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
except OSError:
    pass
print(out.decode('latin-1'))
for h in held:
    h.close()
PY
STATUS=$(head -n 1 "$_T/conn" | awk '{print $2}')
HEADERS=$(awk 'NR > 1 { sub(/\r$/, ""); if ($0 == "") exit; p = index($0, ":"); print tolower(substr($0, 1, p - 1)) substr($0, p) }' "$_T/conn")
BODY=$(awk 'f { print } /^\r?$/ { f = 1 }' "$_T/conn")
json_error 503 "bad: the 257th connection in progress from one address"
expect_header Retry-After '^[0-9]+$' "bad: limit_conn's 503 carries Retry-After (the app never saw it)"
TOKEN='' req GET /health
expect_status 200 "the held connections are gone: the address is served again"

wait "$slow_pid"
# NGINX gives up on the body after client_body_timeout and logs 408, but sends nothing
# (it marks the connection as failed): no HTML page can reach the client.
check "bad: a body that stops arriving: the connection is closed without an answer" test ! -s "$_T/raw408"
if [[ -n ${VAR_DIR:-} && -f $VAR_DIR/nginx/access.log ]]; then
	logged408() { grep -q '"method":"POST".*"status":408' "$VAR_DIR/nginx/access.log"; }
	check "bad: ... and NGINX logs it as 408" wait_for 5 logged408
fi

# ---- the Link header: known parameters only, so the head stays small
register_user L
TOKEN=$L_TOKEN
for i in 1 2 3; do create_task "$TOKEN" "{\"title\":\"link $i\"}"; done
junk=$(head -c 6000 /dev/zero | tr '\0' x)
req GET "/api/v1/tasks/?limit=1&sort=-id&junk=$junk&status=todo&status=completed&other=1"
expect_status 200 "a list with 6 KB of unknown parameters answers 200"
link=$(header_value link)
check "its Link carries the known parameters" bash -c '[[ $1 == *"limit=1&"* && $1 == *"sort=-id&"* && $1 == *"status=todo&"* ]]' _ "$link"
check "its Link drops unknown parameters and repeats" bash -c '[[ $1 != *junk* && $1 != *other* && $1 != *completed* ]]' _ "$link"
next=$(sed -E 's/^<([^>]*)>.*/\1/' <<<"$link")
req GET "$next"
expect_status 200 "the Link is followed"
expect_json '.tasks | length' 1 "the next page has one task"

finish
