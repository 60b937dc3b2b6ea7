#!/usr/bin/env bash
# The Debian package: `make deb` builds it, lintian finds no error in it, apt installs
# it on this Debian 12 inside a throwaway root (an overlay of / in a private mount
# namespace: nothing of it reaches the real system), its postinst creates the system
# user and the secret, systemd-analyze verifies the installed units, and the installed
# binary, started as the units start it (as user taskapi, settings from the installed
# taskapi.env, the socket passed by systemd-socket-activate, migrations first) answers
# /health and the API through FastCGI. TASKAPI_DEB=path skips the build.
# shellcheck source=tests/hosting/lib.sh
. "$(dirname "$0")/lib.sh"

hosting_db || { hfail "database and migrations"; hosting_finish; }
deb=${TASKAPI_DEB:-}
if [ -z "$deb" ]; then
	# No debug symbols package: it only costs time here.
	if (cd "$REPO" && DEB_BUILD_OPTIONS="noddebs ${DEB_BUILD_OPTIONS:-}" make -s deb >"$H/deb.log" 2>&1); then
		deb=$(ls "$REPO"/build/deb/taskapi_*.deb | head -n 1)
		hok "make deb builds $(basename "$deb")"
	else
		hfail "make deb" "$(tail -n 5 "$H/deb.log")"
		hosting_finish
	fi
fi

lintian --fail-on error "$deb" >"$H/lintian.log" 2>&1
rc=$?
sed 's/^/# lintian: /' "$H/lintian.log" | grep -v 'root privileges'
hcheck "lintian reports no error" test "$rc" = 0

# The throwaway root: / read-only below, writes go to $H/ovl/upper.
o=$H/ovl
mkdir -p "$o/upper" "$o/work" "$o/root"
cp "$deb" "$o/taskapi.deb"
printf '%s' "$DATABASE_URL" >"$o/database_url"
cat >"$o/inside.sh" <<'INSIDE'
set -u
r=$1
m() { mount "$@" || { echo "not ok - mount $*"; exit 1; }; }
m -t overlay overlay -o "lowerdir=/,upperdir=$2/upper,workdir=$2/work" "$r"
m --rbind /dev "$r/dev"
m -t proc proc "$r/proc"
m -t tmpfs tmpfs "$r/run"
m -t tmpfs tmpfs "$r/tmp"
cp "$2/taskapi.deb" "$2/database_url" "$r/tmp/"
pids=
# Each process started here leads its own process group (setsid): stopped with its children.
trap 'for p in $pids; do kill -TERM -- -$p 2>/dev/null; done; sleep 1; for p in $pids; do kill -KILL -- -$p 2>/dev/null; done' EXIT
in_root() { chroot "$r" "$@"; }
res() { if [ "$2" = 0 ]; then echo "ok - $1"; else echo "not ok - $1${3:+: $3}"; fi; }

# man-db's index rebuild (a trigger of every package with a man page) is slow and
# irrelevant here: off in the throwaway root.
rm -f "$r/var/lib/man-db/auto-update"
in_root sh -c 'cd /tmp && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ./taskapi.deb' \
	>"$2/apt.log" 2>&1
res "apt-get install ./taskapi.deb succeeds" $? "$(tail -n 3 "$2/apt.log" | tr '\n' ' ')"
shell=$(in_root getent passwd taskapi | cut -d: -f7)
uid=$(in_root id -u taskapi 2>/dev/null)
[ -n "$uid" ] && [ "$uid" -lt 1000 ] && [ "$shell" = /usr/sbin/nologin ]
res "postinst created the system user taskapi (uid $uid, shell $shell)" $?
[ "$(in_root stat -c '%a %G' /etc/taskapi/jwt_secret)" = "640 taskapi" ] &&
	[ "$(wc -c <"$r/etc/taskapi/jwt_secret")" -ge 32 ]
res "postinst made /etc/taskapi/jwt_secret (640, group taskapi, 32+ bytes)" $?
[ "$(in_root stat -c '%a %G' /etc/taskapi/taskapi.env)" = "640 taskapi" ]
res "/etc/taskapi/taskapi.env is readable by root and group taskapi only" $?
for f in /usr/bin/taskapi /usr/share/man/man8/taskapi.8.gz /usr/share/taskapi/sql/001_init.sql \
	/etc/logrotate.d/taskapi /usr/share/taskapi/nginx/taskapi.conf \
	/usr/share/taskapi/apache/proxy-fcgi.conf /usr/share/taskapi/lighttpd/taskapi.conf; do
	[ -s "$r$f" ]
	res "installed: $f" $?
done
out=$(in_root systemd-analyze verify --man=no /lib/systemd/system/taskapi.socket \
	/lib/systemd/system/taskapi.service 2>&1)
[ $? = 0 ] && [ -z "$out" ]
res "systemd-analyze verify passes on the installed units" $? "$out"
in_root logrotate -d /etc/logrotate.d/taskapi >"$2/logrotate.log" 2>&1
res "logrotate accepts /etc/logrotate.d/taskapi" $? "$(tail -n 3 "$2/logrotate.log" | tr '\n' ' ')"

# As taskapi.service runs it: user taskapi, the installed settings (only the database
# is the test's), LogsDirectory, migrations, then the pool on a socket systemd passes.
mkdir -p "$r/var/log/taskapi" "$r/run/taskapi"
in_root chown taskapi:taskapi /var/log/taskapi /run/taskapi
service() {
	in_root runuser -u taskapi -- sh -c 'set -a; . /etc/taskapi/taskapi.env;
		DATABASE_URL=$(cat /tmp/database_url); TASKAPI_SQL_DIR=/usr/share/taskapi/sql; exec "$@"' sh "$@"
}
# systemd-socket-activate passes on only the variables named with -E.
pass_env=(-E DATABASE_URL -E TASKAPI_SQL_DIR)
for v in $(sed -n 's/^\([A-Z_]*\)=.*/\1/p' "$r/etc/taskapi/taskapi.env"); do pass_env+=(-E "$v"); done
service /usr/bin/taskapi migrate >"$2/migrate.log" 2>&1
res "the installed binary applies the installed migrations (ExecStartPre)" $? "$(tail -n 2 "$2/migrate.log")"
setsid bash -c "$(declare -f in_root service); r=$r; service \"\$@\"" sh systemd-socket-activate "${pass_env[@]}" -l /run/taskapi/taskapi.sock /usr/bin/taskapi serve \
	>"$2/serve.log" 2>&1 &
pids="$pids $!"
fcgi() {  # fcgi METHOD PATH: one request through the socket, as a front end sends it
	in_root env -i REQUEST_METHOD="$1" SCRIPT_NAME="$2" DOCUMENT_URI="$2" REQUEST_URI="$2" \
		SERVER_PROTOCOL=HTTP/1.1 REMOTE_ADDR=127.0.0.1 \
		timeout 10 cgi-fcgi -bind -connect /run/taskapi/taskapi.sock 2>/dev/null
}
for _ in $(seq 1 50); do [ -S "$r/run/taskapi/taskapi.sock" ] && break; sleep 0.1; done
ans=$(fcgi GET /health)
printf '%s' "$ans" | grep -q '"status" *: *"healthy"' && ! printf '%s' "$ans" | grep -q '^Status: [45]'
res "the installed service answers GET /health through FastCGI (socket activation)" $? \
	"$(printf '%s' "$ans" | head -c 200) $(tail -n 3 "$2/serve.log")"
ans=$(fcgi GET /api/v1/users/me)
printf '%s' "$ans" | grep -q '^Status: 401'
res "the installed service answers the API: GET /api/v1/users/me without a token is 401" $? \
	"$(printf '%s' "$ans" | head -c 200)"
grep -q . "$r/var/log/taskapi/taskapi.log" 2>/dev/null
res "it logs to /var/log/taskapi/taskapi.log" $?
INSIDE
timeout 300 unshare -m bash "$o/inside.sh" "$o/root" "$o" >"$H/inside.log" 2>&1 &
track_pid $!
wait $!
count_lines "package: " <"$H/inside.log"
grep -q '^ok - the installed service answers GET /health' "$H/inside.log" ||
	tail -n 20 "$H/inside.log" | grep -v '^ok' | sed 's/^/# /'
hosting_finish
