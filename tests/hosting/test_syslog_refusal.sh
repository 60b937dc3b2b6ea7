#!/usr/bin/env bash
# A refusal at start is visible when the pool is daemonized. spawn-fcgi without -n (as
# docs/hosting.md starts the pool without systemd) points the program's stderr at
# /dev/null, so taskapi sends the reason to syslog too (ident taskapi, LOG_PID,
# facility daemon, severity err). The receiver is a /dev/log of the test's own: in a
# private mount namespace a tmpfs covers /dev (the real null, zero, full, random,
# urandom and tty bound back into it) and a python3 datagram listener binds /dev/log
# there, so nothing of the host changes. Each bad setting must end the daemonized
# program and put its reason, with the program's pid, in the receiver.
# shellcheck source=tests/hosting/lib.sh
. "$(dirname "$0")/lib.sh"

py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)
log=$H/syslog.received

# Runs in the namespace: ARGS are "NAME=VALUE ..." settings, one case per argument,
# each started daemonized by spawn-fcgi; writes what spawn-fcgi printed to $H/spawn.N.
cat >"$H/inner.sh" <<'EOF'
set -u
H=$1 BIN=$2 PY=$3 LOG=$4
shift 4
listener=
trap '[ -z "$listener" ] || kill "$listener" 2>/dev/null' EXIT
mkdir -p "$H/realdev"
mount --bind /dev "$H/realdev" || exit 3
mount -t tmpfs -o mode=755 tmpfs /dev || exit 3
for n in null zero full random urandom tty; do
	touch "/dev/$n" && mount --bind "$H/realdev/$n" "/dev/$n" || exit 3
done
for n in pts shm; do mkdir "/dev/$n" && mount --bind "$H/realdev/$n" "/dev/$n"; done
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
"$PY" -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)
with open(sys.argv[1], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536).rstrip(b"\0\n") + b"\n")
' "$LOG" &
listener=$!
for _ in $(seq 1 50); do [ -S /dev/log ] && break; sleep 0.1; done
[ -S /dev/log ] || exit 4
i=0
for settings in "$@"; do
	i=$((i + 1))
	# shellcheck disable=SC2086 # the settings are words on purpose
	env $settings spawn-fcgi -s "$H/pool.$i.sock" -P "$H/pool.$i.pid" -- "$BIN" serve \
		</dev/null >"$H/spawn.$i" 2>&1
	echo "exit $?" >>"$H/spawn.$i"
	# spawn-fcgi reports a child that exits at once ("child exited with: N"); one that
	# outlived its first moment has its pid in the pid file: it must end by itself.
	p=$(cat "$H/pool.$i.pid" 2>/dev/null)
	[ -z "$p" ] || for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
		echo "still running" >>"$H/spawn.$i"
		kill -TERM "$p"
	fi
done
# the last message may still be on its way to the listener
for _ in $(seq 1 50); do [ "$(grep -c 'refusing to start' "$LOG" 2>/dev/null)" -ge "$#" ] && break; sleep 0.1; done
EOF

cases=("APP_ENV=bogus"
	"APP_ENV=production JWT_SECRET= JWT_SECRET_FILE= DATABASE_URL=postgresql://taskapi@127.0.0.1:1/taskapi")
reasons=('APP_ENV must be development or production (got "bogus")'
	'JWT_SECRET (or JWT_SECRET_FILE) must hold a secret of at least 32 bytes')
: >"$log"
host_log=$(stat -c %F:%i /dev/log 2>&1)
env -u TASKAPI_LOG_FILE unshare -m --propagation private -- bash "$H/inner.sh" "$H" "$TASKAPI_BIN" "$py" \
	"$log" "${cases[@]}" 2>"$H/inner.err"
rc=$?
if ((rc != 0)); then
	hfail "a private /dev with a /dev/log receiver (unshare -m, exit $rc)" "$(head -c 300 "$H/inner.err")"
	hosting_finish
fi
hok "a private /dev with a /dev/log receiver in a mount namespace"
hcheck "the host's /dev is as it was (/dev/log: $host_log)" test "$(stat -c %F:%i /dev/log 2>&1)" = "$host_log"

# refused SPAWN_OUTPUT PID: spawn-fcgi saw the program exit with 78 (EX_CONFIG), or the
# program it left running (PID) ended by itself.
refused() {
	grep -q "child exited with: 78" "$1" || { [[ -n $2 ]] && ! grep -q "still running" "$1"; }
}
for i in "${!cases[@]}"; do
	k=$((i + 1)) c=${cases[$i]%% *}
	pid=$(cat "$H/pool.$k.pid" 2>/dev/null)
	echo "# spawn-fcgi ${cases[$i]%% JWT*}: $(tr '\n' ' ' <"$H/spawn.$k")"
	hcheck "$c: the daemonized program refused to start (exit 78, or ended by itself)" \
		refused "$H/spawn.$k" "$pid"
	grep -qF "${reasons[$i]}" "$H/spawn.$k" ||
		echo "# $c: the reason is not in spawn-fcgi's output: daemonized, the program's stderr is /dev/null"
	# <27>: facility daemon (3) * 8 + severity err (3); then the time, taskapi[pid]: message
	line=$(grep -E " taskapi\[${pid:-[0-9]+}\]: refusing to start: " "$log" | grep -F "${reasons[$i]}")
	echo "# received: $line"
	hcheck "$c: syslog received the reason from taskapi[pid]" test -n "$line"
	hcheck "$c: ... as daemon.err (<27>)" test "${line:0:4}" = "<27>"
done
hosting_finish
