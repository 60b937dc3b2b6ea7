# shellcheck shell=bash
# Harness for the cluster tests (tests/cluster/test_*.sh): on top of tests/api/lib.sh
# (req, ok, fail, check...), brings a cluster up in a temp dir and always takes it
# down again (trap), and runs and reads the verifying load client (load.lua).
#
# Environment: CLUSTER_SHORT=1 for the short version run by `make test` (fewer and
# shorter phases); JWT_SECRET; TASKAPI_BIN [build/taskapi].
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$here/../.." && pwd)
BASE_URL=${BASE_URL:-http://127.0.0.1:1} # set for real by cluster_up
# shellcheck source=tests/api/lib.sh
. "$here/../api/lib.sh"
# shellcheck disable=SC2034,SC2016  # variables for the test files; awk programs in quotes
true

SHORT=${CLUSTER_SHORT:-0}
# Settings of another stack (scripts/test's) must not leak into cluster-up.
unset PORT PG_PORT POOL_PORT REPLICA_PORT VAR_DIR READ_DATABASE_URL TASKAPI_WORKERS \
	AUTH_WORKERS TASK_WORKERS AUTH_BCRYPT_COST AUTH_CPUS TASK_CPUS CLUSTER_DIR
CLUSTER_WORK=$(mktemp -d "${TMPDIR:-/tmp}/taskapi-cluster.XXXXXX")
chmod 755 "$CLUSTER_WORK"
export APP_ENV=${APP_ENV:-development}
export JWT_SECRET=${JWT_SECRET:-test-secret-for-cluster-tests-0123456789}
export TASKAPI_BIN=${TASKAPI_BIN:-$REPO/build/taskapi}

cluster_cleanup() {
	local d
	for d in "$CLUSTER_WORK"/c*; do
		[ -d "$d" ] && CLUSTER_DIR=$d "$REPO/scripts/cluster-down" >/dev/null 2>&1
		# The Patroni hosts' files live in /var/tmp (CLUSTER_DB=patroni): $d/db points there.
		[ -L "$d/db" ] && [ -z "${KEEP_CLUSTER_WORK:-}" ] && rm -rf "$(readlink "$d/db")"
	done
	[ -n "${KEEP_CLUSTER_WORK:-}" ] || rm -rf "$CLUSTER_WORK"
	rm -rf "$_T"
}
trap cluster_cleanup EXIT
trap 'exit 130' INT TERM

# cluster_up NAME [VAR=VALUE...]: starts a cluster in $CLUSTER_WORK/cNAME with those
# settings; sources its cluster.env (BASE_URL, DATABASE_URL, HOST_ADDRS...). Exits
# the test (counted as a failure) if it does not come up.
cluster_up() {
	local name=$1
	shift
	export CLUSTER_DIR=$CLUSTER_WORK/c$name
	# Load tests run without the balancer's rate limits (one client address sends it
	# all); test_gateway.sh turns them on.
	if ! env RATE_LIMIT=off "$@" CLUSTER_DIR="$CLUSTER_DIR" "$REPO/scripts/cluster-up" >"$CLUSTER_WORK/up-$name.log" 2>&1; then
		fail "cluster-up $name ($*)" "$(tail -n 5 "$CLUSTER_WORK/up-$name.log")"
		finish
	fi
	# shellcheck source=/dev/null
	. "$CLUSTER_DIR/cluster.env"
	export BASE_URL DATABASE_URL READ_DATABASE_URL CLUSTER_DIR
	ok "cluster $name is up: $(grep -m1 'hosts' "$CLUSTER_WORK/up-$name.log" | sed 's/^cluster-up: //')"
}

cluster_down() {
	CLUSTER_DIR=$CLUSTER_DIR "$REPO/scripts/cluster-down" >/dev/null 2>&1
}

# cluster_down_verified: takes the cluster down, then checks that everything its state
# file recorded is gone: processes (pools, NGINX, PostgreSQL), namespaces, links, addresses.
cluster_down_verified() {
	local pids=() f kind what extra left=''
	for f in "$CLUSTER_DIR"/hosts/h*/pool.pid "$CLUSTER_DIR/nginx/nginx.pid"; do
		[ -s "$f" ] && pids+=("$(cat "$f")")
	done
	for f in "$CLUSTER_DIR/pg" "$CLUSTER_DIR/replica"; do
		[ -e "$f/data/postmaster.pid" ] && pids+=("$(head -n 1 "$f/data/postmaster.pid")")
	done
	cluster_down
	check "cluster-down: the state is spent" test -s "$CLUSTER_DIR/state.down" -a ! -e "$CLUSTER_DIR/state"
	for p in "${pids[@]}"; do
		[[ $(ps -o stat= -p "$p" 2>/dev/null) =~ ^[^Z] ]] && left+="pid $p, "
		[ -n "$(ps -e -o pgid=,stat= | awk -v g="$p" '$1 == g && $2 !~ /^Z/')" ] && left+="group $p, "
	done
	while read -r kind what extra; do
		case $kind in
		netns) ip netns list | grep -qw "^$what" && left+="namespace $what, " ;;
		link) ip link show "$what" >/dev/null 2>&1 && left+="link $what, " ;;
		addr) ip -o addr show dev "$extra" | grep -q " ${what%/*}/" && left+="address $what, " ;;
		esac
	done <"$CLUSTER_DIR/state.down"
	check "cluster-down removed every process, namespace, link and address it recorded ($(grep -c . "$CLUSTER_DIR/state.down") items${left:+; left: $left})" test -z "$left"
}

pool() { "$REPO/scripts/cluster-pool" "$@"; }
host_addr() { cut -d' ' -f"$1" <<<"$HOST_ADDRS"; }
now_s() { date +%s.%N; }
# at SECONDS: sleeps until SECONDS after $t0 (set by the test when its load starts).
at() {
	sleep "$(awk -v t0="${t0:?}" -v t="$1" -v now="$(now_s)" 'BEGIN { d = t0 + t - now; print (d > 0 ? d : 0) }')"
}

# psql on the primary (or the replica: psql_replica).
psql_replica() { psql "$READ_DATABASE_URL" -v ON_ERROR_STOP=1 -qAtX -c "$1"; }

# load_run DIR SECONDS TOKEN [TAG]: runs load.lua through the balancer in the background;
# LOAD_PID is wrk's pid. 4 threads, one connection each.
load_run() {
	local dir=$1 secs=$2 token=$3 tag=${4:-load}
	mkdir -p "$dir"
	TOKEN=$token LOAD_OUT=$dir LOAD_TAG=$tag wrk -t4 -c4 -d"${secs}s" --timeout 30s \
		-s "$here/load.lua" "$BASE_URL" >"$dir/wrk.txt" 2>&1 &
	LOAD_PID=$!
}

# load_summary DIR: one line of counts from the client's own records.
load_summary() {
	cat "$1"/thread-*.log | awk '
		{ n++; m[$3]++; if ($4 < 200 || $4 > 299) { bad++; bm[$3]++ } }
		END {
			printf "%d requests (POST %d, GET one %d, GET list %d), non-2xx %d (POST %d, GET one %d, GET list %d)\n",
				n, m["POST"], m["GET1"], m["LIST"], bad, bm["POST"], bm["GET1"], bm["LIST"]
		}'
}
# load_count DIR AWK-CONDITION: how many records match.
load_count() { cat "$1"/thread-*.log | awk "$2 { n++ } END { print n + 0 }"; }
load_socket_errors() { grep -o 'Socket errors:.*' "$1/wrk.txt" || true; }

# load_acked_missing DIR: acknowledged task ids (201) that are not in the tasks table.
load_acked_missing() {
	local acked
	acked=$(cat "$1"/thread-*.log | awk '$3 == "POST" && $4 == 201 { print $5 }' | sort -u)
	[ -n "$acked" ] || { echo "none acknowledged"; return; }
	psql_exec "SELECT id FROM tasks WHERE id IN ($(paste -sd, <<<"$acked"))" | sort -u >"$CLUSTER_WORK/present"
	comm -23 <(echo "$acked") "$CLUSTER_WORK/present" | xargs
}

# Registers a user through the balancer and logs in; sets LOAD_TOKEN.
load_user() {
	register_user LOADU || finish
	LOAD_TOKEN=${LOADU_TOKEN:-}
}
