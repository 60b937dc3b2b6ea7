#!/usr/bin/env bash
# docs/hosting.md shows every recipe file of dist/ verbatim (scripts/hosting-doc --check),
# and every recipe the hosting tests render is one the page shows.
# shellcheck source=tests/hosting/lib.sh
. "$(dirname "$0")/lib.sh"

if out=$("$REPO/scripts/hosting-doc" --check 2>&1); then
	hok "docs/hosting.md shows the files of dist/ as they are"
else
	hfail "docs/hosting.md shows the files of dist/ as they are" "$(head -n 5 <<<"$out")"
fi
for f in $(grep -oh 'dist/[a-z/.-]*\.in' "$REPO"/tests/hosting/test_*.sh | sort -u); do
	hcheck "$f, rendered by a test, is shown in docs/hosting.md" \
		grep -qx "<!-- file: $f -->" "$REPO/docs/hosting.md"
done
hosting_finish
