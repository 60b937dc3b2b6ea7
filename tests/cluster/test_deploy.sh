#!/usr/bin/env bash
# Zero-downtime deploy: a second binary with another build id is
# built, and scripts/deploy replaces the running one on every host (host by host,
# worker by worker: SIGHUP) while the verifying load client runs through the balancer.
# Checked: not one request fails, and afterwards every host, straight over FastCGI,
# and the balancer answer /health with the new build id.
# shellcheck source=tests/cluster/lib.sh
. "$(dirname "$0")/lib.sh"

new_id=deploy-$(unique)
if ! make -s -C "$REPO" BUILD_ID="$new_id" OUT="$CLUSTER_WORK/build-new" "$CLUSTER_WORK/build-new/taskapi" \
	>"$CLUSTER_WORK/build.log" 2>&1; then
	fail "build the new version" "$(tail -n 5 "$CLUSTER_WORK/build.log")"
	finish
fi
check "the new binary says its build id ($new_id)" \
	bash -c "[ \"\$('$CLUSTER_WORK/build-new/taskapi' version)\" = 'taskapi $new_id' ]"

cluster_up deploy CLUSTER_HOSTS=3 TASKAPI_WORKERS=3 BCRYPT_COST=4
# Linux routes all of 127.0.0.0/8 to lo: the hosts' addresses need no alias.
check "127.0.0.11-13 are local without an alias (cluster-up added none)" \
	bash -c "ip -o route get 127.0.0.12 | grep -q '^local ' && ! grep -q '^addr ' '$CLUSTER_DIR/state'"
old_id=$(pool health 1 | jq -r .build)
check "before: the hosts serve the old build ($old_id)" test "$old_id" != "$new_id"
load_user
out=$CLUSTER_WORK/deploy
t0=$(now_s)
load_run "$out" "$([ "$SHORT" = 1 ] && echo 10 || echo 20)" "$LOAD_TOKEN" deploy
at 2
if "$REPO/scripts/deploy" "$CLUSTER_WORK/build-new/taskapi" >"$CLUSTER_WORK/deploy.log" 2>&1; then
	ok "scripts/deploy replaced every host while the load ran"
else
	fail "scripts/deploy" "$(tail -n 5 "$CLUSTER_WORK/deploy.log")"
fi
sed 's/^/# /' "$CLUSTER_WORK/deploy.log"
wait "$LOAD_PID"

echo "# deploy: $(load_summary "$out")"
bad=$(load_count "$out" '$4 < 200 || $4 > 299')
total=$(load_count "$out" '1')
check "no request failed during the deploy ($total sent, $bad non-2xx)" test "$bad" -eq 0
errs=$(load_socket_errors "$out")
check "the client saw no socket error ${errs:+($errs)}" test -z "$errs"
missing=$(load_acked_missing "$out")
check "every acknowledged write is in the tasks table${missing:+ (missing: $missing)}" test -z "$missing"
for i in 1 2 3; do
	got=$(pool health "$i" | jq -r .build)
	check "host $i serves the new build ($got)" test "$got" = "$new_id"
	exe=$(for p in $(pool workers "$i"); do readlink "/proc/$p/exe"; done | sort -u)
	check "host $i's workers all run the new file" test "$exe" = "$CLUSTER_DIR/hosts/h$i/bin/taskapi"
done
seen=$(for _ in $(seq 1 12); do curl -s "$BASE_URL/health" | jq -r .build; done | sort -u | xargs)
check "through the balancer /health says the new build ($seen)" test "$seen" = "$new_id"
TOKEN='' req GET /metrics "" --interface 127.0.0.2
expect_status 404 "bad: the balancer answers /metrics from 127.0.0.2 with 404"
cluster_down_verified

finish
