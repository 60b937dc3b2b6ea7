#!/usr/bin/env bash
# Tasks: create (defaults, due_date formats), list (envelope, skip/limit/status, order),
# get, partial update (null clears, status <-> is_completed), delete.
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

register_user A
TOKEN=$A_TOKEN

# ---- create with defaults
req POST /api/v1/tasks/ '{"title":"Buy milk"}'
expect_status 201 "create task is 201"
expect_header content-type '^application/json; charset=utf-8$' "create task answers JSON utf-8"
expect_json '.id | type' number "create: id is an integer"
expect_json '.title' "Buy milk" "create: title"
expect_json '.description' null "create: description defaults to null"
expect_json '.status' todo "create: status defaults to todo"
expect_json '.priority' medium "create: priority defaults to medium"
expect_json '.is_completed' false "create: is_completed is false"
expect_json '.due_date' null "create: due_date defaults to null"
expect_json '.owner_id' "$A_ID" "create: owner_id is the caller"
expect_json_match '.created_at' "$TS_RE" "create: created_at is RFC 3339 UTC"
expect_json_match '.updated_at' "$TS_RE" "create: updated_at is RFC 3339 UTC"
expect_json '[has("id","title","description","status","priority","due_date","is_completed","owner_id","created_at","updated_at")] | all' true \
	"create: Task has every field"
created=$BODY
t1=$(jq -r .id <<<"$created")
expect_location "/api/v1/tasks/$t1" "create: Location names the new task"
follow_location
expect_status 200 "GET on the create's Location is 200"
expect_body_json "$created" "GET on the create's Location is the created task"

# ---- create with every field
req POST /api/v1/tasks/ '{"title":"Write report","description":"Quarterly numbers","status":"in_progress","priority":"high","due_date":"2024-12-31T23:59:59"}'
expect_status 201 "create with every field is 201"
expect_json '.description' "Quarterly numbers" "create full: description"
expect_json '.status' in_progress "create full: status"
expect_json '.priority' high "create full: priority"
expect_json '.is_completed' false "create full: in_progress is not completed"
expect_json_match '.due_date' '^2024-12-31T23:59:59(\.0+)?Z$' "create: due_date without offset is read as UTC"
t2=$(jq -r .id <<<"$BODY")

req POST /api/v1/tasks/ '{"title":"done already","status":"completed","priority":"low"}'
expect_status 201 "create completed task is 201"
expect_json '.is_completed' true "create: status completed gives is_completed true"
expect_json '.priority' low "create: priority low"

# ---- due_date formats
due_case() { # INPUT REGEX
	req POST /api/v1/tasks/ "$(jq -cn --arg d "$1" '{title:"due", due_date:$d}')"
	expect_status 201 "create with due_date $1 is 201"
	expect_json_match '.due_date' "$2" "due_date $1 is written as UTC"
}
due_case '2024-12-31T23:59:59+02:00' '^2024-12-31T21:59:59(\.0+)?Z$'
due_case '2024-12-31T23:59:59Z' '^2024-12-31T23:59:59(\.0+)?Z$'
due_case '2024-12-31T23:59:59.500Z' '^2024-12-31T23:59:59\.50*Z$'
due_case '2025-01-01T01:30:00-05:00' '^2025-01-01T06:30:00(\.0+)?Z$'
due_case '2024-06-15T00:30:00+01:00' '^2024-06-14T23:30:00(\.0+)?Z$'
req POST /api/v1/tasks/ '{"title":"no due","due_date":null}'
expect_status 201 "create with due_date null is 201"
expect_json '.due_date' null "create with due_date null keeps it null"

# ---- get
req GET "/api/v1/tasks/$t1"
expect_status 200 "GET /tasks/{id} is 200"
expect_body_json "$created" "GET /tasks/{id} returns the created task"
req GET "/api/v1/tasks/$t2"
expect_json_match '.due_date' '^2024-12-31T23:59:59(\.0+)?Z$' "GET shows the stored due_date"

# ---- list: a fresh user with 12 tasks of known statuses
register_user L
statuses=(todo todo in_progress completed todo todo in_progress todo completed todo todo todo)
ids=()
for i in "${!statuses[@]}"; do
	create_task "$L_TOKEN" "$(jq -cn --arg s "${statuses[$i]}" --argjson i "$i" '{title:"list \($i)", status:$s}')"
	ids+=("${TASK_ID:-0}")
done
all_ids=$(printf '%s\n' "${ids[@]}" | jq -sc .)
TOKEN=$L_TOKEN

req GET /api/v1/tasks/
expect_status 200 "list is 200"
expect_json '[has("tasks","total","page","page_size")] | all' true "list has the envelope {tasks,total,page,page_size}"
expect_json '.total' 12 "list: total counts every task"
expect_json '.page' 1 "list: page 1 by default"
expect_json '.page_size' 10 "list: page_size 10 by default"
expect_json '.tasks | length' 10 "list: default limit is 10"
expect_json '[.tasks[].id] | tojson' "$(jq -c '.[0:10]' <<<"$all_ids")" "list: ordered by id ascending"
expect_json "all(.tasks[]; .owner_id == $L_ID)" true "list: only the caller's tasks"
expect_json '.tasks[0] | [has("id","title","description","status","priority","due_date","is_completed","owner_id","created_at","updated_at")] | all' true \
	"list entries are Tasks"
expect_json 'all(.tasks[]; .is_completed == (.status == "completed"))' true "list: is_completed matches status"

req GET '/api/v1/tasks/?skip=0&limit=100'
expect_json '[.tasks[].id] | tojson' "$all_ids" "list limit=100 gives all 12 in id order"
expect_json '.page_size' 100 "list limit=100: page_size 100"

page_case() { # SKIP LIMIT PAGE SLICE-START SLICE-END
	req GET "/api/v1/tasks/?skip=$1&limit=$2"
	expect_status 200 "list skip=$1&limit=$2 is 200"
	expect_json '.total' 12 "list skip=$1&limit=$2: total 12"
	expect_json '.page' "$3" "list skip=$1&limit=$2: page $3"
	expect_json '.page_size' "$2" "list skip=$1&limit=$2: page_size $2"
	expect_json '[.tasks[].id] | tojson' "$(jq -c ".[$4:$5]" <<<"$all_ids")" "list skip=$1&limit=$2: the right tasks"
}
page_case 2 2 2 2 4
page_case 4 2 3 4 6
page_case 3 2 2 3 5
page_case 10 5 3 10 15
page_case 0 1 1 0 1
page_case 12 10 2 12 12
page_case 50 10 6 50 60

req GET '/api/v1/tasks/?status=todo'
expect_status 200 "list status=todo is 200"
expect_json '.total' 8 "list status=todo: total 8"
expect_json '.tasks | length' 8 "list status=todo: 8 tasks"
expect_json 'all(.tasks[]; .status == "todo")' true "list status=todo: only todo"
req GET '/api/v1/tasks/?status=todo&limit=3&skip=3'
expect_json '.total' 8 "list status=todo&limit=3&skip=3: total counts all matches"
expect_json '.tasks | length' 3 "list status=todo&limit=3&skip=3: 3 tasks"
expect_json '.page' 2 "list status=todo&limit=3&skip=3: page 2"
expect_json "[.tasks[].id] | tojson" "$(jq -c --argjson s "$(printf '%s\n' "${statuses[@]}" | jq -Rsc 'split("\n")[:-1]')" \
	'[to_entries[] | select($s[.key] == "todo") | .value][3:6]' <<<"$all_ids")" "list status=todo&limit=3&skip=3: the right tasks"
req GET '/api/v1/tasks/?status=in_progress'
expect_json '.total' 2 "list status=in_progress: total 2"
expect_json 'all(.tasks[]; .status == "in_progress" and .is_completed == false)' true "list status=in_progress: only in_progress"
req GET '/api/v1/tasks/?status=completed&limit=1'
expect_json '.total' 2 "list status=completed&limit=1: total 2"
expect_json '.tasks | length' 1 "list status=completed&limit=1: one task"
expect_json '.tasks[0].is_completed' true "list status=completed: is_completed true"

register_user E
TOKEN=$E_TOKEN req GET /api/v1/tasks/
expect_json '.total' 0 "a user with no tasks: total 0"
expect_json '.tasks | tojson' '[]' "a user with no tasks: empty list"
TOKEN=$A_TOKEN

# ---- partial update
req POST /api/v1/tasks/ '{"title":"Original","description":"desc","priority":"high","status":"in_progress","due_date":"2030-01-02T03:04:05Z"}'
t=$(jq -r .id <<<"$BODY")
orig=$BODY

req PUT "/api/v1/tasks/$t" '{"title":"Renamed"}'
expect_status 200 "PUT title is 200"
expect_json '.title' Renamed "PUT title: changed"
expect_json '.description' desc "PUT title: description unchanged"
expect_json '.priority' high "PUT title: priority unchanged"
expect_json '.status' in_progress "PUT title: status unchanged"
expect_json_match '.due_date' '^2030-01-02T03:04:05(\.0+)?Z$' "PUT title: due_date unchanged"
expect_json '.owner_id' "$A_ID" "PUT title: owner unchanged"
expect_json '.created_at' "$(jq -r .created_at <<<"$orig")" "PUT title: created_at unchanged"

req PUT "/api/v1/tasks/$t" '{"priority":"low"}'
expect_json '.priority' low "PUT priority: changed"
expect_json '.title' Renamed "PUT priority: title unchanged"

req PUT "/api/v1/tasks/$t" '{"due_date":"2031-05-06T07:08:09+03:00"}'
expect_json_match '.due_date' '^2031-05-06T04:08:09(\.0+)?Z$' "PUT due_date with offset: stored in UTC"

req PUT "/api/v1/tasks/$t" '{"description":null}'
expect_status 200 "PUT description null is 200"
expect_json '.description' null "PUT description null clears it"
expect_json '.title' Renamed "PUT description null: title unchanged"
req PUT "/api/v1/tasks/$t" '{"due_date":null}'
expect_status 200 "PUT due_date null is 200"
expect_json '.due_date' null "PUT due_date null clears it"
req GET "/api/v1/tasks/$t"
expect_json '[.description, .due_date] | tojson' '[null,null]' "GET after clearing: description and due_date null"

req PUT "/api/v1/tasks/$t" '{"description":"back again"}'
expect_json '.description' "back again" "PUT description: set again"

req PUT "/api/v1/tasks/$t" '{"title":null}'
expect_422 "bad: PUT title null" '["body","title"]' 1
req GET "/api/v1/tasks/$t"
expect_json '.title' Renamed "bad: PUT title null left the title"

req PUT "/api/v1/tasks/$t" '{}'
expect_status 200 "PUT {} is 200"
expect_json '.title' Renamed "PUT {}: nothing changed"

req PUT "/api/v1/tasks/$t" '{"title":"Unknown fields","owner_id":1,"id":1,"created_at":"2000-01-01T00:00:00Z","colour":"red"}'
expect_status 200 "PUT with unknown fields is 200"
expect_json '.id' "$t" "bad: PUT id is ignored"
expect_json '.owner_id' "$A_ID" "bad: PUT owner_id is ignored"
expect_json '.created_at' "$(jq -r .created_at <<<"$orig")" "bad: PUT created_at is ignored"

# ---- status <-> is_completed
req PUT "/api/v1/tasks/$t" '{"status":"completed"}'
expect_json '[.status, .is_completed] | tojson' '["completed",true]' "PUT status completed sets is_completed true"
req PUT "/api/v1/tasks/$t" '{"status":"in_progress"}'
expect_json '[.status, .is_completed] | tojson' '["in_progress",false]' "PUT status in_progress sets is_completed false"
req PUT "/api/v1/tasks/$t" '{"status":"completed"}'
req PUT "/api/v1/tasks/$t" '{"status":"todo"}'
expect_json '[.status, .is_completed] | tojson' '["todo",false]' "PUT status todo on completed sets is_completed false"
req PUT "/api/v1/tasks/$t" '{"is_completed":true}'
expect_json '[.status, .is_completed] | tojson' '["completed",true]' "PUT is_completed true sets status completed"
req PUT "/api/v1/tasks/$t" '{"is_completed":false}'
expect_json '[.status, .is_completed] | tojson' '["todo",false]' "PUT is_completed false on completed sets status todo"
req PUT "/api/v1/tasks/$t" '{"status":"in_progress"}'
req PUT "/api/v1/tasks/$t" '{"is_completed":false}'
expect_json '[.status, .is_completed] | tojson' '["in_progress",false]' "PUT is_completed false on in_progress keeps in_progress"
req PUT "/api/v1/tasks/$t" '{"status":"completed","is_completed":true}'
expect_status 200 "PUT status completed + is_completed true (agree) is 200"
expect_json '[.status, .is_completed] | tojson' '["completed",true]' "PUT agreeing status and is_completed"
req PUT "/api/v1/tasks/$t" '{"status":"in_progress","is_completed":false}'
expect_status 200 "PUT status in_progress + is_completed false (agree) is 200"
expect_json '[.status, .is_completed] | tojson' '["in_progress",false]' "PUT agreeing in_progress and false"
req PUT "/api/v1/tasks/$t" '{"status":"completed","is_completed":false}'
expect_422 "bad: PUT status completed + is_completed false"
req PUT "/api/v1/tasks/$t" '{"status":"todo","is_completed":true}'
expect_422 "bad: PUT status todo + is_completed true"
req PUT "/api/v1/tasks/$t" '{"status":"in_progress","is_completed":true}'
expect_422 "bad: PUT status in_progress + is_completed true"
req GET "/api/v1/tasks/$t"
expect_json '[.status, .is_completed] | tojson' '["in_progress",false]' "contradicting PUTs changed nothing"
req PUT "/api/v1/tasks/$t" '{"is_completed":"yes"}'
expect_422 "bad: PUT is_completed as a string" '["body","is_completed"]' 1

# ---- updated_at moves on every change
req GET "/api/v1/tasks/$t"
u0=$(jq -r .updated_at <<<"$BODY")
c0=$(jq -r .created_at <<<"$BODY")
sleep 1.1
req PUT "/api/v1/tasks/$t" '{"title":"Timestamped"}'
u1=$(jq -r .updated_at <<<"$BODY")
if [[ -n $u1 && $u1 != null && $u1 != "$u0" && $u1 > $u0 ]]; then ok "updated_at moves forward on update"; else
	fail "updated_at moves forward on update" "before $u0, after $u1"
fi
expect_json '.created_at' "$c0" "created_at does not move on update"
sleep 1.1
req PUT "/api/v1/tasks/$t" '{"is_completed":true}'
u2=$(jq -r .updated_at <<<"$BODY")
if [[ $u2 != "$u1" && $u2 > $u1 ]]; then ok "updated_at moves on an is_completed change"; else
	fail "updated_at moves on an is_completed change" "before $u1, after $u2"
fi
req GET "/api/v1/tasks/$t"
expect_json '.updated_at' "$u2" "GET shows the new updated_at"

# ---- delete
req DELETE "/api/v1/tasks/$t"
expect_status 204 "DELETE /tasks/{id} is 204"
if [[ -z $BODY ]]; then ok "DELETE /tasks/{id} has an empty body"; else fail "DELETE /tasks/{id} has an empty body" "$(_last)"; fi
req GET "/api/v1/tasks/$t"
expect_status 404 "GET a deleted task is 404"
expect_body_json '{"detail":"Task not found"}' "GET a deleted task says Task not found"
req DELETE "/api/v1/tasks/$t"
expect_status 404 "bad: DELETE a deleted task again is 404"
expect_body_json '{"detail":"Task not found"}' "bad: DELETE a deleted task again says Task not found"
req PUT "/api/v1/tasks/$t" '{"title":"ghost"}'
expect_status 404 "bad: PUT a deleted task is 404"
expect_body_json '{"detail":"Task not found"}' "bad: PUT a deleted task says Task not found"
for missing in 999999999 0; do
	req GET "/api/v1/tasks/$missing"
	expect_status 404 "bad: GET /tasks/$missing is 404"
	expect_body_json '{"detail":"Task not found"}' "bad: GET /tasks/$missing says Task not found"
done

# the other tasks are still there
req GET "/api/v1/tasks/$t1"
expect_status 200 "deleting one task leaves the others"

finish
