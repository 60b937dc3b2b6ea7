#!/usr/bin/env bash
# Redundant balancers. Two NGINX balancers, each in a network
# namespace with keepalived, share a virtual address by VRRP (scripts/cluster-up
# BALANCERS=2); the clients use only that address. The verifying load client
# (load.lua) runs while the active balancer dies: SIGKILL of every process in its
# namespace (NGINX and keepalived: the connections it held are reset), then its link
# is taken down, as a machine that is gone (it no longer answers ARP either).
# Checked: the other balancer takes the address over; requests sent after the take-over
# succeed on the same address; every acknowledged write is in the table. Reported:
# requests, failed requests, socket errors, the take-over time (the address on the
# second balancer) and the longest time the clients got no answer.
# shellcheck source=tests/cluster/lib.sh
. "$(dirname "$0")/lib.sh"

cluster_up lb CLUSTER_NET=netns BALANCERS=2 CLUSTER_HOSTS=2 TASKAPI_WORKERS=3 BCRYPT_COST=4 REPLICA=0
load_user
lb_ns() { cut -d' ' -f"$1" <<<"$LB_NETNS"; }
has_vip() { ip -n "$(lb_ns "$1")" -o addr show dev eth0 | grep -q " $VIP/"; }
check "the clients' address $BASE_URL is the virtual address, held by balancer 1" has_vip 1
check "balancer 2 does not hold it" bash -c "! ip -n '$(lb_ns 2)' -o addr show dev eth0 | grep -q ' $VIP/'"
if [ "$SHORT" = 1 ]; then dur=15 t_kill=5; else dur=30 t_kill=8; fi

out=$CLUSTER_WORK/lbfail
t0=$(now_s)
load_run "$out" "$dur" "$LOAD_TOKEN" lbfail
at "$t_kill"
t_a=$(now_s)
lb1_pids=$(ip netns pids "$(lb_ns 1)")
# shellcheck disable=SC2086  # one pid a word
kill -KILL $lb1_pids
ip -n "$(lb_ns 1)" link set eth0 down
t_vip=''
for _ in $(seq 1 200); do # bounded: ~20 s
	if has_vip 2; then t_vip=$(now_s); break; fi
	sleep 0.1
done
wait "$LOAD_PID"
takeover=$(awk -v a="$t_a" -v b="${t_vip:-0}" 'BEGIN { if (b) printf "%.2f", b - a; else print "never" }')

echo "# balancer failover: $(load_summary "$out")"
echo "# balancer failover: wrk: $(grep -E 'Requests/sec|Latency' "$out/wrk.txt" | xargs)"
errs=$(load_socket_errors "$out")
bad=$(load_count "$out" '$4 < 200 || $4 > 299')
sent=$(load_count "$out" '1')
# Disturbed: from the kill to the end of the last request that failed or took over 1 s.
disturbed=$(cat "$out"/thread-*.log | awk -v from="$t_a" '
	$2 >= from && ($4 < 200 || $4 > 299 || $2 - $1 > 1) { n++; if ($2 > last) last = $2; if ($2 - $1 > slow) slow = $2 - $1 }
	END { printf "%.2f s (%d requests failed or slower than 1 s, the slowest %.2f s)", last ? last - from : 0, n, slow }')
# What the clients saw: the longest time with no answer at all, from the kill on
# (connection attempts in between fail and count as wrk's socket errors).
gap=$(cat "$out"/thread-*.log | awk -v from="$t_a" '$2 >= from - 1 { print $2 }' | sort -n |
	awk 'NR > 1 && $1 - prev > max { max = $1 - prev } { prev = $1 } END { printf "%.2f", max }')
echo "# balancer failover: $(wc -w <<<"$lb1_pids") processes of balancer 1 killed and its link cut; the address on balancer 2 after $takeover s (keepalived: VRRP v3, advert_int 0.3 s)"
echo "# balancer failover: requests $sent, failed $bad, socket errors: ${errs:-none}; clients disturbed for $disturbed"
echo "# balancer failover: longest time without any answer: $gap s (requests lost in flight: wrk's read errors; failed connection attempts: its connect/write errors)"
check "balancer 2 took the virtual address over ($takeover s)" test -n "$t_vip"
after=$(load_count "$out" "\$1 > ${t_vip:-9e99} + 1")
bad_after=$(load_count "$out" "\$1 > ${t_vip:-9e99} + 1 && (\$4 < 200 || \$4 > 299)")
check "requests sent a second after the take-over succeed on the same address ($after sent, $bad_after failed)" \
	test "$after" -gt 0 -a "$bad_after" -eq 0
missing=$(load_acked_missing "$out")
acked=$(load_count "$out" '$3 == "POST" && $4 == 201')
check "every acknowledged write ($acked) is in the tasks table${missing:+ (missing: $missing)}" test -z "$missing"
req GET /health
check "GET /health through the virtual address answers 200 after the failover" test "$STATUS" = 200
cluster_down_verified

finish
