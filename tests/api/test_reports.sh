#!/usr/bin/env bash
# Reports made by the job daemons (the stack runs `taskapi work`): POST /api/v1/reports
# answers 202 with Location, the report and its job committed by one statement; GET
# /{id} shows status and progress, then the summary or the download link; the download
# is the CSV (RFC 4180 quoting, UTF-8, CRLF) of exactly the filtered tasks, streamed
# with a Content-Length; others get 404; expired reports are gone; validation; the
# original POST /reports/generate shape.
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

R=/api/v1/reports
register_user P
register_user Q
register_admin A
TOKEN=$P_TOKEN

create_task "$P_TOKEN" '{"title":"plain","priority":"high"}'
T1=$TASK_ID
create_task "$P_TOKEN" "$(jq -cn '{title: "a \"quoted\", title\nover two lines ü€", description: "d,e"}')"
T2=$TASK_ID
create_task "$P_TOKEN" '{"title":"done one","status":"completed","due_date":"2020-01-01T00:00:00Z"}'
T3=$TASK_ID
create_task "$Q_TOKEN" '{"title":"not P'\''s"}'

# report_done ID TOKEN: status done or failed
report_finished() {
	TOKEN=$2 req GET "$R/$1"
	[[ $(jq -r .status <<<"$BODY") =~ ^(done|failed)$ ]]
}

# ---- CSV of P's todo tasks
TOKEN=$P_TOKEN req POST $R '{"kind":"tasks_csv","filters":{"status":"todo"}}'
expect_status 202 "POST /reports is 202"
expect_json '[.kind, .status] | tojson' '["tasks_csv","queued"]' "it answers queued"
ID=$(jq -r .id <<<"$BODY")
expect_location "/api/v1/reports/$ID" "Location names the report"
expect_json .url "$(base_prefix)/api/v1/reports/$ID" "url is the Location"
if wait_for 30 report_finished "$ID" "$P_TOKEN"; then ok "the daemons make the report"; else
	fail "report made" "$(_last)"; fi
expect_json '[.status, .progress.rows_done, .progress.rows_total, .progress.percent, .download_url] | tojson' \
	"[\"done\",2,2,100,\"/api/v1/reports/$ID/download\"]" "done: progress and download link"
expect_json_match .expires_at "$TS_RE" "it says when it expires"
bytes=$(jq -r .bytes <<<"$BODY")
TOKEN=$P_TOKEN req GET "$R/$ID/download"
expect_status 200 "download is 200"
expect_header content-type '^text/csv; charset=utf-8' "download is text/csv utf-8"
expect_header content-disposition "^attachment; filename=\"tasks-report-$ID.csv\"\$" "as an attachment"
expect_header content-length "^$bytes\$" "Content-Length is the stored size"
curl -s -H "Authorization: Bearer $P_TOKEN" "$BASE_URL$R/$ID/download" -o "$_T/report.csv"
expected=$(printf 'id,title,description,status,priority,due_date,created_at,updated_at,completed_at\r\n')
check "first line is the header, ending in CRLF" test "$(head -n 1 "$_T/report.csv")" = "$expected"
# Parse it as a CSV reader would (python's csv module follows RFC 4180).
parsed=$(python3 -c '
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
print(json.dumps([[r[0], r[1], r[2], r[3], r[4]] for r in rows[1:]], ensure_ascii=False, separators=(",", ":")))' "$_T/report.csv")
want=$(jq -cn --arg t1 "$T1" --arg t2 "$T2" \
	'[[$t1, "plain", "", "todo", "high"], [$t2, "a \"quoted\", title\nover two lines ü€", "d,e", "todo", "medium"]]')
check "the CSV parses back (RFC 4180) into exactly the filtered tasks, UTF-8 intact" test "$parsed" = "$want"
check "the body is exactly Content-Length bytes" test "$(stat -c %s "$_T/report.csv")" = "$bytes"

# ---- summary
TOKEN=$P_TOKEN req POST $R '{"kind":"tasks_summary"}'
SID=$(jq -r .id <<<"$BODY")
wait_for 30 report_finished "$SID" "$P_TOKEN"
expect_json '[.status, .summary.total, .summary.by_status.completed, .summary.by_priority.high, .summary.overdue, .download_url] | tojson' \
	'["done",3,1,1,0,null]' "tasks_summary: the counts of the caller's tasks"
TOKEN=$P_TOKEN req GET "$R/$SID/download"
expect_status 404 "a summary has no download"

# ---- who may see it
TOKEN=$Q_TOKEN req GET "$R/$ID"
expect_status 404 "another user: GET is 404"
TOKEN=$Q_TOKEN req GET "$R/$ID/download"
expect_status 404 "another user: download is 404"
TOKEN=$A_TOKEN req GET "$R/$ID"
expect_status 200 "an admin sees it"
TOKEN=$Q_TOKEN req POST $R "{\"kind\":\"tasks_csv\",\"filters\":{\"owner_id\":$P_ID}}"
expect_status 403 "owner_id of someone else: 403 for a user"
TOKEN=$A_TOKEN req POST $R "{\"kind\":\"tasks_summary\",\"filters\":{\"owner_id\":$P_ID}}"
expect_status 202 "owner_id: an admin may report on a user's tasks"
AID=$(jq -r .id <<<"$BODY")
wait_for 30 report_finished "$AID" "$A_TOKEN"
expect_json .summary.total 3 "the admin's report covers that user's tasks"
TOKEN='' req GET "$R/$ID"
expect_status 401 "no credential: 401"

# ---- not ready, expiry
psql_exec "UPDATE reports SET status = 'running' WHERE id = $ID" >/dev/null
TOKEN=$P_TOKEN req GET "$R/$ID/download"
expect_status 409 "download before it is done: 409"
expect_header retry-after '^[0-9]+$' "with Retry-After"
psql_exec "UPDATE reports SET status = 'done', expires_at = now() - interval '1 second' WHERE id = $ID" >/dev/null
TOKEN=$P_TOKEN req GET "$R/$ID"
expect_status 404 "an expired report is 404"

# ---- validation
TOKEN=$P_TOKEN req POST $R '{"kind":"pdf"}'
expect_status 422 "unknown kind: 422"
TOKEN=$P_TOKEN req POST $R '{"filters":{}}'
expect_status 422 "kind missing: 422"
TOKEN=$P_TOKEN req POST $R '{"kind":"tasks_csv","filters":{"status":"bad","due_before":"never","x":1}}'
expect_status 422 "bad filters: 422"
expect_json '[.detail[].loc | join(".")] | sort | join(" ")' 'body.filters.due_before body.filters.status body.filters.x' \
	"each bad filter named at body.filters.<name>"
TOKEN=$P_TOKEN req POST $R '{"kind":"tasks_csv","filters":[1]}'
expect_status 422 "filters not an object: 422"
TOKEN=$P_TOKEN req GET "$R/abc"
expect_status 422 "non-numeric id: 422"
TOKEN=$P_TOKEN req GET "$R/999999999"
expect_status 404 "unknown id: 404"

# ---- the original deployment's shape
TOKEN=$P_TOKEN req POST $R/generate ''
expect_status 202 "POST /reports/generate with no body is 202"
expect_json '[.message, .kind, .status] | tojson' '["Report generation started","tasks_csv","queued"]' \
	"it answers the original message, a CSV of the caller's tasks"
GID=$(jq -r .id <<<"$BODY")
wait_for 30 report_finished "$GID" "$P_TOKEN"
expect_json '[.status, .progress.rows_done] | tojson' '["done",3]' "that report covers all the caller's tasks"

finish
