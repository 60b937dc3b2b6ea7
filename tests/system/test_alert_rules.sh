#!/usr/bin/env bash
# The alert rules of docs/alerts.rules.yml: promtool accepts them, their unit tests
# (tests/rules/alerts.test.yml) pass, and every metric they use is one the running pool
# really exposes. Needs BASE_URL.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../api/lib.sh
. "$here/../api/lib.sh"
REPO=$(cd "$here/../.." && pwd)
rules=$REPO/docs/alerts.rules.yml

if out=$(promtool check rules "$rules" 2>&1); then
	ok "promtool check rules accepts docs/alerts.rules.yml ($(grep -o '[0-9]* rules found' <<<"$out"))"
else
	fail "promtool check rules accepts docs/alerts.rules.yml" "$out"
fi
if out=$(cd "$REPO/tests/rules" && promtool test rules alerts.test.yml 2>&1); then
	ok "promtool test rules: each alert fires on its case and not on a healthy pool"
else
	fail "promtool test rules" "$out"
fi
for a in TaskapiHighErrorRatio TaskapiHighLatency TaskapiDatabaseDown TaskapiWorkerRestartLoop \
	PatroniNoPrimary PatroniNoSynchronousStandby; do
	check "the rules define $a" grep -q "alert: $a\$" "$rules"
done

req GET /health
metrics=$(curl -s "$BASE_URL/metrics")
# The text of every expr: (folded ones span the lines indented deeper than the key).
exprs=$(awk '
	{ match($0, /^ */); indent = RLENGTH }
	in_expr && indent > key_indent { print; next }
	{ in_expr = 0 }
	/^ *expr:/ { in_expr = 1; key_indent = indent; print }' "$rules")
while read -r name; do
	check "the rules' metric $name is exposed by the pool" grep -qE "^$name(\{| )" <<<"$metrics"
done < <(grep -oE '\b(http|db|workers?|process|users|tasks)_[a-z_]+\b' <<<"$exprs" | sort -u)

finish
