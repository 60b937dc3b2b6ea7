#!/usr/bin/env bash
# Per-service pools: NGINX (nginx/services.conf.in) sends
# /api/v1/auth/ to an auth pool (host 1) and everything else to a task pool (hosts 2
# and 3): the same binary, sized apart. The whole API test suite runs through it.
# The full run (make test-cluster) also measures task reads while a flood of logins
# (bcrypt cost 12) saturates the auth pool, against the same flood on the shared
# layout, and checks the stated bound: task reads all succeed, p99 under 100 ms.
# shellcheck source=tests/cluster/lib.sh
. "$(dirname "$0")/lib.sh"

# No replica here: several API tests change rows behind the API's back (psql) and read
# at once, which a replica answers only after replay (read-your-writes covers writes
# made through the API; test_read_routing.sh covers the replica).
cluster_up services CLUSTER_LAYOUT=services CLUSTER_HOSTS=3 AUTH_HOSTS=1 AUTH_WORKERS=2 TASK_WORKERS=3 \
	BCRYPT_COST=4 REPLICA=0
logs() { cat "$CLUSTER_DIR/hosts/h$1/log/taskapi.log"; }
in_log() { logs "$1" | grep -qF "\"request_id\":\"$2\""; }

# ---- the whole API through the gateway (the short run: the files that cover both pools).
# test_metrics.sh counts exact increments of one pool's counters: behind a balancer each
# host's pool counts its own share (Prometheus scrapes every host), so it runs on the
# one-host stack only; the gateway's /metrics rule is checked below. test_hostile.sh and
# test_security_headers.sh check the one-host template's own edge (JSON 400/414/431/429,
# 16 KB header buffers, the /app/ policy) and that one pool's workers: one-host only too.
# test_docs.sh checks the static files (/openapi.json, /docs, /redoc) the one-host
# template serves; the gateway routes only the API.
suite=()
for f in "$REPO"/tests/api/test_*.sh; do
	[[ $f == */test_metrics.sh || $f == */test_hostile.sh || $f == */test_security_headers.sh ||
		$f == */test_docs.sh ]] ||
		suite+=("$(basename "$f" .sh)")
done
[ "$SHORT" = 1 ] && suite=(test_register test_login test_tasks test_users)
"$REPO/tests/api/run" "${suite[@]}" 2>&1 | sed 's/^\(not \)\{0,1\}ok - /&services: /' | grep -E '^(not )?ok - |API:' | tee "$CLUSTER_WORK/api.log" |
	grep -E '^not ok|API:'
api_failed=$(grep -c '^not ok - ' "$CLUSTER_WORK/api.log")
api_passed=$(grep -c '^ok - ' "$CLUSTER_WORK/api.log")
# The suite's own lines are counted by the runner (scripts/test); this file reports its total.
check "the API test suite (${#suite[@]} files) passes through the per-service gateway ($api_passed passed, $api_failed failed)" \
	test "$api_failed" -eq 0 -a "$api_passed" -gt 200

# ---- routing: auth to host 1 only, tasks and users to hosts 2 and 3 only
register_user S
rid_login=$(TOKEN='' req POST /api/v1/auth/login "$(jq -cn --arg u "$S_NAME" --arg p "$S_PASSWORD" '{username: $u, password: $p}')" &&
	header_value x-request-id)
check "a login is served by the auth pool (host 1)" in_log 1 "$rid_login"
check "a login never reaches the task pool" bash -c "! grep -qF '$rid_login' '$CLUSTER_DIR'/hosts/h2/log/taskapi.log '$CLUSTER_DIR'/hosts/h3/log/taskapi.log"
for path in /api/v1/tasks/ /api/v1/users/me; do
	rids=
	for _ in 1 2 3 4; do
		TOKEN=$S_TOKEN req GET "$path"
		rids+="$(header_value x-request-id) "
	done
	on_task=0 on_auth=0
	for r in $rids; do
		{ in_log 2 "$r" || in_log 3 "$r"; } && on_task=$((on_task + 1))
		in_log 1 "$r" && on_auth=$((on_auth + 1))
	done
	check "GET $path is served by the task pool (4 of 4 on hosts 2-3: $on_task, on host 1: $on_auth)" \
		test "$on_task" = 4 -a "$on_auth" = 0
done

# ---- the gateway keeps /metrics to loopback
TOKEN='' req GET /metrics
expect_status 200 "GET /metrics from 127.0.0.1 through the gateway is 200"
expect_header content-type '^text/plain' "GET /metrics is the text exposition format"
TOKEN='' req GET /metrics "" --interface 127.0.0.2
expect_status 404 "bad: GET /metrics from 127.0.0.2 through the gateway is 404"
expect_body_json '{"detail":"Not Found"}' "bad: the refusal is the API's 404 body"

[ "$SHORT" = 1 ] && finish

# ---- measurement: task reads while logins saturate the auth pool
# wrk_ms FILE PCT: a latency percentile of `wrk --latency` in ms.
wrk_ms() {
	awk -v p="$2%" '$1 == p { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
		print (u == "us" ? v / 1000 : u == "s" ? v * 1000 : v) }' "$1"
}
wrk_rps() { awk '/^Requests\/sec/ { print $2 }' "$1"; }
# wrk_bad FILE: responses that were not 2xx (wrk's "Non-2xx or 3xx"), plus socket errors.
wrk_bad() {
	awk '/Non-2xx or 3xx responses:/ { n += $NF } /Socket errors:/ { gsub(/[^0-9 ]/, " "); for (i = 1; i <= NF; i++) n += $i }
		END { print n + 0 }' "$1"
}
# measure NAME: task-list reads alone, then under a 16-connection login flood.
measure() {
	local name=$1 d=$CLUSTER_WORK/m-$1 t
	mkdir -p "$d"
	TOKEN='' req POST /api/v1/auth/register '{"email":"flood@example.com","username":"flooder","password":"Flood1234"}'
	login flooder Flood1234
	t=$LOGIN_TOKEN
	for _ in $(seq 1 20); do TOKEN=$t req POST /api/v1/tasks/ '{"title":"read me"}'; done
	wrk -t2 -c4 -d8s --latency -H "Authorization: Bearer $t" "$BASE_URL/api/v1/tasks/?limit=10" >"$d/base.txt"
	LOGIN_USER=flooder LOGIN_PASSWORD=Flood1234 wrk -t2 -c16 -d14s --timeout 30s --latency \
		-s "$here/login.lua" "$BASE_URL/api/v1/auth/login" >"$d/flood.txt" 2>&1 &
	local flood=$!
	sleep 3
	wrk -t2 -c4 -d8s --timeout 30s --latency -H "Authorization: Bearer $t" "$BASE_URL/api/v1/tasks/?limit=10" >"$d/under.txt"
	wait "$flood"
	printf '# %-34s | %7s %7s %8s | %7s %7s %8s %7s | %8s %9s %7s\n' "$name" \
		"$(wrk_ms "$d/base.txt" 50)" "$(wrk_ms "$d/base.txt" 99)" "$(wrk_rps "$d/base.txt")" \
		"$(wrk_ms "$d/under.txt" 50)" "$(wrk_ms "$d/under.txt" 99)" "$(wrk_rps "$d/under.txt")" \
		"$(wrk_bad "$d/under.txt")" \
		"$(wrk_rps "$d/flood.txt")" "$(wrk_ms "$d/flood.txt" 50)" "$(wrk_bad "$d/flood.txt")"
}
echo "# task reads (GET /api/v1/tasks/?limit=10, 4 connections) alone and under a login flood"
echo "# (16 connections, bcrypt cost 12); times in ms; a 2-core machine shared with other runs"
echo "# (failed: non-2xx answers and socket errors; a failed request is fast, so look at it first)"
printf '# %-34s | %7s %7s %8s | %7s %7s %8s %7s | %8s %9s %7s\n' layout "p50" "p99" "req/s" "p50" "p99" "req/s" "failed" \
	"logins/s" "login p50" "failed"
echo "#                                    | task reads alone         | task reads under the flood       | the login flood"
# The auth pool: bcrypt cost 12, confined to CPU 1 as if it were a host of its own.
sed -i 's/^BCRYPT_COST=.*/BCRYPT_COST=12/; s/^POOL_CPUS=.*/POOL_CPUS=1/' "$CLUSTER_DIR/hosts/h1/pool.env"
pool stop 1 >/dev/null && pool start 1 >/dev/null
measure "services: auth 2 workers, task 2x3"
services_p99=$(wrk_ms "$CLUSTER_WORK/m-services: auth 2 workers, task 2x3/under.txt" 99)
services_bad=$(wrk_bad "$CLUSTER_WORK/m-services: auth 2 workers, task 2x3/under.txt")
services_base=$(wrk_ms "$CLUSTER_WORK/m-services: auth 2 workers, task 2x3/base.txt" 99)
cluster_down
cluster_up shared CLUSTER_HOSTS=3 TASKAPI_WORKERS=3 BCRYPT_COST=12
measure "shared: 3x3 workers, all routes"
shared_p99=$(wrk_ms "$CLUSTER_WORK/m-shared: 3x3 workers, all routes/under.txt" 99)
shared_bad=$(wrk_bad "$CLUSTER_WORK/m-shared: 3x3 workers, all routes/under.txt")
check "bound: with per-service pools, task reads under the login flood all succeed and their p99 stays under 100 ms ($services_bad failed, p99 $services_p99 ms; alone $services_base ms; shared layout: $shared_bad failed, p99 $shared_p99 ms)" \
	awk -v v="$services_p99" -v bad="$services_bad" 'BEGIN { exit !(v != "" && v < 100 && bad == 0) }'
finish
