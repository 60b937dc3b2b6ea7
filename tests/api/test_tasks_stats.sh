#!/usr/bin/env bash
# GET /api/v1/tasks/stats: the caller's counts by status and priority, overdue, due in the
# next 7 days and completed in the last 7 days; kept right through creates, updates and
# deletes; an admin's owner_id= or global figures; users cannot see others' figures.
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

register_user ST
register_user OT
register_admin ADM
TOKEN=$ST_TOKEN

EMPTY='{"total":0,"by_status":{"todo":0,"in_progress":0,"completed":0},"by_priority":{"low":0,"medium":0,"high":0},"overdue":0,"due_next_7_days":0,"completed_last_7_days":0}'
req GET /api/v1/tasks/stats
expect_status 200 "stats of a user without tasks is 200"
expect_body_json "$EMPTY" "stats of a user without tasks: all zeros"
req GET /api/v1/tasks/stats/
expect_status 200 "stats with a trailing slash is 200"

iso() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }
mk() { create_task "$ST_TOKEN" "$(jq -cn --arg s "$1" --arg p "$2" --arg d "$3" \
	'{title:"stat", status:$s, priority:$p} + (if $d == "" then {} else {due_date:$d} end)')"; }
mk todo high "$(iso '-2 days')"         # overdue
mk todo low "$(iso '+3 days')"          # due soon
mk in_progress medium "$(iso '-1 hour')" # overdue
mk in_progress high "$(iso '+6 days')"  # due soon
mk completed low "$(iso '-5 days')"     # completed now: not overdue
mk completed medium ""                  # completed now
mk todo medium "$(iso '+30 days')"      # later
mk todo low ""                          # no due date
last=$TASK_ID
create_task "$OT_TOKEN" '{"title":"other","status":"completed","due_date":"2000-01-01T00:00:00Z"}'

req GET /api/v1/tasks/stats
expect_status 200 "stats is 200"
expect_header content-type '^application/json; charset=utf-8$' "stats answers JSON utf-8"
expect_body_json '{"total":8,"by_status":{"todo":4,"in_progress":2,"completed":2},"by_priority":{"low":3,"medium":3,"high":2},"overdue":2,"due_next_7_days":2,"completed_last_7_days":2}' \
	"stats counts the caller's tasks only"

# ---- kept right through changes
req PUT "/api/v1/tasks/$last" '{"status":"completed","priority":"high"}'
req GET /api/v1/tasks/stats
expect_json '[.by_status.todo, .by_status.completed, .by_priority.low, .by_priority.high, .completed_last_7_days, .total] | tojson' \
	'[3,3,2,3,3,8]' "stats after completing a task"
req PATCH "/api/v1/tasks/$last" '{"is_completed":false}'
req GET /api/v1/tasks/stats
expect_json '[.by_status.todo, .by_status.completed, .completed_last_7_days] | tojson' '[4,2,2]' "stats after reopening it"
req PUT "/api/v1/tasks/$last" "{\"due_date\":\"$(iso '-3 days')\"}"
req GET /api/v1/tasks/stats
expect_json '.overdue' 3 "stats after moving a due date into the past"
req DELETE "/api/v1/tasks/$last"
req GET /api/v1/tasks/stats
expect_json '[.total, .by_status.todo, .by_priority.high, .overdue] | tojson' '[7,3,2,2]' "stats after a delete"
req GET '/api/v1/tasks/?limit=100'
expect_json '.total' 7 "the list's total agrees with the stats"
req GET '/api/v1/tasks/?status=todo'
expect_json '.total' 3 "the list's status-filtered total agrees"
req GET '/api/v1/tasks/?status=todo,in_progress&priority=high'
expect_json '.total' 2 "the list's status+priority-filtered total agrees"

# ---- admins: one owner's figures, or everyone's
TOKEN=$ADM_TOKEN req GET "/api/v1/tasks/stats?owner_id=$ST_ID"
expect_status 200 "admin stats?owner_id is 200"
expect_json '[.total, .overdue] | tojson' '[7,2]' "admin stats?owner_id=ST: ST's figures"
TOKEN=$ADM_TOKEN req GET "/api/v1/tasks/stats?owner_id=$OT_ID"
expect_json '[.total, .by_status.completed, .overdue] | tojson' '[1,1,0]' "admin stats?owner_id=OT: OT's figures"
if total=$(psql_exec "SELECT count(*) FROM tasks") && overdue=$(psql_exec \
	"SELECT count(*) FROM tasks WHERE status <> 'completed' AND due_date < now()"); then
	TOKEN=$ADM_TOKEN req GET /api/v1/tasks/stats
	expect_json '.total' "$total" "admin stats without owner_id: every task"
	expect_json '.overdue' "$overdue" "admin stats without owner_id: every overdue task"
	expect_json '.by_status.todo + .by_status.in_progress + .by_status.completed == .total' true "admin stats: statuses add up"
else
	fail "setup: count tasks with psql" "psql failed"
fi

# ---- users see only their own figures
req GET "/api/v1/tasks/stats?owner_id=$OT_ID"
expect_status 403 "bad: a user's stats?owner_id=other is 403"
expect_body_json '{"detail":"Not enough permissions. Admin access required."}' "bad: stats?owner_id=other says Not enough permissions"
req GET "/api/v1/tasks/stats?owner_id=$ST_ID"
expect_status 200 "a user's stats?owner_id=self is 200"
for bad in abc 0 -3 1.5 ''; do
	req GET "/api/v1/tasks/stats?owner_id=$bad"
	expect_422 "bad: stats?owner_id=$bad" '["query","owner_id"]' 1
done
TOKEN='' req GET /api/v1/tasks/stats
expect_status 401 "bad: stats without a token is 401"
req POST /api/v1/tasks/stats '{}'
expect_status 405 "bad: POST /tasks/stats is 405"
expect_header allow '^GET$' "POST /tasks/stats: Allow: GET"
req GET /api/v1/tasks/12345678901
expect_status 404 "/tasks/{id} still routes for ids"

finish
