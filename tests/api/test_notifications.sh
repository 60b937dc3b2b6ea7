#!/usr/bin/env bash
# Notifications: a task created, completed or given a due date, recorded by the task's
# own statement (one round trip, there when the answer comes); due within 24 hours,
# recorded by the job daemons (the stack runs `taskapi work`; once per due date, whatever
# the number of scans); the owner's preferences honoured; the daemons woken only by a
# statement that queued jobs; GET /api/v1/notifications (unread filter, cursor pages bound
# to the caller and the filter), POST /{id}/read, POST /read-all; others' are 404.
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

N=/api/v1/notifications
register_user P
register_user Q
TOKEN=$P_TOKEN

# notif_count TOKEN JQ-FILTER: how many of the caller's notifications (first 100) match.
notif_count() {
	TOKEN=$1 req GET "$N?limit=100"
	jq "[.notifications[] | select($2)] | length" <<<"$BODY" 2>/dev/null || echo -1
}
has_notif() { [[ $(notif_count "$1" "$2") -ge 1 ]]; }

# ---- the create statement records the notification itself (same statement, one round trip)
psql_exec "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null 2>&1
# The statements that insert tasks, as "queryid:calls,..." (other suites' own INSERTs,
# such as bulk seeds, are there too: only what this create ran is compared).
snapshot() { psql_exec "SELECT coalesce(string_agg(queryid || ':' || calls, ','), '') FROM pg_stat_statements WHERE query LIKE '%INSERT INTO tasks%'"; }
# ran_since SNAPSHOT: "CALLS WITHOUT_NOTIFICATION": the calls of task-inserting statements
# since SNAPSHOT, and how many of the statements run did not also insert the notification.
ran_since() {
	psql_exec "WITH b AS (SELECT split_part(x, ':', 1)::bigint AS q, split_part(x, ':', 2)::bigint AS c
		FROM unnest(string_to_array('$1', ',')) AS x)
		SELECT coalesce(sum(s.calls - coalesce(b.c, 0)), 0) || ' ' ||
			count(*) FILTER (WHERE s.query NOT LIKE '%INSERT INTO notifications%')
		FROM pg_stat_statements s LEFT JOIN b ON b.q = s.queryid
		WHERE s.query LIKE '%INSERT INTO tasks%' AND s.calls > coalesce(b.c, 0)"
}
before=$(snapshot 2>/dev/null)
create_task "$P_TOKEN" '{"title":"notify me"}'
T1=$TASK_ID
ran=$(ran_since "$before" 2>/dev/null)
if [[ $ran == "1 0" ]]; then
	ok "task create: one statement inserts the task and its notification (pg_stat_statements)"
else
	fail "task create: one statement" "task-inserting calls and statements without the notification: ${ran:-none}"
fi
# No daemon in between: the notification is there when the 201 is.
check "task_created notification recorded with the task (read right after the 201)" \
	test "$(notif_count "$P_TOKEN" ".kind == \"task_created\" and .task_id == $T1")" = 1
check "no job queued for it (no SMTP_URL, no webhook)" test \
	"$(psql_exec "SELECT count(*) FROM jobs WHERE payload->>'task_id' = '$T1'")" = 0
TOKEN=$P_TOKEN req GET "$N?limit=100"
expect_json ".notifications[] | select(.task_id == $T1) | [.title, .message, .read, .read_at] | tojson" \
	'["notify me","Task created: notify me",false,null]' "a notification's fields"
expect_json_match ".notifications[0].created_at" "$TS_RE" "created_at is RFC 3339 UTC"
check "another user sees none of them" test "$(notif_count "$Q_TOKEN" true)" = 0

TOKEN=$P_TOKEN req PUT "/api/v1/tasks/$T1" '{"status":"completed"}'
check "task_completed notification when the task becomes completed" \
	test "$(notif_count "$P_TOKEN" ".kind == \"task_completed\" and .task_id == $T1")" = 1
TOKEN=$P_TOKEN req PUT "/api/v1/tasks/$T1" '{"title":"renamed","status":"completed"}'
TOKEN=$P_TOKEN req PUT "/api/v1/tasks/$T1" '{"due_date":"2031-05-01T10:00:00Z"}'
check "task_due_date_set notification when a due date is given" \
	test "$(notif_count "$P_TOKEN" ".kind == \"task_due_date_set\" and .task_id == $T1")" = 1
TOKEN=$P_TOKEN req GET "$N?limit=100"
expect_json "[.notifications[] | select(.task_id == $T1 and .kind == \"task_due_date_set\")][0].message" \
	"Due date set for renamed: 2031-05-01 10:00" "its message names the task as renamed and the due date (UTC)"
TOKEN=$P_TOKEN req PUT "/api/v1/tasks/$T1" '{"due_date":"2031-05-01T10:00:00Z"}'
check "completing again or resending the same due date records nothing new" test \
	"$(notif_count "$P_TOKEN" ".task_id == $T1")" = 3
TOKEN=$P_TOKEN req PUT "/api/v1/tasks/$T1" '{"status":"todo"}'
TOKEN=$P_TOKEN req PUT "/api/v1/tasks/$T1" '{"status":"completed"}'
check "completed again after being reopened: a second task_completed" test \
	"$(notif_count "$P_TOKEN" ".kind == \"task_completed\" and .task_id == $T1")" = 2

# ---- preferences honoured (read by the statement that records)
TOKEN=$Q_TOKEN req PUT /api/v1/users/me/preferences '{"notifications":{"task_created":false}}'
create_task "$Q_TOKEN" '{"title":"quiet"}'
T2=$TASK_ID
check "notify_task_created=false: nothing recorded" test "$(notif_count "$Q_TOKEN" true)" = 0
TOKEN=$Q_TOKEN req PUT "/api/v1/tasks/$T2" '{"status":"completed"}'
check "... while task_completed still is" test \
	"$(notif_count "$Q_TOKEN" ".kind == \"task_completed\" and .task_id == $T2")" = 1

# ---- the daemons are woken (NOTIFY) only by a statement that queued jobs: a NOTIFY makes
# PostgreSQL commit such transactions one at a time (docs/performance.md). A session
# LISTENs while the pool runs writes that queue nothing (P has no webhook, the stack no
# SMTP_URL); then it inserts a job itself, and an INSERT of no row, apart.
pool_pids=$(psql_exec "SELECT string_agg(pid::text, ' ') FROM pg_stat_activity WHERE application_name = 'taskapi'")
heard=$({
	echo 'LISTEN taskapi_jobs;'
	sleep 0.3
	for i in 1 2 3; do
		curl -sS -o /dev/null -X PUT "$BASE_URL/api/v1/tasks/$T1" -H "Authorization: Bearer $P_TOKEN" \
			-H 'Content-Type: application/json' -d "{\"priority\":\"$(echo low medium high | cut -d' ' -f$i)\"}"
		curl -sS -o /dev/null -X POST "$BASE_URL/api/v1/tasks/" -H "Authorization: Bearer $P_TOKEN" \
			-H 'Content-Type: application/json' -d '{"title":"quiet write"}'
	done
	sleep 0.3
	echo "SELECT 'pool:' || string_agg(pid::text, ' ') FROM pg_stat_activity WHERE application_name = 'taskapi';"
	echo "INSERT INTO jobs (kind) SELECT 'noop' WHERE false;"
	echo "SELECT 'own:' || pg_backend_pid();"
	echo "INSERT INTO jobs (kind) VALUES ('noop');"
	echo "SELECT 'end';"
} | psql "$DATABASE_URL" -qAtX 2>&1)
own=$(sed -n 's/^own://p' <<<"$heard")
pids=" $pool_pids $(sed -n 's/^pool://p' <<<"$heard") "
from_pool=0
while read -r pid; do [[ $pids == *" $pid "* ]] && from_pool=$((from_pool + 1)); done \
	< <(sed -n 's/^Asynchronous notification "taskapi_jobs" received from server process with PID \([0-9]*\)\.$/\1/p' <<<"$heard")
check "task writes that queue no job wake no daemon (no NOTIFY from the pool's sessions)" test "$from_pool" = 0
check "an INSERT of no job wakes none" test \
	"$(sed -n "/^own:/q; /process with PID $own\.\$/p" <<<"$heard" | wc -l)" = 0
check "an INSERT of a job wakes the daemons" test \
	"$(sed -n "/^own:/,\$ { /process with PID $own\.\$/p }" <<<"$heard" | wc -l)" = 1

# ---- due within 24 hours: one reminder per task and due date, whatever the scans
soon=$(date -u -d '+3 hours' +%Y-%m-%dT%H:%M:%SZ)
create_task "$P_TOKEN" "{\"title\":\"due soon\",\"due_date\":\"$soon\"}"
T3=$TASK_ID
create_task "$P_TOKEN" "{\"title\":\"due later\",\"due_date\":\"$(date -u -d '+3 days' +%Y-%m-%dT%H:%M:%SZ)\"}"
T4=$TASK_ID
if wait_for 30 has_notif "$P_TOKEN" ".kind == \"task_due_soon\" and .task_id == $T3"; then
	ok "task_due_soon reminder for a task due within 24 hours (periodic scan queued by the daemons)"
else fail "task_due_soon reminder" "$(_last)"; fi
scans=$(psql_exec "SELECT count(*) FROM jobs WHERE kind = 'due_scan' AND state = 'done'")
more_scans() { [[ $(psql_exec "SELECT count(*) FROM jobs WHERE kind = 'due_scan' AND state = 'done'") -ge $((scans + 2)) ]]; }
if wait_for 30 more_scans; then
	check "two more scans later: still one reminder for that due date" test \
		"$(notif_count "$P_TOKEN" ".kind == \"task_due_soon\" and .task_id == $T3")" = 1
else fail "more due scans ran" "scan count stayed near $scans"; fi
check "no reminder for a task due in 3 days" test \
	"$(notif_count "$P_TOKEN" ".kind == \"task_due_soon\" and .task_id == $T4")" = 0
check "due scans: one job per period across every daemon (unique key)" test \
	"$(psql_exec "SELECT count(*) FROM (SELECT unique_key FROM jobs WHERE kind = 'due_scan' GROUP BY 1 HAVING count(*) > 1) d")" = 0

# ---- cursor pages, unread filter
for i in 1 2 3 4; do create_task "$P_TOKEN" "{\"title\":\"page $i\"}"; done
LAST=$TASK_ID
wait_for 20 has_notif "$P_TOKEN" ".task_id == $LAST"
total=$(notif_count "$P_TOKEN" true)
TOKEN=$P_TOKEN req GET "$N?limit=2"
expect_status 200 "GET notifications is 200"
expect_json '.notifications | length' 2 "limit=2 gives 2"
expect_header link '^</api/v1/notifications\?limit=2&cursor=[A-Za-z0-9_.-]+>; rel="next"$' "Link to the next page"
ids=$(jq -r '.notifications[].id' <<<"$BODY")
cursor=$(jq -r .next_cursor <<<"$BODY")
FIRST_CURSOR=$cursor
pages=1
while [[ $cursor != null && $pages -lt 50 ]]; do
	TOKEN=$P_TOKEN req GET "$N?limit=2&cursor=$cursor"
	[[ $STATUS == 200 ]] || break
	ids+=$'\n'$(jq -r '.notifications[].id' <<<"$BODY")
	cursor=$(jq -r .next_cursor <<<"$BODY")
	pages=$((pages + 1))
done
ids=$(grep -v '^$' <<<"$ids")
check "the cursor walk gives every notification once, newest first" test \
	"$(wc -l <<<"$ids")|$(sort -u <<<"$ids" | wc -l)|$(sort -rn <<<"$ids" | tr '\n' ,)" = \
	"$total|$total|$(tr '\n' , <<<"$ids")"
TOKEN=$Q_TOKEN req GET "$N?limit=2&cursor=$FIRST_CURSOR"
expect_status 422 "another user's cursor is refused"
TOKEN=$P_TOKEN req GET "$N?limit=2&unread=true&cursor=$FIRST_CURSOR"
expect_status 422 "a cursor from the unfiltered list is refused with unread=true"
TOKEN=$P_TOKEN req GET "$N?limit=2&cursor=${FIRST_CURSOR%?}x"
expect_status 422 "an altered cursor is refused"
TOKEN=$P_TOKEN req GET "$N?unread=maybe"
expect_status 422 "unread=maybe is 422"
TOKEN=$P_TOKEN req GET "$N?limit=0"
expect_status 422 "limit=0 is 422"
TOKEN='' req GET "$N"
expect_status 401 "no credential: 401"

# ---- read one, read all
first=$(head -n 1 <<<"$ids")
TOKEN=$Q_TOKEN req POST "$N/$first/read"
expect_status 404 "another user's notification: 404"
TOKEN=$P_TOKEN req POST "$N/abc/read"
expect_status 422 "a non-numeric id: 422"
TOKEN=$P_TOKEN req POST "$N/$first/read"
expect_status 200 "POST /{id}/read is 200"
expect_json '[.id, .read] | tojson' "[$first,true]" "it answers the notification, read"
expect_json_match .read_at "$TS_RE" "with read_at"
at=$(jq -r .read_at <<<"$BODY")
TOKEN=$P_TOKEN req POST "$N/$first/read"
expect_json .read_at "$at" "marking it read again keeps the first read_at"
TOKEN=$P_TOKEN req GET "$N?unread=true&limit=100"
expect_json "[.notifications[] | select(.read)] | length" 0 "unread=true lists only unread ones"
expect_json "[(.notifications | length), .unread_count] | tojson" "[$((total - 1)),$((total - 1))]" \
	"unread=true: all but the one read, and unread_count says so"
TOKEN=$P_TOKEN req POST "$N/read-all"
expect_status 200 "POST /read-all is 200"
expect_json .marked_read $((total - 1)) "read-all marks the others"
TOKEN=$P_TOKEN req GET "$N?unread=true"
expect_json "[(.notifications | length), .unread_count] | tojson" "[0,0]" "nothing unread afterwards"
TOKEN=$P_TOKEN req GET "$N/read-all"
expect_status 405 "GET /read-all is 405"

# ---- the queue in /metrics (from loopback)
TOKEN='' req GET /metrics
expect_status 200 "/metrics from loopback"
if grep -qE '^jobs_queue_depth\{state="done",kind="due_scan"\} [1-9][0-9]*$' <<<"$BODY" &&
	grep -qE '^jobs_duration_p99_seconds\{kind="due_scan"\} [0-9.e-]+$' <<<"$BODY" &&
	grep -q '^# TYPE jobs_oldest_queued_seconds gauge$' <<<"$BODY"; then
	ok "/metrics: queue depth by state and kind, durations, oldest queued job"
else fail "/metrics job gauges" "$(grep '^jobs' <<<"$BODY" | head -n 5)"; fi
if command -v promtool >/dev/null; then
	if out=$(promtool check metrics <<<"$BODY" 2>&1); then ok "/metrics with the job gauges passes promtool check metrics"
	else fail "promtool check metrics" "$out"; fi
fi

finish
