#!/usr/bin/env bash
# GET /metrics: the Prometheus text format for the whole pool, accepted by promtool;
# counters that match the requests sent; route labels that are patterns, not paths;
# the business gauges; and NGINX serving it to loopback and METRICS_ALLOW only.
# Expects METRICS_ALLOW to contain 127.0.0.3 (scripts/test sets it) and
# TASKAPI_METRICS_REFRESH to be the pool's setting (default 5).
. "$(dirname "$0")/lib.sh"

refresh=${TASKAPI_METRICS_REFRESH:-5}

# scrape: the pool's metrics into $_T/metrics (status in STATUS).
scrape() {
	req GET /metrics
	printf '%s\n' "$BODY" >"$_T/metrics"
}
# value SERIES: the value of the sample named exactly SERIES (name{labels}), 0 when absent.
value() {
	awk -v s="$1" '$1 == s { print $2; found = 1 } END { if (!found) print 0 }' "$_T/metrics"
}

# ---- the format
scrape
expect_status 200 "GET /metrics answers 200"
expect_header Content-Type '^text/plain; version=0\.0\.4' "the content type is the text format 0.0.4"
if out=$(promtool check metrics <"$_T/metrics" 2>&1); then
	ok "promtool check metrics accepts the output"
else
	fail "promtool check metrics accepts the output" "$out"
fi
for f in "http_requests_total counter" "http_request_duration_seconds histogram" \
	"http_requests_in_flight gauge" "db_query_duration_seconds histogram" "db_errors_total counter" \
	"db_reconnects_total counter" "workers_alive gauge" "worker_restarts_total counter" \
	"process_resident_memory_bytes gauge" "taskapi_build_info gauge" "users_total untyped" \
	"tasks_total untyped" "db_up gauge"; do
	check "family $f" grep -qx "# TYPE $f" "$_T/metrics"
done
check "build info names the version" grep -q '^taskapi_build_info{version="1.0.0",build="[^"]*"} 1$' "$_T/metrics"
check "workers_alive counts the pool's workers" test "$(value workers_alive)" -ge 1
check "the /metrics request itself is in flight" test "$(value http_requests_in_flight)" -ge 1
check "process_resident_memory_bytes is the pool's memory (over 1 MB)" \
	test "$(value process_resident_memory_bytes)" -gt 1000000

# ---- counters match what was sent (the pool has several workers; each request may land on any)
series='http_requests_total{method="GET",route="/health",status="200"}'
hist='http_request_duration_seconds_count{route="/health"}'
before=$(value "$series") hbefore=$(value "$hist")
for _ in $(seq 30); do req GET /health; done
scrape
check "30 GET /health add exactly 30 to $series" test "$(($(value "$series") - before))" -eq 30
check "and 30 to the /health duration histogram's count" test "$(($(value "$hist") - hbefore))" -eq 30
inf=$(value 'http_request_duration_seconds_bucket{route="/health",le="+Inf"}')
check "the +Inf bucket equals the histogram's count" test "$inf" = "$(value "$hist")"

# ---- route labels are patterns; the raw path never becomes a label
series='http_requests_total{method="GET",route="/api/v1/tasks/{id}",status="401"}'
before=$(value "$series")
TOKEN='' req GET /api/v1/tasks/987654321
TOKEN='' req GET /api/v1/tasks/123456789/
scrape
check "GET /api/v1/tasks/<n> is counted under route /api/v1/tasks/{id}" \
	test "$(($(value "$series") - before))" -eq 2
check "no label holds a raw id" bash -c "! grep -q -e 987654321 -e 123456789 '$_T/metrics'"
series='http_requests_total{method="GET",route="unmatched",status="404"}'
before=$(value "$series")
req GET "/no/such/route/$(unique)"
scrape
check "an unknown path is counted under route=\"unmatched\"" test "$(($(value "$series") - before))" -eq 1
series='http_requests_total{method="POST",route="/api/v1/tasks/{id}",status="405"}'
before=$(value "$series")
req POST /api/v1/tasks/5 '{}'
scrape
check "a 405 is counted with its route and status" test "$(($(value "$series") - before))" -eq 1

# ---- database timings and readiness
before=$(value 'db_query_duration_seconds_count{statement="ready"}')
req GET /health/ready
expect_status 200 "GET /health/ready answers 200 while the primary is up"
expect_json '.status + " " + .database' "ready ok" "the ready body says so"
expect_json '.replica' "null" "no replica part without READ_DATABASE_URL"
scrape
check "the ready statement's duration is recorded" \
	test "$(($(value 'db_query_duration_seconds_count{statement="ready"}') - before))" -eq 1

# ---- business gauges: the database's counts, re-read at most once per interval
register_user M
create_task "$M_TOKEN" '{"title":"metrics gauge","status":"in_progress"}'
gauges_match() {
	scrape
	[[ $(value users_total) == "$(psql_exec 'SELECT count(*) FROM users')" ]] &&
		[[ $(value 'tasks_total{status="in_progress"}') == \
			"$(psql_exec "SELECT count(*) FROM tasks WHERE status = 'in_progress'")" ]] &&
		[[ $(value 'tasks_total{status="todo"}') == "$(psql_exec "SELECT count(*) FROM tasks WHERE status = 'todo'")" ]] &&
		[[ $(value 'tasks_total{status="completed"}') == \
			"$(psql_exec "SELECT count(*) FROM tasks WHERE status = 'completed'")" ]]
}
matched=
for _ in $(seq $((refresh * 10 + 20))); do
	if gauges_match; then matched=1; break; fi
	sleep 0.1
done
check "users_total and tasks_total{status} reach the database's counts" test -n "$matched"
q='db_query_duration_seconds_count{statement="metrics_counts"}'
scrape
before=$(value "$q") start=$(date +%s%N)
for _ in $(seq 25); do scrape; done
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
runs=$(($(value "$q") - before))
allowed=$((elapsed_ms / (refresh * 1000) + 1))
check "25 scrapes in ${elapsed_ms} ms ran the counting query $runs times (at most $allowed)" \
	test "$runs" -le "$allowed"

# ---- who may read it (through NGINX)
req GET /metrics "" --interface 127.0.0.2
expect_status 404 "from 127.0.0.2 (not loopback's 127.0.0.1, not in METRICS_ALLOW): 404"
expect_body_json '{"detail":"Not Found"}' "the refusal is the API's 404 body"
expect_header X-Request-ID '^[0-9a-f]{32}$' "the refusal carries a request id"
req GET /metrics/ "" --interface 127.0.0.2
expect_status 404 "/metrics/ (trailing slash) is refused the same way"
req GET /metrics "" --interface 127.0.0.3
expect_status 200 "from 127.0.0.3, listed in METRICS_ALLOW: 200"
req GET /health "" --interface 127.0.0.2
expect_status 200 "other routes stay open to 127.0.0.2"

finish
