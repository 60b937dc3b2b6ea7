#!/usr/bin/env bash
# The command line and the settings a host checks before it starts anything:
# help and version answered before any setting is read, per-command help that starts
# nothing, unknown arguments refused, check-config (environment and database),
# APP_ENV, TASKAPI_LISTEN (port range, [::1]:port, the all-interfaces warning), the unix
# socket's mode and group, the log on stderr by default, and SIGUSR1 reopening the log
# in the master and every worker after a rotation.
# Needs DATABASE_URL (the stack's) and a built build/taskapi.
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
BASE_URL=${BASE_URL:-http://unused}
# shellcheck source=../api/lib.sh
. "$here/../api/lib.sh"
BIN=${TASKAPI_BIN:-$repo/build/taskapi}
dir=$(mktemp -d /tmp/taskapi-cli.XXXXXX)
chmod 755 "$dir"
pids=()
stop() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$dir"
}
at_exit stop

# run ARGS...: the binary with a configuration that would be refused and no database,
# so that anything that reads the settings or connects fails. Sets RC and OUT.
run() {
	OUT=$(cd "$dir" && env -i PATH="$PATH" APP_ENV=bogus DATABASE_URL=postgresql://127.0.0.1:1/none \
		timeout 10 "$BIN" "$@" </dev/null 2>&1)
	RC=$?
}
for args in --help -h help; do
	run $args
	check "taskapi $args: exit 0 and the usage, with no setting read" \
		eval '[[ $RC == 0 && $OUT == *"usage:"*"taskapi check-config"* && $OUT != *refusing* ]]'
done
for args in --version version; do
	run $args
	check "taskapi $args: the build id" eval '[[ $RC == 0 && $OUT =~ ^taskapi\ [0-9a-z.-]+$ ]]'
done
for cmd in serve worker migrate check-config explain; do
	run "$cmd" --help
	check "taskapi $cmd --help: its own usage, exit 0, nothing started or read" \
		eval '[[ $RC == 0 && $OUT == "usage: taskapi $cmd"* && $OUT != *refusing* ]]'
done
run help migrate
check "taskapi help migrate: the command's usage" eval '[[ $RC == 0 && $OUT == "usage: taskapi migrate"* ]]'
check "bad: nothing was created in the working directory by the help runs" test -z "$(ls -A "$dir")"
run migrate --dry-run
check "bad: taskapi migrate --dry-run: unknown argument refused (exit 2)" \
	eval '[[ $RC == 2 && $OUT == *"unexpected argument \"--dry-run\""* ]]'
run serve 8000
check "bad: taskapi serve 8000: refused (exit 2)" eval '[[ $RC == 2 ]]'
run frobnicate
check "bad: an unknown command: exit 2" eval '[[ $RC == 2 && $OUT == *"--help"* ]]'

# ---- check-config
cc() { OUT=$(cd "$dir" && env APP_ENV=development DATABASE_URL="$DATABASE_URL" TASKAPI_SQL_DIR="$repo/sql" "$@" "$BIN" check-config 2>&1); RC=$?; }
cc
check "check-config with the stack's settings: exit 0, configuration ok" \
	eval '[[ $RC == 0 && $OUT == *"database: ok"* && $OUT == *"configuration ok"* ]]'
cc DATABASE_URL="postgresql://127.0.0.1:$("$repo/scripts/free-port")/none"
check "bad: check-config with an unreachable database: exit 1, says database" \
	eval '[[ $RC == 1 && $OUT == *"database:"* && $OUT != *"configuration ok"* ]]'
cc APP_ENV=prod
check "bad: APP_ENV=prod is not a profile: exit 1, named" eval '[[ $RC == 1 && $OUT == *"APP_ENV must be development or production"* ]]'
cc TASKAPI_LISTEN=127.0.0.1:99999
check "bad: TASKAPI_LISTEN=127.0.0.1:99999: port out of range" eval '[[ $RC == 1 && $OUT == *"from 1 to 65535"* ]]'
cc TASKAPI_LISTEN=::1:8000
check "bad: TASKAPI_LISTEN=::1:8000: IPv6 needs brackets" eval '[[ $RC == 1 && $OUT == *"[::1]:8000"* ]]'
cc TASKAPI_LISTEN=8000
check "bad: TASKAPI_LISTEN=8000: taken for a port, not a file" eval '[[ $RC == 1 && $OUT == *"looks like a port"* ]]'
cc TASKAPI_LISTEN=:8000
check "TASKAPI_LISTEN=:8000: accepted with a warning about every interface" \
	eval '[[ $RC == 0 && $OUT == *"warning: every interface"* ]]'
cc TASKAPI_SOCKET_GROUP=no-such-group-here
check "bad: TASKAPI_SOCKET_GROUP naming no group" eval '[[ $RC == 1 && $OUT == *"no group named"* ]]'
cc TASKAPI_SOCKET_MODE=999
check "bad: TASKAPI_SOCKET_MODE=999 is not an octal mode" eval '[[ $RC == 1 && $OUT == *"octal"* ]]'

# fcgi SOCKET PATH [runuser-user]: GET PATH over FastCGI; sets STATUS.
fcgi() {
	local as=()
	[[ -n ${3:-} ]] && as=(runuser -u "$3" --)
	STATUS=$(env -i PATH="$PATH" REQUEST_METHOD=GET SCRIPT_NAME="$2" REMOTE_ADDR=127.0.0.1 \
		"${as[@]}" cgi-fcgi -bind -connect "$1" 2>/dev/null | tr -d '\r' | sed -n 's/^Status: \([0-9]*\).*/\1/p')
}

# ---- [::1]:port: an IPv6 TCP socket, not a file of that name
if grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null; then
	port=$("$repo/scripts/free-port")
	(cd "$dir" && exec env APP_ENV=development DATABASE_URL="$DATABASE_URL" TASKAPI_WORKERS=1 \
		TASKAPI_LISTEN="[::1]:$port" TASKAPI_LOG_FILE="$dir/v6.log" "$BIN" serve >/dev/null 2>&1) &
	pids+=($!)
	check "TASKAPI_LISTEN=[::1]:$port listens on ::1" wait_for 10 eval 'ss -Hltn "sport = :$port" | grep -q "\[::1\]:$port"'
	check "bad: ... and makes no file named after it" test ! -e "$dir/[::1]:$port"
fi

# ---- a unix socket with its mode and group, reachable by that group's members
id www-data >/dev/null 2>&1 || useradd -r www-data
sock=$dir/pool.sock
(cd / && exec env APP_ENV=development DATABASE_URL="$DATABASE_URL" TASKAPI_WORKERS=2 TASKAPI_LISTEN="$sock" \
	TASKAPI_SOCKET_MODE=0660 TASKAPI_SOCKET_GROUP=www-data "$BIN" serve >"$dir/stderr.log" 2>&1) &
master=$!
pids+=("$master")
wait_for 10 eval 'fcgi "$sock" /health; [[ $STATUS == 200 ]]'
check "the unix socket has mode 660 and group www-data" test "$(stat -c '%a %G' "$sock")" = "660 www-data"
fcgi "$sock" /health www-data
check "www-data can use it (200)" test "$STATUS" = 200
fcgi "$sock" /health nobody
check "bad: nobody cannot (not in the group, mode 660)" test "$STATUS" != 200
check "without TASKAPI_LOG_FILE the log goes to stderr (request lines there)" \
	wait_for 5 grep -q '"path":"/health","status":200' "$dir/stderr.log"

# ---- SIGUSR1 reopens the log in the master and every worker
log=$dir/pool2.log
(cd / && exec env APP_ENV=development DATABASE_URL="$DATABASE_URL" TASKAPI_WORKERS=2 TASKAPI_LISTEN="$dir/p2.sock" \
	TASKAPI_LOG_FILE="$log" "$BIN" serve >/dev/null 2>&1) &
master=$!
pids+=("$master")
wait_for 10 eval 'fcgi "$dir/p2.sock" /health; [[ $STATUS == 200 ]]'
wait_for 10 eval '(( $(pool_workers "$master" | wc -w) == 2 ))'
mv "$log" "$log.1"
kill -USR1 "$master"
check "after SIGUSR1 the master writes to a new file at the log path" wait_for 10 grep -q 'master: log reopened' "$log"
holders() { # processes of the pool that still hold the rotated file
	local p
	for p in "$master" $(pool_workers "$master"); do
		ls -l "/proc/$p/fd" 2>/dev/null | grep -q "$log.1" && echo "$p"
	done
}
check "no process of the pool (master and 2 workers) holds the rotated file" wait_for 5 eval '[[ -z $(holders) ]]'
for _ in 1 2 3 4; do fcgi "$dir/p2.sock" /health; done
check "request lines go to the new file" grep -q '"path":"/health"' "$log"
finish
