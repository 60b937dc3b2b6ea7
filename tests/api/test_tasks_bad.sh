#!/usr/bin/env bash
# Tasks with invalid input (query, path, body), other users' tasks, and the admin's view.
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

register_user A
register_user B
register_admin ADM
TOKEN=$A_TOKEN

# ---- query parameters
query_case() { # QUERY PARAM
	req GET "/api/v1/tasks/?$1"
	expect_422 "bad: list ?$1" "[\"query\",\"$2\"]" 1
}
query_case limit=0 limit
query_case limit=101 limit
query_case limit=-5 limit
query_case limit=abc limit
query_case limit=1.5 limit
query_case limit= limit
query_case skip=-1 skip
query_case skip=abc skip
query_case status=bogus status
query_case status=TODO status
query_case status=done status
req GET '/api/v1/tasks/?limit=0&skip=-1&status=nope'
expect_422 "bad: list with three bad parameters" '["query","limit"]' 1 '["query","skip"]' 1 '["query","status"]' 1
req GET '/api/v1/tasks?limit=101'
expect_422 "bad: list without trailing slash ?limit=101" '["query","limit"]' 1
for good in limit=1 limit=100 skip=0 'status=todo' 'status=in_progress' 'status=completed' 'skip=5&limit=5'; do
	req GET "/api/v1/tasks/?$good"
	expect_status 200 "list ?$good is 200"
done
req GET '/api/v1/tasks/?unknown=1'
expect_status 200 "list with an unknown query parameter is 200"

# ---- path parameter
create_task "$A_TOKEN" '{"title":"A task"}'
a_task=${TASK_ID:-0}
for bad in abc 1.5 1e3 0x10; do
	for m in GET DELETE; do
		req "$m" "/api/v1/tasks/$bad"
		expect_422 "bad: $m /tasks/$bad"
		expect_json '[.detail[].loc[0]] | unique | tojson' '["path"]' "bad: $m /tasks/$bad: loc is in the path"
		expect_json '.detail[0].loc | length' 2 "bad: $m /tasks/$bad: loc names the parameter"
	done
	req PUT "/api/v1/tasks/$bad" '{"title":"x"}'
	expect_422 "bad: PUT /tasks/$bad"
	expect_json '.detail[0].loc[0]' path "bad: PUT /tasks/$bad: loc is in the path"
done
for big in 99999999999999999999 9223372036854775808; do
	req GET "/api/v1/tasks/$big"
	if [[ $STATUS == 404 || $STATUS == 422 ]]; then ok "bad: GET /tasks/$big is 404 or 422"; else
		fail "bad: GET /tasks/$big is 404 or 422" "$(_last)"
	fi
done
req GET /api/v1/tasks/-1
if [[ $STATUS == 404 || $STATUS == 422 ]]; then ok "bad: GET /tasks/-1 is 404 or 422"; else fail "bad: GET /tasks/-1 is 404 or 422" "$(_last)"; fi

# ---- body validation on create
T='["body","title"]'
create_bad() { # NAME JSON [LOC COUNT]...
	local name=$1 body=$2
	shift 2
	req POST /api/v1/tasks/ "$body"
	expect_422 "bad: create $name" "$@"
}
title200=$(printf 't%.0s' {1..200})
title201="${title200}t"
desc10000=$(head -c 10000 /dev/zero | tr '\0' d)
desc10001="${desc10000}d"
create_bad 'without title' '{"description":"x"}' "$T" 1
create_bad 'with {}' '{}' "$T" 1
create_bad 'with title ""' '{"title":""}' "$T" 1
create_bad 'with title null' '{"title":null}' "$T" 1
create_bad 'with title a number' '{"title":123}' "$T" 1
create_bad 'with title of 201 characters' "$(jq -cn --arg t "$title201" '{title:$t}')" "$T" 1
create_bad 'with description of 10001 characters' "$(jq -cn --arg d "$desc10001" '{title:"x", description:$d}')" '["body","description"]' 1
create_bad 'with status "done"' '{"title":"x","status":"done"}' '["body","status"]' 1
create_bad 'with status "COMPLETED"' '{"title":"x","status":"COMPLETED"}' '["body","status"]' 1
create_bad 'with status null' '{"title":"x","status":null}' '["body","status"]' 1
create_bad 'with priority "urgent"' '{"title":"x","priority":"urgent"}' '["body","priority"]' 1
create_bad 'with priority 1' '{"title":"x","priority":1}' '["body","priority"]' 1
for d in not-a-date 2024-13-45T00:00:00 2024-02-30T10:00:00 '' '31/12/2024' '2024-12-31T25:00:00Z' '2024-12-31T23:59:59+25:00'; do
	create_bad "with due_date '$d'" "$(jq -cn --arg d "$d" '{title:"x", due_date:$d}')" '["body","due_date"]' 1
done
create_bad 'with due_date true' '{"title":"x","due_date":true}' '["body","due_date"]' 1
create_bad 'with several problems' '{"title":"","status":"x","priority":"y","due_date":"z"}' \
	"$T" 1 '["body","status"]' 1 '["body","priority"]' 1 '["body","due_date"]' 1
req POST /api/v1/tasks/ '{"title":'
expect_422 "bad: create with malformed JSON" '["body"]' 1
expect_json '.detail[0].type' json_invalid "bad: create with malformed JSON has type json_invalid"
req POST /api/v1/tasks/ '[{"title":"x"}]'
expect_422 "bad: create with a JSON array"
TOKEN=$A_TOKEN req GET '/api/v1/tasks/?limit=100'
expect_json '.total' 1 "bad creates stored nothing"

# boundaries that must be accepted
req POST /api/v1/tasks/ "$(jq -cn --arg t "$title200" '{title:$t}')"
expect_status 201 "create with a 200-character title is 201"
expect_json '.title | length' 200 "a 200-character title is kept whole"
req POST /api/v1/tasks/ "$(jq -cn --arg d "$desc10000" '{title:"x", description:$d}')"
expect_status 201 "create with a 10000-character description is 201"
expect_json '.description | length' 10000 "a 10000-character description is kept whole"
req POST /api/v1/tasks/ '{"title":"é"}'
expect_status 201 "create with a 1-character non-ASCII title is 201"
# length is in characters, not bytes: 200 two-byte characters fit
req POST /api/v1/tasks/ "$(jq -cn '{title: ("é" * 200)}')"
expect_status 201 "create with a title of 200 two-byte characters is 201"
req POST /api/v1/tasks/ "$(jq -cn '{title: ("é" * 201)}')"
expect_422 "bad: create with a title of 201 two-byte characters" "$T" 1

# ---- body validation on update
req PUT "/api/v1/tasks/$a_task" '{"status":"done"}'
expect_422 "bad: PUT status done" '["body","status"]' 1
req PUT "/api/v1/tasks/$a_task" '{"priority":"urgent"}'
expect_422 "bad: PUT priority urgent" '["body","priority"]' 1
req PUT "/api/v1/tasks/$a_task" '{"title":""}'
expect_422 "bad: PUT title empty" "$T" 1
req PUT "/api/v1/tasks/$a_task" "$(jq -cn --arg t "$title201" '{title:$t}')"
expect_422 "bad: PUT title of 201 characters" "$T" 1
req PUT "/api/v1/tasks/$a_task" "$(jq -cn --arg d "$desc10001" '{description:$d}')"
expect_422 "bad: PUT description of 10001 characters" '["body","description"]' 1
req PUT "/api/v1/tasks/$a_task" '{"due_date":"tomorrow"}'
expect_422 "bad: PUT due_date tomorrow" '["body","due_date"]' 1
req PUT "/api/v1/tasks/$a_task" '{"status":null}'
expect_422 "bad: PUT status null" '["body","status"]' 1
req PUT "/api/v1/tasks/$a_task" '{"priority":null}'
expect_422 "bad: PUT priority null" '["body","priority"]' 1
req PUT "/api/v1/tasks/$a_task" '{"title":"","priority":"urgent","status":"done"}'
expect_422 "bad: PUT several problems" "$T" 1 '["body","priority"]' 1 '["body","status"]' 1
req PUT "/api/v1/tasks/$a_task" '{"title":'
expect_422 "bad: PUT malformed JSON" '["body"]' 1
req GET "/api/v1/tasks/$a_task"
expect_json '[.title, .status, .priority, .description, .due_date] | tojson' '["A task","todo","medium",null,null]' \
	"bad PUTs changed nothing"

# ---- another user's task: 404, never revealed, never changed
create_task "$B_TOKEN" '{"title":"B secret","description":"private","priority":"high"}'
b_task=${TASK_ID:-0}
TOKEN=$B_TOKEN req GET "/api/v1/tasks/$b_task"
b_before=$BODY

TOKEN=$A_TOKEN req GET "/api/v1/tasks/$b_task"
expect_status 404 "bad: A GET B's task is 404"
expect_body_json '{"detail":"Task not found"}' "bad: A GET B's task says Task not found"
TOKEN=$A_TOKEN req PUT "/api/v1/tasks/$b_task" '{"title":"pwned","status":"completed"}'
expect_status 404 "bad: A PUT B's task is 404"
expect_body_json '{"detail":"Task not found"}' "bad: A PUT B's task says Task not found"
TOKEN=$A_TOKEN req PUT "/api/v1/tasks/$b_task" '{"is_completed":true}'
expect_status 404 "bad: A PUT is_completed on B's task is 404"
TOKEN=$A_TOKEN req DELETE "/api/v1/tasks/$b_task"
expect_status 404 "bad: A DELETE B's task is 404"
expect_body_json '{"detail":"Task not found"}' "bad: A DELETE B's task says Task not found"
TOKEN=$A_TOKEN req GET '/api/v1/tasks/?limit=100'
expect_json "[.tasks[].id] | index($b_task)" null "bad: B's task is not in A's list"
expect_json "all(.tasks[]; .owner_id == $A_ID)" true "A's list holds only A's tasks"
TOKEN=$B_TOKEN req GET "/api/v1/tasks/$b_task"
expect_status 200 "B's task still exists"
expect_body_json "$b_before" "B's task is unchanged (B's GET)"
TOKEN=$B_TOKEN req GET '/api/v1/tasks/'
expect_json "[.tasks[].id] | tojson" "[$b_task]" "B's list holds only B's task"

# ---- the admin sees all tasks
TOKEN=$ADM_TOKEN req GET "/api/v1/tasks/$b_task"
expect_status 200 "admin GET another user's task is 200"
expect_json '.owner_id' "$B_ID" "admin GET another user's task: owner_id is B"
expect_json '.title' "B secret" "admin GET another user's task: title"
if before=$(psql_exec "SELECT count(*) FROM tasks WHERE id < $a_task"); then
	TOKEN=$ADM_TOKEN req GET "/api/v1/tasks/?skip=$before&limit=100"
	expect_status 200 "admin list with skip is 200"
	expect_json '.tasks[0].id' "$a_task" "admin list includes A's task at its place in id order"
	expect_json "[.tasks[].id] | index($b_task) != null" true "admin list includes B's task"
	expect_json "[.tasks[].owner_id] | (index($A_ID) != null and index($B_ID) != null)" true "admin list mixes owners"
	expect_json '[.tasks[].id] == ([.tasks[].id] | sort)' true "admin list is in id order"
	expect_json ".total >= $((before + 2))" true "admin list total counts every user's tasks"
	expect_json ".page" "$((before / 100 + 1))" "admin list page is skip/limit+1"
else
	fail "setup: count tasks with psql" "psql failed"
fi
TOKEN=$ADM_TOKEN req GET '/api/v1/tasks/?status=todo&limit=100'
expect_json 'all(.tasks[]; .status == "todo")' true "admin list status filter applies"

finish
