#!/usr/bin/env bash
# Database failover under load. Two app hosts behind the
# balancer; three database hosts under Patroni with a 3-member etcd (scripts/cluster-up
# CLUSTER_DB=patroni), synchronous mode unless HA_SYNC=off. The verifying load client
# (load.lua: creates, reads back, lists; every answer recorded) runs while
#   (a) the primary's database host dies: SIGKILL of every process in its namespace
#       (PostgreSQL, Patroni, its etcd member); Patroni promotes the synchronous standby;
#       afterwards the host is started again and rejoins as a standby (pg_rewind);
#   (b) a switchover is requested (patronictl switchover), as for maintenance.
# Reported per phase: requests, failed reads, failed writes, unknown outcomes (502) and
# the failed writes that committed anyway, lost acknowledged writes, the longest time
# without a successful write, with the settings that bound it; for (a), each client's
# consistency token when the primary died against where the new timeline began (a
# token past it would fail that client's reads until a new primary is up). Checked: no
# acknowledged write is lost (synchronous mode), no read fails, writes work again on the
# new primary (the pools reconnected and prepared their statements again), the old
# primary rejoins.
# Takes several minutes: run by `make test-cluster` only (not by `make test`).
# HA_SYNC=off runs the same against asynchronous replication: lost writes are then
# reported, not refused (the loss window of docs/scaling.md).
# shellcheck source=tests/cluster/lib.sh
. "$(dirname "$0")/lib.sh"

sync=${HA_SYNC:-on}
cluster_up ha CLUSTER_NET=netns CLUSTER_DB=patroni HA_SYNC="$sync" CLUSTER_HOSTS=2 \
	TASKAPI_WORKERS=3 BCRYPT_COST=4
load_user
ha() { "$REPO/scripts/ha-host" "$@"; }
patroni_ctl() { timeout 60 patronictl -c "$CLUSTER_DIR/db/db1/patroni.yml" "$@"; }
# The database host (1..3) that has ROLE now, or nothing.
host_with_role() {
	local i
	for i in 1 2 3; do [[ $(ha role "$i") == "$1" ]] && { echo "$i"; return; }; done
}
# wait_role ROLE SECONDS: waits until some host has ROLE; prints it.
wait_role() {
	local h
	for _ in $(seq 1 "$2"); do
		h=$(host_with_role "$1")
		[ -n "$h" ] && { echo "$h"; return 0; }
		sleep 1
	done
	return 1
}
settings="ttl $HA_TTL s, loop_wait $HA_LOOP_WAIT s, retry_timeout $HA_RETRY_TIMEOUT s"
if [ "$SHORT" = 1 ]; then dur=30 t_fault=6; else dur=45 t_fault=8; fi

# phase_report NAME DIR T_FAULT: prints the phase's figures and checks the invariants.
phase_report() {
	local name=$1 dir=$2 tf=$3 bad_gets bad_posts unknown failed_titles committed missing acked gap sent errs
	wait "$LOAD_PID"
	sent=$(load_count "$dir" '1')
	echo "# ha $name: $(load_summary "$dir")"
	bad_gets=$(load_count "$dir" '($3 == "GET1" || $3 == "LIST") && ($4 < 200 || $4 > 299)')
	bad_posts=$(load_count "$dir" '$3 == "POST" && ($4 < 200 || $4 > 299)')
	unknown=$(load_count "$dir" '$3 == "POST" && $4 == 502')
	errs=$(load_socket_errors "$dir")
	# Unknown outcomes: failed writes that may have committed. Each is looked up by title.
	failed_titles=$(cat "$dir"/thread-*.log | awk '$3 == "POST" && ($4 < 200 || $4 > 299) { print $7 }' | sort -u)
	committed=0
	if [ -n "$failed_titles" ]; then
		committed=$(psql_exec "SELECT count(*) FROM tasks WHERE title IN ($(sed "s/.*/'&'/" <<<"$failed_titles" | paste -sd,))")
	fi
	missing=$(load_acked_missing "$dir")
	acked=$(load_count "$dir" '$3 == "POST" && $4 == 201')
	# The longest time without an acknowledged write, from a second before the fault on.
	gap=$(cat "$dir"/thread-*.log | awk -v from="$tf" '$3 == "POST" && $4 == 201 && $2 >= from - 1 { print $2 }' |
		sort -n | awk 'NR > 1 && $1 - prev > max { max = $1 - prev } { prev = $1 } END { printf "%.2f", max }')
	echo "# ha $name: requests $sent, failed reads $bad_gets, failed writes $bad_posts (unknown outcome, 502: $unknown; committed anyway: $committed), socket errors: ${errs:-none}, acknowledged writes $acked, lost: $(wc -w <<<"$missing")"
	echo "# ha $name: longest time without a successful write: $gap s (synchronous_mode $sync; $settings)"
	check "$name: the load ran ($sent requests)" test "$sent" -gt 100
	check "$name: no read failed ($bad_gets non-2xx GETs)" test "$bad_gets" -eq 0
	if [[ $sync == on ]]; then
		check "$name: every acknowledged write ($acked) is in the new primary's table${missing:+ (missing: $missing)}" test -z "$missing"
	else
		echo "# ha $name: asynchronous: acknowledged writes lost: $(wc -w <<<"$missing")${missing:+ ($missing)}"
	fi
	local after
	after=$(load_count "$dir" "\$3 == \"POST\" && \$4 == 201 && \$1 > $tf + $gap + 1")
	check "$name: writes succeed again after the failover ($after acknowledged; prepared statements on new connections)" test "$after" -gt 0
}

# ---- (a) the primary's host dies
old=$(host_with_role leader)
check "one database host is the leader (host ${old:-none}); the others: $(for i in 1 2 3; do printf '%s ' "$(ha role "$i")"; done)" test -n "$old"
[[ $sync == off ]] || check "synchronous mode: one standby is synchronous" test -n "$(host_with_role sync_standby)"
out=$CLUSTER_WORK/kill
t0=$(now_s)
load_run "$out" "$dur" "$LOAD_TOKEN" hakill
at "$t_fault"
t_kill=$(now_s)
ha kill "$old" >/dev/null
new=$(wait_role leader 60) || new=
t_promoted=$(now_s)
echo "# ha kill: host $old killed; host ${new:-none} is the leader $(awk -v a="$t_kill" -v b="$t_promoted" 'BEGIN { printf "%.1f", b - a }') s later (by Patroni's REST API, polled each second)"
check "a standby was promoted (host ${new:-none})" test -n "$new" -a "${new:-0}" != "$old"
phase_report kill "$out" "$t_kill"
# Where the new timeline began: the end of the WAL the promoted standby had received;
# what was past it died with the old primary. A client's consistency token past it is
# ahead of every standby: its reads cannot be served until the new primary is up.
# Printed: each client's token when the primary died (that of its first failed write),
# in bytes relative to that point, and the failed reads whose token was past it.
switch=$(psql_exec "SELECT (regexp_match(pg_read_file('pg_wal/' ||
	substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) || '.history'), '([0-9A-F]+/[0-9A-F]+)[^\n]*\n*$'))[1]" 2>/dev/null || true)
if [ -n "$switch" ]; then
	for f in "$out"/thread-*.log; do
		awk -v sw="$switch" -f - "$f" <<'AWK'
function hex(s,   i, n) {
	n = 0
	for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(tolower(s), i, 1)) - 1
	return n
}
function lsn(s,   p) { split(s, p, "/"); return hex(p[1]) * 4294967296 + hex(p[2]) }
BEGIN { sw = lsn(sw) }
$3 == "POST" && ($4 < 200 || $4 > 299) && at == "" { at = $8 == "-" ? "none" : sprintf("%+d", lsn($8) - sw) }
($3 == "GET1" || $3 == "LIST") && ($4 < 200 || $4 > 299) { bad++; if ($8 != "-" && lsn($8) > sw) past++ }
END { printf "%s %d %d\n", at == "" ? "none" : at, bad, past }
AWK
	done | awk -v sw="$switch" '{ at = at " " $1; bad += $2; past += $3 }
		END { printf "# ha kill: the new timeline began at %s; the clients'"'"' tokens when the primary died, in bytes from it:%s; failed reads with a token past it: %d of %d\n", sw, at, past, bad }'
fi

# The old primary comes back as a standby of the new one (pg_rewind if it was ahead).
t_start=$(now_s)
ha start "$old" >/dev/null
role=
for _ in $(seq 1 120); do # bounded: ~2 min
	role=$(ha role "$old")
	state=$(curl -fs --max-time 2 "http://$(cut -d' ' -f"$old" <<<"$DB_ADDRS"):8008/patroni" | jq -r .state 2>/dev/null || true)
	[[ ($role == replica || $role == sync_standby) && $state == running ]] && break
	sleep 1
done
old_addr=$(cut -d' ' -f"$old" <<<"$DB_ADDRS")
in_recovery=$(psql "postgresql://postgres@$old_addr:5432/taskapi" -qAtX -c 'SELECT pg_is_in_recovery()' 2>/dev/null || true)
rewound=$(grep -c 'pg_rewind exit code=0' "$CLUSTER_DIR/db/db$old/patroni.log" || true)
echo "# ha rejoin: host $old is $role after $(awk -v a="$t_start" -v b="$(now_s)" 'BEGIN { printf "%.0f", b - a }') s (pg_rewind runs: $rewound)"
check "the old primary (host $old) rejoined as a standby (role $role, in recovery: $in_recovery)" \
	test "$in_recovery" = t -a "$role" != leader -a "$role" != down
patroni_ctl list 2>&1 | sed 's/^/# ha rejoin: /'

# ---- (b) a switchover under load
leader=$(host_with_role leader)
cand=$(host_with_role sync_standby)
[ -n "$cand" ] || cand=$(host_with_role replica)
out=$CLUSTER_WORK/switchover
t0=$(now_s)
load_run "$out" "$dur" "$LOAD_TOKEN" haswitch
at "$t_fault"
t_sw=$(now_s)
sw=$(patroni_ctl switchover --leader "pg$leader" --candidate "pg$cand" --force 2>&1 | tail -n 2 | xargs)
echo "# ha switchover: pg$leader -> pg$cand: $sw"
phase_report switchover "$out" "$t_sw"
after=$(wait_role leader 30 || true)
check "the switchover made host $cand the leader (now: ${after:-none})" test "$after" = "$cand"
for _ in $(seq 1 60); do
	r=$(ha role "$leader")
	[[ $r == replica || $r == sync_standby ]] && break
	sleep 1
done
check "the former leader (host $leader) follows as a standby ($r)" bash -c "[[ '$r' == replica || '$r' == sync_standby ]]"

# What the pools' metrics showed: the primary connection was lost and made again.
for i in 1 2; do
	m=$(pool metrics "$i")
	echo "# ha metrics host $i: $(awk '$1 == "db_up" || $1 == "db_reconnects_total" || $1 ~ /^db_errors_total/' <<<"$m" | xargs)"
done
m=$(pool metrics 1)
rc=$(awk '$1 == "db_reconnects_total" { print $2 }' <<<"$m")
up=$(awk '$1 == "db_up" { print $2 }' <<<"$m")
check "host 1's pool counted its reconnections (db_reconnects_total ${rc:-?}) and is up again (db_up ${up:-?})" \
	test "${rc:-0}" -gt 0 -a "${up:-0}" = 1

# The Patroni metrics the alert rules use are ones Patroni really exposes.
pm=$(curl -fs --max-time 3 "http://$(cut -d' ' -f1 <<<"$DB_ADDRS"):8008/metrics" || true)
for name in $(grep -oE '\bpatroni_[a-z_]+\b' "$REPO/docs/alerts.rules.yml" | sort -u); do
	check "the alert rules' metric $name is exposed by Patroni" grep -qE "^$name(\{| )" <<<"$pm"
done

dbpids=$(for i in 1 2 3; do cat "$CLUSTER_DIR/db/db$i/patroni.pid" "$CLUSTER_DIR/db/etcd$i/etcd.pid" 2>/dev/null; done | xargs)
cluster_down_verified
left=''
for p in $dbpids; do [[ $(ps -o stat= -p "$p" 2>/dev/null) =~ ^[^Z] ]] && left+=" $p"; done
check "no Patroni or etcd process is left${left:+ (left:$left)}" test -z "$left"

finish
