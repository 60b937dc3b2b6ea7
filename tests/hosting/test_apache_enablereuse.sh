#!/usr/bin/env bash
# Why dist/apache/proxy-fcgi.conf.in has no enablereuse=on. A taskapi worker serves one
# FastCGI connection at a time, and with enablereuse=on Apache asks it to keep the
# connection (FCGI_KEEP_CONN) and parks it in its own pool while idle: the worker stays
# pinned to that connection. A request for which Apache opens one more connection than
# there are workers waits in the socket's queue until the proxy timeout, then ends in
# Apache's 504 (served as the JSON 503 document), however idle the pool really is.
# Shown with a pool of 2 workers and 3 requests at once (2 slow uploads that hold their
# workers for 2 s, and a GET /health in the middle): the recipe as shipped answers all 3;
# the same recipe with enablereuse=on and a 4 s timeout (instead of 30 s) stalls one
# until the timeout. What happens is printed; the statuses are asserted, not the times.
# shellcheck source=tests/hosting/lib.sh
. "$(dirname "$0")/lib.sh"

workers=2 hold=2 timeout=4
hosting_db || { hfail "database and migrations"; hosting_finish; }
sock=$H/taskapi.sock port=$("$REPO/scripts/free-port")
TASKAPI_WORKERS=$workers start_pool "$sock" || hfail "pool of $workers workers starts on $sock"
render "$REPO/dist/apache/proxy-fcgi.conf.in" "$H/shipped.conf" LISTEN="127.0.0.1:$port" \
	SERVER_NAME=localhost SOCKET="$sock" ERRORS_DIR="$FILES/dist/apache/errors"
sed -e "s|fcgi://taskapi/\" timeout=30$|fcgi://taskapi/\" enablereuse=on timeout=$timeout|" \
	-e "s|^\( *ProxyTimeout\) 30$|\1 $timeout|" "$H/shipped.conf" >"$H/reuse.conf"
hcheck "the variant differs from the recipe in enablereuse and the timeout only" \
	test "$(diff "$H/shipped.conf" "$H/reuse.conf" | grep -c '^>')" = 2

# slow_post OUT: a POST whose 2-byte body comes in two halves $hold s apart, so that its
# worker is busy reading it; writes "status seconds" to OUT.
slow_post() {
	local t0=$EPOCHREALTIME fd st
	exec {fd}<>"/dev/tcp/127.0.0.1/$port" || { echo "000 0" >"$1"; return; }
	printf 'POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{' >&"$fd"
	sleep "$hold"
	printf '}' >&"$fd"
	read -r -t 30 _ st _ <&"$fd"
	exec {fd}>&-
	echo "${st:-000} $(elapsed "$t0")" >"$1"
}
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# burst LABEL: $workers slow uploads, then (while they hold every worker) a GET /health;
# prints each answer and its time, leaves the statuses in BURST.
burst() {
	local pids=() i t0 f
	rm -f "$H"/burst.*
	for i in $(seq 1 "$workers"); do
		slow_post "$H/burst.$i" &
		pids+=($!)
	done
	sleep 0.7
	t0=$EPOCHREALTIME
	curl -s -o /dev/null -w '%{http_code}' --max-time 30 "http://127.0.0.1:$port/health" >"$H/burst.get"
	echo " $(elapsed "$t0")" >>"$H/burst.get"
	wait "${pids[@]}"
	BURST=
	for f in "$H"/burst.*; do
		echo "# $1: ${f##*/burst.}: status $(cut -d' ' -f1 "$f") after $(cut -d' ' -f2 "$f") s"
		BURST+="$(cut -d' ' -f1 "$f") "
	done
}
server_errors() { grep -oE '\b5[0-9][0-9]\b' <<<"$BURST" | wc -l; }
# kept LABEL: how many workers still hold a connection once every answer is in.
kept() {
	local n
	n=$(ss -xp 2>/dev/null | grep -F "$sock" | grep -c '"taskapi"')
	echo "# $1: after the burst, with no request in flight, $n of $workers workers hold a connection"
}

if start_apache "$H/shipped.conf" "$port"; then
	burst "as shipped"
	hcheck "as shipped: $workers busy workers and one more request: all answered ($BURST)" \
		test "$(server_errors)" = 0
	kept "as shipped"
else
	hfail "apache2 starts with the recipe"
fi
stop_apache || hfail "apache2 stops"

if start_apache "$H/reuse.conf" "$port"; then
	burst "enablereuse=on, timeout=$timeout"
	hcheck "enablereuse=on: a request stalls behind workers pinned to idle kept connections and ends in 503/504 ($BURST)" \
		test "$(server_errors)" -ge 1
	kept "enablereuse=on"
else
	hfail "apache2 starts with the enablereuse=on variant"
fi
hosting_finish
