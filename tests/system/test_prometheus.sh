#!/usr/bin/env bash
# The real consumer: Debian's Prometheus scrapes the running stack's /metrics (through
# NGINX, from loopback) every second; once it has scraped at least twice, its HTTP API
# must return values for rate(http_requests_total[...]) and for
# histogram_quantile(0.99, ...) over the request duration histogram.
# Needs BASE_URL. Prometheus runs on a free loopback port with a temp storage dir and is
# stopped by pid on exit.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../api/lib.sh
. "$here/../api/lib.sh"
REPO=$(cd "$here/../.." && pwd)

prom_pid="" load_pid=""
cleanup() {
	if [ -n "$load_pid" ]; then kill "$load_pid" 2>/dev/null; wait "$load_pid" 2>/dev/null; fi
	if [ -n "$prom_pid" ]; then
		kill "$prom_pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$prom_pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$prom_pid" 2>/dev/null
		wait "$prom_pid" 2>/dev/null
	fi
	rm -rf "$_T"
}
at_exit cleanup

target=${BASE_URL#http://}
target=${target%%/*}
cat >"$_T/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: taskapi
    metrics_path: /metrics
    static_configs:
      - targets: ['$target']
EOF
# Started on a free port; if that port is taken before Prometheus binds it (other tests
# run on this machine), Prometheus exits and another port is tried.
for _ in 1 2 3; do
	port=$("$REPO/scripts/free-port")
	prom=http://127.0.0.1:$port
	rm -rf "$_T/data"
	mkdir -p "$_T/data"
	/usr/bin/prometheus --config.file="$_T/prometheus.yml" --storage.tsdb.path="$_T/data" \
		--web.listen-address="127.0.0.1:$port" --log.level=warn >"$_T/prometheus.log" 2>&1 &
	prom_pid=$!
	for _ in $(seq 100); do
		curl -fs -o /dev/null "$prom/-/ready" && break 2
		kill -0 "$prom_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$prom_pid" 2>/dev/null
	wait "$prom_pid" 2>/dev/null
	prom_pid=""
done
if [ -n "$prom_pid" ]; then
	ok "Prometheus runs on 127.0.0.1:$port"
else
	fail "Prometheus runs on a free loopback port" "$(tail -n 5 "$_T/prometheus.log")"
	finish
fi

# Traffic while Prometheus scrapes, so rates and quantiles have something to show.
(
	while :; do
		curl -s -o /dev/null "$BASE_URL/health"
		curl -s -o /dev/null "$BASE_URL/api/v1/tasks/1"
		sleep 0.05
	done
) &
load_pid=$!

# query PROMQL: the JSON answer of the instant query in $_T/answer; 0 when it succeeded.
query() {
	curl -s --max-time 5 -G "$prom/api/v1/query" --data-urlencode "query=$1" >"$_T/answer" &&
		jq -e '.status == "success"' "$_T/answer" >/dev/null
}
# The first finite value of the query's result vector, or nothing.
first_value() {
	jq -r '[.data.result[] | .value[1] | select(. != "NaN" and . != "+Inf" and . != "-Inf")][0] // empty' "$_T/answer"
}
scraped_twice() {
	query 'count_over_time(up{job="taskapi"}[1m])' && [ "$(first_value)" -ge 2 ] 2>/dev/null
}
has_value() { query "$1" && [ -n "$(first_value)" ]; }

if wait_for 60 scraped_twice; then
	ok "Prometheus scraped the pool at least twice"
else
	fail "Prometheus scraped the pool at least twice" "$(tail -n 5 "$_T/prometheus.log") $(cat "$_T/answer" 2>/dev/null)"
fi
query 'up{job="taskapi"}'
check "the scrape target is up" test "$(first_value)" = 1

rate_q='sum by (route) (rate(http_requests_total{job="taskapi",route="/health"}[10s]))'
if wait_for 20 has_value "$rate_q"; then
	ok "rate(http_requests_total[10s]) for /health has a value: $(first_value) req/s"
	check "and it is above zero" awk -v v="$(first_value)" 'BEGIN { exit !(v > 0) }'
else
	fail "rate(http_requests_total[10s]) has a value" "$(cat "$_T/answer")"
fi

p99_q='histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{job="taskapi"}[10s])))'
if wait_for 20 has_value "$p99_q"; then
	ok "histogram_quantile(0.99, ...) has a value: $(first_value) s for $(jq -r '.data.result[0].metric.route' "$_T/answer")"
	check "and it is a duration in (0, 10]" awk -v v="$(first_value)" 'BEGIN { exit !(v > 0 && v <= 10) }'
else
	fail "histogram_quantile(0.99, ...) has a value" "$(cat "$_T/answer")"
fi

query 'users_total{job="taskapi"}'
check "the business gauge users_total is stored by Prometheus" test -n "$(first_value)"
query 'sum(workers_alive{job="taskapi"})'
check "workers_alive is stored by Prometheus" test "$(first_value)" -ge 1

finish
