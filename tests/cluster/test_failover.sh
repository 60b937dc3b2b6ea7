#!/usr/bin/env bash
# Failover under load. Three hosts in network namespaces behind the
# balancer; the verifying load client (load.lua: creates, reads back, lists) runs while
#   (a) host 1's whole pool is killed with SIGKILL (and later started again),
#   (b) host 2 becomes unreachable: its namespace's link goes down,
#   (c) host 2's link comes back.
# Checked: no GET ever fails (NGINX retries it on another host); every failed write
# was sent to a lost host; every acknowledged write is in the table; both hosts serve
# again afterwards. Reported: requests, non-2xx, recovery time of each fault.
# shellcheck source=tests/cluster/lib.sh
. "$(dirname "$0")/lib.sh"

cluster_up failover CLUSTER_NET=netns CLUSTER_HOSTS=3 TASKAPI_WORKERS=3 BCRYPT_COST=4
load_user
h1=$(host_addr 1) h2=$(host_addr 2)
if [ "$SHORT" = 1 ]; then
	# after the heal, more than a read timeout (5 s) plus fail_timeout (5 s) of load:
	# a host marked failed by the last request it lost is tried again only then
	dur=30 t_kill=3 t_restart=8 t_cut=11 t_heal=16
else
	dur=45 t_kill=6 t_restart=14 t_cut=20 t_heal=32
fi

out=$CLUSTER_WORK/failover
t0=$(now_s)
load_run "$out" "$dur" "$LOAD_TOKEN" failover
at "$t_kill"
t_a=$(now_s)
pool kill 1 >/dev/null
at "$t_restart"
pool start 1 >/dev/null
t_r=$(now_s)
at "$t_cut"
t_b=$(now_s)
pool link-down 2
at "$t_heal"
t_c=$(now_s)
pool link-up 2
wait "$LOAD_PID"

echo "# failover: $(load_summary "$out")"
echo "# failover: wrk: $(grep -E 'Requests/sec|Latency' "$out/wrk.txt" | xargs)"
bad_gets=$(load_count "$out" '($3 == "GET1" || $3 == "LIST") && ($4 < 200 || $4 > 299)')
check "no GET failed during the faults ($bad_gets non-2xx)" test "$bad_gets" -eq 0
errs=$(load_socket_errors "$out")
check "the client saw no socket error ${errs:+($errs)}" test -z "$errs"
sent=$(load_count "$out" '1')
check "the load ran through every phase ($sent requests)" test "$sent" -gt 200

# Failed writes, from the balancer's log: each must have been sent to a lost host.
access=$CLUSTER_DIR/nginx/access.log
failed_posts=$(jq -c 'select(.method == "POST" and (.status < 200 or .status > 299))
	| {status, upstream_addr, msec}' "$access")
n_failed=$(grep -c . <<<"$failed_posts" || true)
elsewhere=$(jq -r --arg a "$h1" --arg b "$h2" 'select((.upstream_addr | contains($a) or contains($b)) | not)' <<<"$failed_posts")
check "every failed write ($n_failed) was in flight on a lost host" test -z "$elsewhere"
missing=$(load_acked_missing "$out")
acked=$(load_count "$out" '$3 == "POST" && $4 == 201')
check "every acknowledged write ($acked) is in the tasks table${missing:+ (missing: $missing)}" test -z "$missing"

# Recovery: from a fault to the end of the last disturbed request (non-2xx or over
# 1 s) that started between that fault and the next event.
recovery() { # FROM TO: "SECONDS (N requests failed or slower than 1 s, the slowest S s)"
	cat "$out"/thread-*.log | awk -v from="$1" -v to="$2" '
		$1 >= from - 0.5 && $1 < to && ($4 < 200 || $4 > 299 || $2 - $1 > 1) {
			n++; if ($2 > last) last = $2; if ($2 - $1 > slow) slow = $2 - $1 }
		END { printf "%.2f s (%d requests failed or slower than 1 s, the slowest %.2f s)", last ? last - from : 0, n, slow }'
}
# Back in rotation: the first request a host answered after a time.
back_after() { # ADDR FROM
	jq -r --arg a "$1:" --argjson from "$2" \
		'select(.msec > $from and (.upstream_addr | startswith($a)) and .upstream_status == "200") | .msec' \
		"$access" | head -n 1 | awk -v from="$2" '{ printf "%.2f", $1 - from }'
}
rec_a=$(recovery "$t_a" "$t_r") rec_b=$(recovery "$t_b" "$t_c")
back1=$(back_after "$h1" "$t_r") back2=$(back_after "$h2" "$t_c")
echo "# failover: (a) SIGKILL of host 1's pool: disturbed for ${rec_a}; host 1 restarted, serving again after ${back1:-never} s"
echo "# failover: (b) host 2's link down for $(awk -v a="$t_b" -v b="$t_c" 'BEGIN { printf "%.0f", b - a }') s: disturbed for ${rec_b}"
echo "# failover: (c) host 2's link up: serving again after ${back2:-never} s"
echo "# failover: failed writes: $n_failed; acknowledged writes: $acked"
jq -r --argjson a "$t_a" --argjson b "$t_b" '"# failover:   failed write at " +
	(if .msec < $b then "(a)+\(.msec - $a | . * 100 | floor / 100) s" else "(b)+\(.msec - $b | . * 100 | floor / 100) s" end) +
	": status \(.status), upstream \(.upstream_addr) (\(.upstream_status)), \(.request_time) s"' <<<"$failed_posts" 2>/dev/null || true
check "host 1 serves again after its restart" test -n "$back1"
check "host 2 serves again after its link is back" test -n "$back2"
for i in 1 2 3; do
	check "host $i answers /health directly afterwards" bash -c "[[ \$('$REPO/scripts/cluster-pool' health $i) == *healthy* ]]"
done
check "the hosts were network namespaces with veth links ($HOST_NETNS)" \
	test "$(grep -c '^netns ' "$CLUSTER_DIR/state")" = 3 -a "$(grep -c '^link tkv' "$CLUSTER_DIR/state")" = 3
cluster_down_verified

finish
