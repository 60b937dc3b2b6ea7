#!/usr/bin/env bash
# Gateway parity: the cluster balancer (nginx/cluster.conf.in) and
# the per-service gateway (nginx/services.conf.in) carry the one-host template's edge.
# For each, on a small cluster with the default rate limits, this runs the same edge
# tests as the one-host stack (tests/api/test_security_headers.sh, test_hostile.sh,
# test_request_id.sh: security headers and CSP, JSON error pages, request ids, hostile
# input), then checks the rate limits (429 in JSON with Retry-After, per client address)
# and that /metrics answers loopback only.
# shellcheck source=tests/cluster/lib.sh
. "$(dirname "$0")/lib.sh"

# edge_tests LAYOUT HOST: the one-host edge tests against this gateway, their lines
# prefixed. test_hostile.sh checks that no worker died: it is shown HOST's pool (the
# one its requests reach) as a one-host stack's VAR_DIR.
edge_tests() {
	local t var=$CLUSTER_WORK/var-$1 h=$CLUSTER_DIR/hosts/h$2
	mkdir -p "$var/run"
	cp "$h/pool.pid" "$var/run/taskapi.pid"
	printf 'BASE_URL=%q\nTASKAPI_LOG_FILE=%q\n' "$BASE_URL" "$h/log/taskapi.log" >"$var/run/env"
	local suites=(test_security_headers test_request_id)
	# The hostile-input suite (the application's answers, mostly) in the full run only.
	[ "$SHORT" = 1 ] || suites+=(test_hostile)
	for t in "${suites[@]}"; do
		VAR_DIR=$var BASE_URL=$BASE_URL DATABASE_URL=$DATABASE_URL bash "$REPO/tests/api/$t.sh" 2>&1 |
			sed "s/^\(not \)\{0,1\}ok - /&gateway $1: /"
	done
}
# from ADDRESS METHOD PATH [BODY]: a request whose connection comes from ADDRESS
# (all of 127/8 is local: each address is a client of its own for the limits).
from() {
	local addr=$1
	shift
	TOKEN='' req "$1" "$2" "${3-}" --interface "$addr"
}

# make test (CLUSTER_SHORT=1) checks the shared layout's gateway; make test-cluster both.
layouts="shared services"
[ "$SHORT" != 1 ] || layouts=shared
[ -z "${GATEWAY_LAYOUTS:-}" ] || layouts=$GATEWAY_LAYOUTS
for layout in $layouts; do
	# shared: one host takes every request; services: host 2 is the task pool.
	if [[ $layout == shared ]]; then hosts=1 main=1; else hosts=2 main=2; fi
	cluster_up "gw$layout" CLUSTER_LAYOUT="$layout" CLUSTER_HOSTS=$hosts AUTH_HOSTS=1 REPLICA=0 \
		TASKAPI_WORKERS=2 BCRYPT_COST=4 RATE_LIMIT=on \
		RATE_LIMIT_AUTH=5r/s RATE_LIMIT_AUTH_BURST=10 RATE_LIMIT_API=500r/s RATE_LIMIT_API_BURST=1000 \
		DB_LOCK_TIMEOUT_MS=10000
	edge_tests "$layout" "$main"

	# The database stuck behind a lock (the lock timeout raised above, so the statement
	# timeout is what ends the wait): the pool answers within the balancer's 5 s read
	# timeout (cluster-up's deadline 3 s + statement timeout 1.5 s), 503 + Retry-After in
	# the API's JSON, and nothing is committed; NGINX's 504 would mean it gave up first.
	register_user S
	PGAPPNAME=taskapi-test-lock psql "$DATABASE_URL" -qAtX -c "BEGIN; LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(10); COMMIT;" \
		>/dev/null 2>&1 &
	locker=$!
	locked() { [ "$(psql "$DATABASE_URL" -qAtX -c "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'tasks' AND l.mode = 'AccessExclusiveLock' AND l.granted")" = 1 ]; }
	wait_for 10 locked
	title="stuck $layout $(unique)"
	for m in POST GET; do
		args=(-s -o "$CLUSTER_WORK/stuck.body" -D "$CLUSTER_WORK/stuck.head" -w '%{http_code} %{time_total}'
			--max-time 30 -H "Authorization: Bearer $S_TOKEN")
		[ $m = GET ] || args+=(-H 'Content-Type: application/json' --data-binary "{\"title\":\"$title\"}")
		out=$(curl "${args[@]}" -X $m "$BASE_URL/api/v1/tasks/")
		retry=$(tr -d '\r' <"$CLUSTER_WORK/stuck.head" | awk -F': ' 'tolower($1) == "retry-after" { print $2 }')
		echo "# gateway $layout: $m /api/v1/tasks/ with tasks locked: status and seconds $out"
		check "gateway $layout: $m with the database stuck: the pool's 503 with Retry-After, not NGINX's 504 ($out, $(cat "$CLUSTER_WORK/stuck.body"))" \
			test "${out%% *}" = 503 -a -n "$retry" -a "$(jq -r .detail "$CLUSTER_WORK/stuck.body" 2>/dev/null)" = 'Service temporarily unavailable'
	done
	psql "$DATABASE_URL" -qAtX -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'taskapi-test-lock'" >/dev/null
	wait "$locker" 2>/dev/null
	check "gateway $layout: the create answered 503 committed nothing" \
		test "$(psql "$DATABASE_URL" -qAtX -c "SELECT count(*) FROM tasks WHERE title = '$title'")" = 0

	# NGINX's own 500 and 504 (the pages every template shares, nginx/edge-server.conf):
	# the API's JSON, the request id, no Retry-After (a 504's outcome is unknown).
	# 500: a body too big for memory cannot be buffered to disk, its temp directory
	# replaced by a file (so that even workers running as root fail).
	tmp=$CLUSTER_DIR/nginx/client_body
	mv "$tmp" "$tmp.away" && touch "$tmp"
	head -c 200000 /dev/zero | tr '\0' x | sed 's/^/{"title":"/; s/$/"}/' >"$CLUSTER_WORK/big.json"
	edge_page() { # edge_page STATUS DETAIL-PREFIX CURL-ARGS...: one request and its checks
		local want=$1 detail=$2 id="edge-$want-$(unique)" got rid
		shift 2
		got=$(curl -s -o "$CLUSTER_WORK/edge.body" -D "$CLUSTER_WORK/edge.head" -w '%{http_code} %{time_total}' \
			--max-time 30 -H "X-Request-ID: $id" -H "Authorization: Bearer $S_TOKEN" "$@")
		rid=$(tr -d '\r' <"$CLUSTER_WORK/edge.head" | awk -F': ' 'tolower($1) == "x-request-id" { print $2 }')
		echo "# gateway $layout: NGINX's own $want: status and seconds $got"
		check "gateway $layout: NGINX's own $want is the API's JSON with the request id, no Retry-After ($got, $(cat "$CLUSTER_WORK/edge.body"))" \
			bash -c "[ '${got%% *}' = $want ] && [ '$rid' = '$id' ] && jq -e '.detail | startswith(\"$detail\")' '$CLUSTER_WORK/edge.body' >/dev/null && ! grep -qi '^Retry-After:' '$CLUSTER_WORK/edge.head'"
	}
	edge_page 500 "Internal server error" -H 'Content-Type: application/json' --data-binary @"$CLUSTER_WORK/big.json" "$BASE_URL/api/v1/tasks/"
	rm -f "$tmp" && mv "$tmp.away" "$tmp"
	# 504: every worker of the host stopped (SIGSTOP) past the read timeout.
	stopped=$(pool_workers "$(cat "$CLUSTER_DIR/hosts/h$main/pool.pid")")
	kill -STOP $stopped
	edge_page 504 "Gateway Timeout" "$BASE_URL/api/v1/tasks/"
	kill -CONT $stopped

	# The auth limit (5 r/s, burst 10): 60 logins in a row from one address, one curl on
	# one kept connection (no process start between them), get 429s. A new name each
	# time: the application's own throttle of failed logins per name must not be what
	# answers 429.
	c=127.0.0.$((70 + RANDOM % 50))
	flood=$CLUSTER_WORK/flood-$layout
	mkdir -p "$flood"
	for k in $(seq 1 60); do
		((k == 1)) || echo next
		printf 'url = "%s/api/v1/auth/login"\nheader = "Content-Type: application/json"\n' "$BASE_URL"
		printf 'data = "{\\"username\\":\\"nobody_%s_%s\\",\\"password\\":\\"Wrong-Passw0rd\\"}"\n' "$RANDOM" "$k"
		printf 'output = "%s/%s.body"\ndump-header = "%s/%s.head"\n' "$flood" "$k" "$flood" "$k"
		printf 'interface = "%s"\nmax-time = 30\nsilent\n' "$c"
	done >"$flood/curl.cfg"
	timeout 300 curl -K "$flood/curl.cfg"
	n429=$(grep -l '^HTTP/1.1 429' "$flood"/*.head 2>/dev/null | wc -l)
	one=$(grep -l '^HTTP/1.1 429' "$flood"/*.head 2>/dev/null | head -n 1)
	body429=$( [ -n "$one" ] && cat "${one%.head}.body")
	retry=$( [ -n "$one" ] && tr -d '\r' <"$one" | awk -F': ' 'tolower($1) == "retry-after" { print $2 }')
	check "gateway $layout: a login flood from one address is limited ($n429 of 60 answered 429)" test "$n429" -gt 0
	check "gateway $layout: the 429 is the API's JSON with Retry-After ($body429, Retry-After ${retry:-none})" \
		test "$body429" = '{"detail":"Too Many Requests"}' -a -n "$retry"
	from 127.0.0.$((130 + RANDOM % 50)) POST /api/v1/auth/login "{\"username\":\"nobody_$RANDOM\",\"password\":\"Wrong-Passw0rd\"}"
	check "gateway $layout: another address is not limited by it (status $STATUS)" test "$STATUS" = 401
	from "$c" GET /health
	check "gateway $layout: the flooding address still reaches the API's other routes (status $STATUS)" test "$STATUS" = 200

	# /metrics: loopback only; any other address gets the API's 404.
	from 127.0.0.1 GET /metrics
	check "gateway $layout: /metrics answers loopback (status $STATUS)" test "$STATUS" = 200
	from "$c" GET /metrics
	check "gateway $layout: /metrics from another address is the API's 404 ($STATUS $BODY)" \
		test "$STATUS" = 404 -a "$BODY" = '{"detail":"Not Found"}'
	cluster_down_verified
done

finish
