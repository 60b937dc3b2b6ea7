#!/usr/bin/env bash
# Filters of GET /api/v1/tasks/, alone and combined: status and priority lists, due_before,
# due_after, overdue, created_after, created_before, q (full-text search over title and
# description), owner_id (admins); total counts the matches; bad values are 422 with the
# parameter in loc.
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

register_user F
register_user G
register_admin ADM
TOKEN=$F_TOKEN

past1="2020-01-01T00:00:00Z" past2="2023-06-15T12:00:00Z" soon="2099-01-01T00:00:00Z"
mk() { # TITLE STATUS PRIORITY DUE DESCRIPTION
	create_task "$F_TOKEN" "$(jq -cn --arg t "$1" --arg s "$2" --arg p "$3" --arg d "$4" --arg x "$5" \
		'{title:$t, status:$s, priority:$p} + (if $d == "" then {} else {due_date:$d} end)
		 + (if $x == "" then {} else {description:$x} end)')"
}
mk "Write the quarterly report" todo high "$past1" "numbers for the board"
mk "Review reports" in_progress medium "$past2" ""
mk "Call the plumber" todo low "" "kitchen sink leaks"
mk "Book flights" completed high "$past1" "holiday in Lisbon"
mk "Pay invoice" todo medium "$soon" "the plumber's invoice"
mk "Renew passport" in_progress low "$soon" ""
mk "Garden" completed low "" "mow the lawn, report to neighbours"
mk "Dentist" todo high "$past2" "checkup"
sleep 1.1
mark=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
sleep 1.1
mk "Late task one" todo medium "" "created after the mark"
mk "Late task two" completed high "$soon" "created after the mark, report"
create_task "$G_TOKEN" '{"title":"G report","description":"report of G"}'
g_task=$TASK_ID

req GET '/api/v1/tasks/?limit=100'
all=$BODY
expect_json '.total' 10 "setup: F has 10 tasks"
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# filter NAME QUERY JQ-SELECT: the list with QUERY is exactly the tasks JQ-SELECT keeps,
# in id order, and total counts them.
filter() {
	local want
	want=$(jq -c --arg now "$now" --arg mark "$mark" "[.tasks[] | select($3) | .id]" <<<"$all")
	req GET "/api/v1/tasks/?limit=100&$2"
	expect_status 200 "$1 is 200"
	expect_json '[.tasks[].id] | tojson' "$want" "$1: exactly the matching tasks"
	expect_json '.total' "$(jq length <<<"$want")" "$1: total counts the matches"
}
filter "status=todo" "status=todo" '.status == "todo"'
filter "status=todo,completed" "status=todo,completed" '.status != "in_progress"'
filter "status=completed,todo,completed" "status=completed,todo,completed" '.status != "in_progress"'
filter "priority=high" "priority=high" '.priority == "high"'
filter "priority=low,medium" "priority=low,medium" '.priority != "high"'
filter "status=todo&priority=high" "status=todo&priority=high" '.status == "todo" and .priority == "high"'
filter "due_before" "due_before=2024-01-01T00:00:00Z" '.due_date != null and .due_date < "2024-01-01"'
filter "due_after" "due_after=2021-01-01T00:00:00Z" '.due_date != null and .due_date > "2021-01-01"'
filter "due_after and due_before" "due_after=2021-01-01&due_before=2024-01-01" \
	'.due_date != null and .due_date > "2021-01-01" and .due_date < "2024-01-01"'
filter "due_before with an offset" "due_before=2020-01-01T01:00:00%2B02:00" '.due_date != null and .due_date < "2019-12-31T23:00:00Z"'
filter "overdue=true" "overdue=true" '.due_date != null and .due_date < $now and .status != "completed"'
filter "overdue=false" "overdue=false" '(.due_date != null and .due_date < $now and .status != "completed") | not'
filter "overdue=1" "overdue=1" '.due_date != null and .due_date < $now and .status != "completed"'
filter "created_after" "created_after=$mark" '.created_at > $mark'
filter "created_before" "created_before=$mark" '.created_at < $mark'
filter "created_after and priority" "created_after=$mark&priority=high" '.created_at > $mark and .priority == "high"'
filter "q=report" "q=report" '(.title + " " + (.description // "")) | test("report"; "i")'
filter "q=reports (stemmed)" "q=reports" '(.title + " " + (.description // "")) | test("report"; "i")'
filter "q=plumber (title or description)" "q=plumber" '(.title + " " + (.description // "")) | test("plumber"; "i")'
filter "q=REPORT (any case)" "q=REPORT" '(.title + " " + (.description // "")) | test("report"; "i")'
filter "q=two words" "q=kitchen%20sink" '(.description // "") | test("kitchen sink")'
filter "q=quoted phrase" 'q=%22mow%20the%20lawn%22' '(.description // "") | test("mow the lawn")'
filter "q=with exclusion" "q=report%20-quarterly" \
	'((.title + " " + (.description // "")) | test("report"; "i")) and ((.title | test("quarterly"; "i")) | not)'
filter "q=nothing matches" "q=xylophone" 'false'
filter "q=report&status=todo" "q=report&status=todo" '.status == "todo" and ((.title + " " + (.description // "")) | test("report"; "i"))'
filter "q=report&overdue=true" "q=report&overdue=true" \
	'((.title + " " + (.description // "")) | test("report"; "i")) and .due_date != null and .due_date < $now and .status != "completed"'
filter "q=only punctuation" "q=%21%21" 'false'
filter "every filter at once" \
	"status=todo,in_progress&priority=high,medium&due_before=2030-01-01&due_after=2019-01-01&overdue=true&created_before=$mark&q=report" \
	'(.status != "completed") and (.priority != "low") and .due_date != null and .due_date < "2030" and .due_date > "2019" and .created_at < $mark and ((.title + " " + (.description // "")) | test("report"; "i"))'
filter "unknown parameters are ignored" "colour=red&status=todo" '.status == "todo"'

# G's tasks never show in F's list, even when they match
req GET '/api/v1/tasks/?q=report&limit=100'
expect_json "[.tasks[].id] | index($g_task)" null "q: another user's matching task is not listed"

# q= follows edits: the words of a new title or description are found, the old ones
# no longer; an update of other fields keeps the task's words
create_task "$G_TOKEN" '{"title":"Tune the harpsichord","description":"before the recital"}'
h_task=$TASK_ID
q_ids() { TOKEN=$G_TOKEN req GET "/api/v1/tasks/?q=$1&limit=100"; jq -c '[.tasks[].id]' <<<"$BODY"; }
TOKEN=$G_TOKEN req PATCH "/api/v1/tasks/$h_task" '{"status":"in_progress","priority":"high"}'
expect_status 200 "q after edits: status and priority changed"
expect_json '[.status, .priority] | tojson' '["in_progress","high"]' "q after edits: the change is answered"
check "q after edits: a status change keeps the title's words" test "$(q_ids harpsichord)" = "[$h_task]"
check "q after edits: a status change keeps the description's words" test "$(q_ids recital)" = "[$h_task]"
TOKEN=$G_TOKEN req PATCH "/api/v1/tasks/$h_task" '{"title":"Tune the clavichord"}'
check "q after edits: the new title's words are found" test "$(q_ids clavichord)" = "[$h_task]"
check "q after edits: the old title's words are not" test "$(q_ids harpsichord)" = "[]"
check "q after edits: a title change keeps the description's words" test "$(q_ids recital)" = "[$h_task]"
TOKEN=$G_TOKEN req PUT "/api/v1/tasks/$h_task" '{"title":"Tune the clavichord","description":"after the concert"}'
expect_status 200 "q after edits: PUT with a new description"
check "q after edits: the new description's words are found" test "$(q_ids concert)" = "[$h_task]"
check "q after edits: the old description's words are not" test "$(q_ids recital)" = "[]"
TOKEN=$G_TOKEN req PATCH "/api/v1/tasks/$h_task" '{"description":null}'
check "q after edits: a cleared description's words are not found" test "$(q_ids concert)" = "[]"
check "q after edits: the title's words still are" test "$(q_ids clavichord)" = "[$h_task]"

# ---- owner_id: admins see one owner's tasks; users only their own
TOKEN=$ADM_TOKEN req GET "/api/v1/tasks/?owner_id=$F_ID&limit=100"
expect_status 200 "admin owner_id=F is 200"
expect_json '[.tasks[].id] | tojson' "$(jq -c '[.tasks[].id]' <<<"$all")" "admin owner_id=F: F's tasks"
expect_json '.total' 10 "admin owner_id=F: total 10"
TOKEN=$ADM_TOKEN req GET "/api/v1/tasks/?owner_id=$F_ID&status=completed&sort=-id&limit=100"
expect_json '[.tasks[].id] | tojson' "$(jq -c '[.tasks[] | select(.status == "completed") | .id] | reverse' <<<"$all")" \
	"admin owner_id=F&status=completed&sort=-id"
TOKEN=$ADM_TOKEN req GET "/api/v1/tasks/?owner_id=$G_ID&q=report"
expect_json '[.tasks[].id] | tojson' "[$g_task]" "admin owner_id=G&q=report: G's task"
TOKEN=$ADM_TOKEN req GET "/api/v1/tasks/?owner_id=$F_ID&limit=3&sort=title"
c=$(jq -r .next_cursor <<<"$BODY")
TOKEN=$ADM_TOKEN req GET "/api/v1/tasks/?owner_id=$F_ID&limit=3&cursor=$c"
expect_json '[.tasks[].title] | tojson' "$(jq -c '[.tasks[].title] | sort | .[3:6]' <<<"$all")" "admin owner_id with a cursor: next page"
TOKEN=$ADM_TOKEN req GET "/api/v1/tasks/?owner_id=$G_ID&limit=3&cursor=$c"
expect_422 "bad: admin cursor for owner F used for owner G" '["query","cursor"]' 1
TOKEN=$ADM_TOKEN req GET "/api/v1/tasks/?q=report&limit=100"
expect_json "[.tasks[].owner_id] | (index($F_ID) != null and index($G_ID) != null)" true "admin q=report without owner_id: every owner's matches"
TOKEN=$ADM_TOKEN req GET "/api/v1/tasks/?owner_id=999999999"
expect_json '[.total, (.tasks | length)] | tojson' '[0,0]' "admin owner_id of nobody: empty"
TOKEN=$ADM_TOKEN req GET "/api/v1/tasks/?sort=title&limit=5"
expect_status 200 "admin, everyone's tasks by title: 200"
expect_json '[.tasks[].title] == ([.tasks[].title] | sort)' true "admin, everyone's tasks by title: sorted"
TOKEN=$ADM_TOKEN req GET "/api/v1/tasks/?sort=-id&limit=5"
expect_json '[.tasks[].id] == ([.tasks[].id] | sort | reverse)' true "admin, everyone's tasks by -id: sorted"
c=$(jq -r .next_cursor <<<"$BODY")
last=$(jq -r '.tasks[-1].id' <<<"$BODY")
TOKEN=$ADM_TOKEN req GET "/api/v1/tasks/?sort=-id&limit=5&cursor=$c"
expect_json ".tasks[0].id < $last" true "admin, everyone's tasks by -id: the cursor continues below"

req GET "/api/v1/tasks/?owner_id=$G_ID"
expect_status 403 "bad: a user asking for another owner's tasks is 403"
expect_body_json '{"detail":"Not enough permissions. Admin access required."}' "bad: user owner_id=other says Not enough permissions"
req GET "/api/v1/tasks/?owner_id=$F_ID"
expect_status 200 "a user asking for owner_id=self is 200"
expect_json '.total' 10 "owner_id=self: own tasks"

# ---- bad values: 422 with the parameter in loc, all reported at once
bad() { # NAME QUERY PARAM
	req GET "/api/v1/tasks/?$2"
	expect_422 "bad: $1" "[\"query\",\"$3\"]" 1
	expect_no_leak "bad: $1 leaks nothing"
}
bad "sort=bogus" "sort=bogus" sort
bad "sort=--id" "sort=--id" sort
bad "sort=ID" "sort=ID" sort
bad "sort=" "sort=" sort
bad "sort=description" "sort=description" sort
bad "status=todo,bogus" "status=todo,bogus" status
bad "status= (empty)" "status=" status
bad "status=todo," "status=todo," status
bad "status=,todo" "status=,todo" status
bad "status=TODO" "status=TODO" status
bad "priority=urgent" "priority=urgent" priority
bad "priority=high,,low" "priority=high,,low" priority
bad "due_before=not-a-date" "due_before=not-a-date" due_before
bad "due_before=2024-13-01" "due_before=2024-13-01" due_before
bad "due_after=tomorrow" "due_after=tomorrow" due_after
bad "due_after= (empty)" "due_after=" due_after
bad "created_after=2024-02-30" "created_after=2024-02-30" created_after
bad "created_before=1700000000" "created_before=1700000000" created_before
bad "overdue=yes" "overdue=yes" overdue
bad "overdue= (empty)" "overdue=" overdue
bad "overdue=TRUE" "overdue=TRUE" overdue
bad "q= (empty)" "q=" q
bad "q of 201 characters" "q=$(printf 'a%.0s' {1..201})" q
bad "q with a NUL" "q=a%00b" q
bad "q with a newline" "q=a%0Ab" q
bad "q with bad UTF-8" "q=%C3%28" q
bad "owner_id=abc" "owner_id=abc" owner_id
bad "owner_id=0" "owner_id=0" owner_id
bad "owner_id=-1" "owner_id=-1" owner_id
bad "owner_id=1.5" "owner_id=1.5" owner_id
bad "skip=-1 with a sort" "skip=-1&sort=title" skip
bad "limit=101 with filters" "limit=101&status=todo" limit
req GET "/api/v1/tasks/?q=$(printf 'é%.0s' {1..200})"
expect_status 200 "q of 200 two-byte characters is 200"
req GET '/api/v1/tasks/?sort=nope&status=x&priority=y&due_before=z&due_after=z&created_after=z&created_before=z&overdue=z&q=&owner_id=z&limit=0&skip=-1'
expect_422 "bad: every parameter wrong at once" '["query","sort"]' 1 '["query","status"]' 1 '["query","priority"]' 1 \
	'["query","due_before"]' 1 '["query","due_after"]' 1 '["query","created_after"]' 1 '["query","created_before"]' 1 \
	'["query","overdue"]' 1 '["query","q"]' 1 '["query","owner_id"]' 1 '["query","limit"]' 1 '["query","skip"]' 1
TOKEN='' req GET '/api/v1/tasks/?sort=nope'
expect_status 401 "bad: bad parameters without a token are 401 first"
# SQL-looking input is data, never SQL
filter "q with SQL in it" "q=%27%3B%20DROP%20TABLE%20tasks%3B--" 'false'
req GET "/api/v1/tasks/?limit=100"
expect_json '.total' 10 "the tasks are all still there"

finish
