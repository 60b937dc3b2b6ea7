#!/usr/bin/env bash
# GET/PUT /api/v1/users/me/preferences: defaults when unset, partial updates, null resets,
# validation (ranges, sorts, time zones PostgreSQL knows, notification booleans, unknown
# keys), and the task list using default_page_size and default_sort when the request
# gives none.
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

register_user P
register_user Q
TOKEN=$P_TOKEN
P=/api/v1/users/me/preferences
DEFAULTS='{"default_page_size":10,"default_sort":"id","timezone":"UTC","notifications":{"task_created":true,"task_completed":true,"due_soon":true}}'

req GET $P
expect_status 200 "GET preferences is 200"
expect_header content-type '^application/json; charset=utf-8$' "preferences answer JSON utf-8"
expect_body_json "$DEFAULTS" "unset preferences are the defaults"

# ---- partial updates
req PUT $P '{"default_page_size":25}'
expect_status 200 "PUT default_page_size is 200"
expect_body_json "$(jq -c '.default_page_size = 25' <<<"$DEFAULTS")" "PUT answers every preference, one changed"
req PUT $P '{"default_sort":"-due_date","timezone":"Europe/Paris"}'
expect_body_json "$(jq -c '.default_page_size = 25 | .default_sort = "-due_date" | .timezone = "Europe/Paris"' <<<"$DEFAULTS")" \
	"PUT two more: the earlier one kept"
req PUT $P '{"notifications":{"due_soon":false}}'
expect_json '.notifications | tojson' '{"task_created":true,"task_completed":true,"due_soon":false}' \
	"PUT one notification: the others kept"
req PUT $P '{"notifications":{"task_created":false}}'
expect_json '.notifications | tojson' '{"task_created":false,"task_completed":true,"due_soon":false}' \
	"PUT another notification: earlier ones kept"
req PUT $P '{}'
expect_status 200 "PUT {} is 200"
expect_json '[.default_page_size, .default_sort, .timezone] | tojson' '[25,"-due_date","Europe/Paris"]' "PUT {} changes nothing"
req GET $P
expect_json '[.default_page_size, .default_sort, .timezone, .notifications.due_soon] | tojson' \
	'[25,"-due_date","Europe/Paris",false]' "GET shows what was PUT"
TOKEN=$Q_TOKEN req GET $P
expect_body_json "$DEFAULTS" "another user's preferences are untouched"
for tz in America/New_York Asia/Kolkata UTC Etc/GMT+5 America/Argentina/Buenos_Aires; do
	req PUT $P "{\"timezone\":\"$tz\"}"
	expect_status 200 "timezone $tz is accepted"
done

# ---- null resets to the default
req PUT $P '{"timezone":null,"default_page_size":null}'
expect_json '[.default_page_size, .timezone, .default_sort] | tojson' '[10,"UTC","-due_date"]' "null resets a preference to its default"
req PUT $P '{"notifications":null}'
expect_json '.notifications | tojson' '{"task_created":true,"task_completed":true,"due_soon":true}' "notifications null resets all three"
req PUT $P '{"default_sort":null}'
expect_body_json "$DEFAULTS" "all reset: the defaults again"

# ---- validation
bad() { # NAME BODY LOC
	req PUT $P "$2"
	expect_422 "bad: $1" "$3" 1
	expect_no_leak "bad: $1 leaks nothing"
}
bad "default_page_size 0" '{"default_page_size":0}' '["body","default_page_size"]'
bad "default_page_size 101" '{"default_page_size":101}' '["body","default_page_size"]'
bad "default_page_size -5" '{"default_page_size":-5}' '["body","default_page_size"]'
bad "default_page_size \"5\"" '{"default_page_size":"5"}' '["body","default_page_size"]'
bad "default_page_size 5.5" '{"default_page_size":5.5}' '["body","default_page_size"]'
bad "default_page_size true" '{"default_page_size":true}' '["body","default_page_size"]'
bad "default_page_size huge" '{"default_page_size":99999999999999999999999}' '["body","default_page_size"]'
bad "default_sort bogus" '{"default_sort":"bogus"}' '["body","default_sort"]'
bad "default_sort --id" '{"default_sort":"--id"}' '["body","default_sort"]'
bad "default_sort 5" '{"default_sort":5}' '["body","default_sort"]'
bad "timezone unknown" '{"timezone":"Mars/Olympus_Mons"}' '["body","timezone"]'
bad "timezone in lowercase" '{"timezone":"europe/paris"}' '["body","timezone"]'
bad "timezone with spaces" '{"timezone":"Europe/ Paris"}' '["body","timezone"]'
bad "timezone with a quote" "{\"timezone\":\"Europe/Paris'; --\"}" '["body","timezone"]'
bad "timezone empty" '{"timezone":""}' '["body","timezone"]'
bad "timezone 101 characters" "{\"timezone\":\"$(printf 'A%.0s' {1..101})\"}" '["body","timezone"]'
bad "timezone a number" '{"timezone":1}' '["body","timezone"]'
bad "notifications a list" '{"notifications":[true]}' '["body","notifications"]'
bad "notifications a string" '{"notifications":"all"}' '["body","notifications"]'
bad "notification not a boolean" '{"notifications":{"due_soon":"yes"}}' '["body","notifications","due_soon"]'
bad "notification null" '{"notifications":{"task_created":null}}' '["body","notifications","task_created"]'
bad "unknown notification" '{"notifications":{"sms":true}}' '["body","notifications","sms"]'
bad "unknown key" '{"colour":"blue"}' '["body","colour"]'
bad "a key in the wrong case" '{"Default_Page_Size":5}' '["body","Default_Page_Size"]'
req PUT $P '{"default_page_size":0,"default_sort":"x","timezone":"Nowhere/Land","notifications":{"x":1},"y":2}'
expect_422 "bad: several problems at once" '["body","default_page_size"]' 1 '["body","default_sort"]' 1 \
	'["body","notifications","x"]' 1 '["body","y"]' 1
req PUT $P '{"default_page_size":'
expect_422 "bad: malformed JSON" '["body"]' 1
req PUT $P '[]'
expect_422 "bad: a JSON array"
req GET $P
expect_body_json "$DEFAULTS" "bad PUTs changed nothing"
TOKEN='' req GET $P
expect_status 401 "bad: GET preferences without a token is 401"
TOKEN='' req PUT $P '{}'
expect_status 401 "bad: PUT preferences without a token is 401"
req DELETE $P
expect_status 405 "bad: DELETE preferences is 405"

# ---- the list uses default_page_size and default_sort when the request gives none
for i in $(seq 1 14); do
	create_task "$P_TOKEN" "$(jq -cn --argjson i "$i" '{title: ("t" + (100 - $i | tostring)), priority: (["low","medium","high"][$i % 3])}')"
done
req GET '/api/v1/tasks/?limit=100'
all=$BODY
req PUT $P '{"default_page_size":4,"default_sort":"-title"}'
req GET /api/v1/tasks/
expect_json '.page_size' 4 "list without limit: page_size is default_page_size"
expect_json '.tasks | length' 4 "list without limit: default_page_size tasks"
expect_json '[.tasks[].title] | tojson' "$(jq -c '[.tasks[].title] | sort | reverse | .[0:4]' <<<"$all")" \
	"list without sort: ordered by default_sort"
c=$(jq -r .next_cursor <<<"$BODY")
req GET "/api/v1/tasks/?cursor=$c"
expect_json '[.tasks[].title] | tojson' "$(jq -c '[.tasks[].title] | sort | reverse | .[4:8]' <<<"$all")" \
	"the next page keeps the preferred sort and size"
req GET '/api/v1/tasks/?skip=8'
expect_json '[.page, .page_size, (.tasks | length)] | tojson' '[3,4,4]' "offset paging with default_page_size: page skip/size+1"
expect_json '.tasks[0].title' "$(jq -r '[.tasks[].title] | sort | reverse | .[8]' <<<"$all")" "offset paging uses default_sort"
req GET '/api/v1/tasks/?limit=2&sort=id'
expect_json '[.page_size, ([.tasks[].id] | tojson)] | tojson' "$(jq -c '[2, ([.tasks[].id][0:2] | tojson)]' <<<"$all")" \
	"limit and sort given: they win over the preferences"
req GET '/api/v1/tasks/?sort=priority'
expect_json '.tasks | length' 4 "sort given, no limit: default_page_size still applies"
req GET '/api/v1/tasks/?limit=3'
expect_json '[.tasks[].title] | tojson' "$(jq -c '[.tasks[].title] | sort | reverse | .[0:3]' <<<"$all")" \
	"limit given, no sort: default_sort still applies"
req PUT $P '{"default_sort":"priority"}'
req GET /api/v1/tasks/
expect_json '[.tasks[].priority] | unique | tojson' '["low"]' "a changed default_sort applies at once"
TOKEN=$Q_TOKEN req GET /api/v1/tasks/
expect_json '.page_size' 10 "another user's list keeps the default page size"

finish
