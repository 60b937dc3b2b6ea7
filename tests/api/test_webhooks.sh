#!/usr/bin/env bash
# Webhooks: POST/GET/DELETE /api/v1/webhooks and GET /{id}/deliveries. Registration
# refuses what is not http(s) and every loopback, private, link-local or reserved target
# (422, nothing stored); the stack allows one loopback address (TASKAPI_WEBHOOK_ALLOW, as
# scripts/test sets it: WEBHOOK_RECEIVER_ADDR, 127.0.0.7) and nothing else of 127/8. The
# signing secret is shown once. Others' webhooks are 404. End to end: a receiver on the
# allowed address (tests/jobs/webhook-receiver) gets each notification of the kinds a
# webhook takes, signed with its secret, and every attempt is listed.
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

W=/api/v1/webhooks
ADDR=${WEBHOOK_RECEIVER_ADDR:-127.0.0.7}
register_user P
register_user Q
TOKEN=$P_TOKEN

receiver_pid=
at_exit '[ -z "$receiver_pid" ] || kill "$receiver_pid" 2>/dev/null'

stored() { psql_exec "SELECT count(*) FROM webhooks WHERE user_id = $P_ID"; }

# ---- refused at registration: 422, nothing stored
for url in "http://127.0.0.1:8080/hook" "http://localhost/" "http://127.0.0.8/" "http://10.0.0.1/" \
	"http://172.16.0.1/" "http://192.168.1.1/" "http://169.254.169.254/latest/meta-data/" \
	"http://100.64.0.1/" "http://0.0.0.0/" "http://224.0.0.1/" "http://[::1]/" "http://[fe80::1]/" \
	"http://[fd00::1]/" "http://[::ffff:127.0.0.1]/" "http://[::ffff:10.0.0.1]/" "http://2130706433/" \
	"file:///etc/passwd" "ftp://8.8.8.8/" "gopher://8.8.8.8/" "https://user:secret@8.8.8.8/" \
	"not a url" "//8.8.8.8/" ""; do
	req POST $W "$(jq -cn --arg u "$url" '{url: $u}')"
	expect_422 "register $url refused"
	expect_json '.detail[0].loc | join(".")' "body.url" "register $url: the problem is the url"
done
req POST $W '{"url":"http://169.254.169.254/"}'
expect_json '.detail[0].msg' "URL points to a loopback, private, link-local or reserved address" \
	"a forbidden address is named as such"
req POST $W '{"url":"file:///etc/passwd"}'
expect_json '.detail[0].msg' "URL scheme must be http or https" "a forbidden scheme is named as such"
req POST $W "{\"url\":\"https://example.com/$(printf 'a%.0s' $(seq 1 2001))\"}"
expect_422 "a URL over 2000 characters"
req POST $W '{}'
expect_422 "url missing"
req POST $W '{"url":5}'
expect_422 "url not a string"
req POST $W '{"url":"https://8.8.8.8/","events":["task_created","bogus"]}'
expect_422 "an unknown event"
expect_json '.detail[0].loc | join(".")' "body.events" "an unknown event: at body.events"
req POST $W '{"url":"https://8.8.8.8/","events":[]}'
expect_422 "no events"
req POST $W '{"url":"https://8.8.8.8/","events":"task_created"}'
expect_422 "events not a list"
req POST $W '{"url":"https://8.8.8.8/","description":7}'
expect_422 "description not a string"
req POST $W '{"url":"https://8.8.8.8/","secret":"mine"}'
expect_422 "an unknown field"
expect_no_leak "refusals leak nothing"
check "nothing stored by the refused requests" test "$(stored)" = 0
TOKEN='' req POST $W '{"url":"https://8.8.8.8/"}'
expect_status 401 "register without a credential: 401"
TOKEN='' req GET $W
expect_status 401 "list without a credential: 401"

# ---- registered: the secret once
PORT_A=$("$(dirname "$0")/../../scripts/free-port")
req POST $W "{\"url\":\"http://$ADDR:$PORT_A/hook\",\"description\":\"all events\"}"
if [[ $STATUS != 201 ]]; then
	fail "register the allowed loopback receiver ($ADDR, TASKAPI_WEBHOOK_ALLOW)" "$(_last)"
	finish
fi
ok "register a webhook: 201"
A=$(jq -r .id <<<"$BODY")
SECRET_A=$(jq -r .secret <<<"$BODY")
expect_location "$W/$A" "created: Location names the webhook"
expect_json '[.url, .description, (.events | join(","))] | join("|")' \
	"http://$ADDR:$PORT_A/hook|all events|task_created,task_completed,task_due_date_set,task_due_soon" \
	"created: url, description, every event by default"
expect_json_match .secret '^whsec_[A-Za-z0-9_-]{43}$' "created: the signing secret"
expect_json_match .created_at "$TS_RE" "created: created_at"
expect_header cache-control 'no-store' "created: not cached"
follow_location
expect_status 200 "GET on the create's Location is 200"
expect_json '[.id, .url] | tojson' "[$A,\"http://$ADDR:$PORT_A/hook\"]" "GET on the create's Location is the webhook"
req POST $W "{\"url\":\"http://$ADDR:$PORT_A/done\",\"events\":[\"task_completed\",\"task_completed\"]}"
expect_status 201 "register a second webhook for one event"
B=$(jq -r .id <<<"$BODY")
SECRET_B=$(jq -r .secret <<<"$BODY")
expect_json '.events | tojson' '["task_completed"]' "events: the chosen kinds, each once"
expect_json .description null "description: null when not given"
check "the two secrets differ" test "$SECRET_A" != "$SECRET_B"

req GET $W
expect_status 200 "list: 200"
expect_json "[.[].id] | tojson" "[$A,$B]" "list: the caller's webhooks in order"
expect_json '[.[] | has("secret")] | any' false "list: no secret"
req GET "$W/$A"
expect_status 200 "get: 200"
expect_json '[.id, .url, has("secret")] | map(tostring) | join("|")' "$A|http://$ADDR:$PORT_A/hook|false" \
	"get: the webhook, without its secret"

# ---- others' are 404
TOKEN=$Q_TOKEN req GET $W
expect_body_json '[]' "another user's list is empty"
TOKEN=$Q_TOKEN req GET "$W/$A"
expect_status 404 "another user's GET: 404"
TOKEN=$Q_TOKEN req DELETE "$W/$A"
expect_status 404 "another user's DELETE: 404"
TOKEN=$Q_TOKEN req GET "$W/$A/deliveries"
expect_status 404 "another user's deliveries: 404"
check "another user's DELETE deleted nothing" test "$(stored)" = 2
req GET "$W/999999999"
expect_status 404 "a missing webhook: 404"
req GET "$W/abc"
expect_422 "a bad id"
req GET "$W/$A/deliveries?limit=0"
expect_422 "deliveries: limit 0"

# ---- at most 20 per user
register_user R
for i in $(seq 1 20); do TOKEN=$R_TOKEN req POST $W "{\"url\":\"https://8.8.8.8/$i\"}"; done
expect_status 201 "a user's 20th webhook"
TOKEN=$R_TOKEN req POST $W '{"url":"https://8.8.8.8/21"}'
expect_status 409 "a 21st webhook: 409"
expect_json .detail "At most 20 webhooks per user: delete one first" "a 21st webhook: why"
check "a 21st webhook: not stored" test "$(psql_exec "SELECT count(*) FROM webhooks WHERE user_id = $R_ID")" = 20

# ---- end to end: signed deliveries to the receiver, every attempt listed
recv_log=$_T/receiver.log
: >"$recv_log"
"$(dirname "$0")/../jobs/webhook-receiver" "$ADDR" "$PORT_A" "$SECRET_A" "$recv_log" &
receiver_pid=$!
wait_for 10 bash -c "exec 3<>/dev/tcp/$ADDR/$PORT_A" 2>/dev/null
create_task "$P_TOKEN" '{"title":"hook me"}'
T1=$TASK_ID
delivered() {
	req GET "$W/$A/deliveries"
	jq -e '[.deliveries[] | select(.delivered == true)] | length >= 1' >/dev/null <<<"$BODY"
}
if wait_for 30 delivered; then ok "the task_created notification is delivered"; else
	fail "task_created delivered" "$(_last)"; fi
expect_json '[.deliveries[0] | .attempt, .status_code, .error, (.duration_ms | type), .delivered] | map(tostring) | join("|")' \
	"1|204|null|number|true" "deliveries: attempt, status, no error, duration"
expect_json_match '.deliveries[0].started_at' "$TS_RE" "deliveries: started_at"
expect_json_match '.deliveries[0].finished_at' "$TS_RE" "deliveries: finished_at"
N1=$(psql_exec "SELECT id FROM notifications WHERE task_id = $T1 AND kind = 'task_created'")
check "the receiver got one POST for it, signed with the webhook's secret" test \
	"$(jq -sc "[.[] | select(.delivery == \"$A:$N1\")] | map([.signature_ok, .fresh, .content_type, .body.event, .body.notification.task_id, .body.notification.title])" "$recv_log")" \
	= "[[true,true,\"application/json\",\"task_created\",$T1,\"hook me\"]]"
check "the one-event webhook got nothing for task_created" test \
	"$(psql_exec "SELECT count(*) FROM jobs WHERE kind = 'webhook' AND payload->>'webhook_id' = '$B'")" = 0

# The second webhook's receiver is the same, with the other secret: its POSTs fail the
# signature check (401), so its attempts are failures, retried and listed.
TOKEN=$P_TOKEN req PUT "/api/v1/tasks/$T1" '{"status":"completed"}'
failed_twice() {
	req GET "$W/$B/deliveries"
	jq -e '[.deliveries[] | select(.delivered == false)] | length >= 2' >/dev/null <<<"$BODY"
}
if wait_for 30 failed_twice; then ok "a receiver answering 401: the attempts are failures, retried"; else
	fail "401 attempts retried" "$(_last)"; fi
expect_json '[.deliveries[0] | .status_code, .error] | map(tostring) | join("|")' "401|HTTP status 401" \
	"a failed attempt: its status and error"
expect_json '[.deliveries[].attempt] | . == (sort | reverse)' true "deliveries: newest attempt first"
req GET "$W/$B/deliveries?limit=1"
expect_json '.deliveries | length' 1 "deliveries: limit"
NEXT=$(jq -r .next_before <<<"$BODY")
req GET "$W/$B/deliveries?limit=1&before=$NEXT"
expect_json "(.deliveries | length) == 1 and .deliveries[0].id < $NEXT" true "deliveries: the next page"
if wait_for 20 bash -c "grep -q '\"delivery\": \"$A:' '$recv_log' && [ \$(grep -c '\"task_completed\"' '$recv_log') -ge 1 ]"; then
	ok "the all-events webhook got task_completed too"
else fail "task_completed to the all-events webhook" "$(cat "$recv_log")"; fi

# ---- deleted: gone, its pending deliveries with it
req DELETE "$W/$B"
expect_status 204 "delete: 204"
req GET "$W/$B"
expect_status 404 "deleted: 404"
req DELETE "$W/$B"
expect_status 404 "deleted twice: 404"
check "its delivery records went with it" test \
	"$(psql_exec "SELECT count(*) FROM webhook_deliveries WHERE webhook_id = $B")" = 0
req GET $W
expect_json "[.[].id] | tojson" "[$A]" "the list without it"

finish
