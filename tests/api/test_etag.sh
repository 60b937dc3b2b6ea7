#!/usr/bin/env bash
# Conditional requests on /api/v1/tasks/{id}: ETag on GET (and on PUT/PATCH answers),
# changing on every update; If-None-Match gives 304 without a body; If-Match on PUT,
# PATCH and DELETE applies only to the current version, else 412; of concurrent updates
# of one version exactly one succeeds. PATCH is the same partial update as PUT.
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

register_user E
register_user E2
register_admin ADM
TOKEN=$E_TOKEN
create_task "$E_TOKEN" '{"title":"Versioned","description":"v1"}'
t=$TASK_ID

etag() { header_value etag; }

# ---- GET: an ETag, stable while nothing changes
req GET "/api/v1/tasks/$t"
expect_status 200 "GET is 200"
expect_header etag "^\"$t-[0-9]+\"$" "GET has an ETag \"<id>-<version>\""
e1=$(etag)
req GET "/api/v1/tasks/$t"
check "the ETag is the same on a second GET" test "$(etag)" = "$e1"
req HEAD "/api/v1/tasks/$t" "" --head
check "HEAD has the same ETag" test "$(etag)" = "$e1"
TOKEN=$ADM_TOKEN req GET "/api/v1/tasks/$t"
check "an admin sees the same ETag" test "$(etag)" = "$e1"

# ---- If-None-Match
req GET "/api/v1/tasks/$t" '' -H "If-None-Match: $e1"
expect_status 304 "If-None-Match with the current ETag is 304"
check "304 has no body" test -z "$BODY"
check "304 carries the ETag" test "$(etag)" = "$e1"
expect_no_header content-length "304 has no Content-Length"
req GET "/api/v1/tasks/$t" '' -H "If-None-Match: \"other\", $e1"
expect_status 304 "If-None-Match with a list holding the ETag is 304"
req GET "/api/v1/tasks/$t" '' -H "If-None-Match: W/$e1"
expect_status 304 "If-None-Match with the weak form of the ETag is 304"
req GET "/api/v1/tasks/$t" '' -H "If-None-Match: *"
expect_status 304 "If-None-Match: * on an existing task is 304"
req GET "/api/v1/tasks/$t" '' -H "If-None-Match: \"$t-999\""
expect_status 200 "If-None-Match with another ETag is 200"
expect_json '.id' "$t" "If-None-Match with another ETag: the task"
req GET "/api/v1/tasks/999999999" '' -H "If-None-Match: *"
expect_status 404 "If-None-Match on a missing task is 404"
TOKEN=$E2_TOKEN req GET "/api/v1/tasks/$t" '' -H "If-None-Match: $e1"
expect_status 404 "bad: If-None-Match on another user's task is 404, not 304"

# ---- the ETag changes on every update, PUT and PATCH alike
req PUT "/api/v1/tasks/$t" '{"description":"v2"}'
expect_status 200 "PUT is 200"
e2=$(etag)
check "PUT answers with a new ETag" test -n "$e2" -a "$e2" != "$e1"
req GET "/api/v1/tasks/$t"
check "GET after PUT shows the PUT's ETag" test "$(etag)" = "$e2"
req GET "/api/v1/tasks/$t" '' -H "If-None-Match: $e1"
expect_status 200 "If-None-Match with the old ETag after an update is 200"
req PATCH "/api/v1/tasks/$t" '{}'
e3=$(etag)
check "even an empty PATCH is an update with a new ETag" test -n "$e3" -a "$e3" != "$e2"

# ---- If-Match: only the current version
req PUT "/api/v1/tasks/$t" '{"title":"stale write"}' -H "If-Match: $e1"
expect_status 412 "PUT with an old If-Match is 412"
expect_body_json '{"detail":"Precondition Failed"}' "412 says Precondition Failed"
req PATCH "/api/v1/tasks/$t" '{"title":"stale write"}' -H "If-Match: $e2"
expect_status 412 "PATCH with an old If-Match is 412"
req GET "/api/v1/tasks/$t"
expect_json '.title' Versioned "412s changed nothing"
check "412s left the version" test "$(etag)" = "$e3"
req PATCH "/api/v1/tasks/$t" '{"title":"current write"}' -H "If-Match: $e3"
expect_status 200 "PATCH with the current If-Match is 200"
expect_json '.title' "current write" "PATCH with the current If-Match applied"
e4=$(etag)
req PUT "/api/v1/tasks/$t" '{"priority":"high"}' -H "If-Match: \"x\", $e4"
expect_status 200 "If-Match with a list holding the current ETag is 200"
e5=$(etag)
req PUT "/api/v1/tasks/$t" '{"priority":"low"}' -H "If-Match: W/$e5"
expect_status 412 "If-Match with a weak tag is 412 (strong comparison)"
req PUT "/api/v1/tasks/$t" '{"priority":"low"}' -H 'If-Match: "garbage"'
expect_status 412 "If-Match with a foreign tag is 412"
other_id=$((t + 1000000))
req PUT "/api/v1/tasks/$t" '{"priority":"low"}' -H "If-Match: \"$other_id-${e5#*-}"
expect_status 412 "If-Match with another task's id and this version is 412"
req PUT "/api/v1/tasks/$t" '{"priority":"low"}' -H 'If-Match: *'
expect_status 200 "If-Match: * on an existing task is 200"
e6=$(etag)
req PUT "/api/v1/tasks/999999999" '{"title":"x"}' -H 'If-Match: *'
expect_status 404 "If-Match on a missing task is 404"
TOKEN=$E2_TOKEN req PUT "/api/v1/tasks/$t" '{"title":"x"}' -H "If-Match: $e6"
expect_status 404 "bad: If-Match on another user's task is 404, not 412"
req PUT "/api/v1/tasks/$t" '{"title":""}' -H "If-Match: $e1"
expect_422 "bad: a body error with a stale If-Match is 422 first" '["body","title"]' 1

# ---- PATCH is the same partial update as PUT
req PATCH "/api/v1/tasks/$t" '{"description":null,"due_date":"2030-01-01T00:00:00+01:00"}'
expect_status 200 "PATCH with null and a date is 200"
expect_json '[.description, .due_date, .title] | tojson' '[null,"2029-12-31T23:00:00Z","current write"]' \
	"PATCH: null clears, the date is stored in UTC, other fields unchanged"
req PATCH "/api/v1/tasks/$t" '{"is_completed":true}'
expect_json '[.status, .is_completed] | tojson' '["completed",true]' "PATCH is_completed true sets status completed"
req PATCH "/api/v1/tasks/$t" '{"status":"todo","is_completed":true}'
expect_422 "bad: PATCH with status and is_completed disagreeing"
req PATCH "/api/v1/tasks/$t" '{"title":null}'
expect_422 "bad: PATCH title null" '["body","title"]' 1
req PATCH /api/v1/tasks/abc '{"title":"x"}'
expect_422 "bad: PATCH /tasks/abc" '["path","id"]' 1
TOKEN=$E2_TOKEN req PATCH "/api/v1/tasks/$t" '{"title":"pwned"}'
expect_status 404 "bad: PATCH another user's task is 404"
TOKEN='' req PATCH "/api/v1/tasks/$t" '{"title":"x"}'
expect_status 401 "bad: PATCH without a token is 401"
req OPTIONS "/api/v1/tasks/$t" '' -H 'Origin: http://localhost:3000' -H 'Access-Control-Request-Method: PATCH' \
	-H 'Access-Control-Request-Headers: If-Match, Content-Type'
expect_status 204 "a CORS preflight for PATCH with If-Match is 204"
expect_header_token access-control-allow-headers if-match "the preflight allows If-Match"
req GET "/api/v1/tasks/$t" '' -H 'Origin: http://localhost:3000'
expect_header_token access-control-expose-headers etag "browsers may read the ETag"

# ---- two clients update the same version at once: exactly one wins, every time
concurrent_round() { # N: N PATCHes with the same If-Match; prints the sorted statuses
	local n=$1 e i
	req GET "/api/v1/tasks/$t"
	e=$(etag)
	for i in $(seq "$n"); do
		curl -s -o /dev/null -w '%{http_code}\n' -X PATCH -H "Authorization: Bearer $TOKEN" \
			-H 'Content-Type: application/json' -H "If-Match: $e" \
			--data-binary "{\"description\":\"writer $i\"}" "$BASE_URL/api/v1/tasks/$t" >"$_T/race_$i" &
	done
	wait
	cat "$_T"/race_* | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}'
	rm -f "$_T"/race_*
}
rounds_ok=0
for round in 1 2 3 4 5 6 7 8 9 10; do
	got=$(concurrent_round 2)
	[[ $got == "200:1 412:1 " ]] && rounds_ok=$((rounds_ok + 1)) || echo "# round $round: $got"
done
check "2 concurrent PATCHes of one version: one 200 and one 412, 10 rounds out of 10" test "$rounds_ok" = 10
got=$(concurrent_round 8)
check "8 concurrent PATCHes of one version: one 200, seven 412" test "$got" = "200:1 412:7 "
req GET "/api/v1/tasks/$t"
expect_json '.description | test("^writer [0-9]+$")' true "the winner's write is the one stored"

# ---- DELETE with If-Match
e_now=$(etag)
req DELETE "/api/v1/tasks/$t" '' -H "If-Match: $e1"
expect_status 412 "DELETE with an old If-Match is 412"
req GET "/api/v1/tasks/$t"
expect_status 200 "the task survived the 412 DELETE"
req DELETE "/api/v1/tasks/$t" '' -H "If-Match: $e_now"
expect_status 204 "DELETE with the current If-Match is 204"
req DELETE "/api/v1/tasks/$t" '' -H "If-Match: $e_now"
expect_status 404 "DELETE again with If-Match is 404"

finish
