#!/usr/bin/env bash
# Cursor pagination and sorting of GET /api/v1/tasks/: every sort, both directions, ties
# broken by id, tasks without a due date last either way; walking the pages by following
# the Link header gives each task exactly once, in order; next_cursor is null on the last
# page; a cursor is tamper-evident and bound to its user, sort and filters; skip stays.
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

register_user S
register_user OTHER
TOKEN=$S_TOKEN

# ---- 23 tasks with repeated titles, priorities, statuses and due dates, some without one
titles=(alpha Beta alpha gamma "Émile" beta delta alpha Zeta epsilon gamma "a b" alpha zeta
	Delta omega alpha beta Alpha iota kappa alpha lambda)
statuses=(todo in_progress completed)
priorities=(high low medium low)
dues=("2030-01-01T10:00:00Z" "" "2020-05-05T00:00:00Z" "2030-01-01T10:00:00Z" "2025-06-01T12:30:00Z"
	"" "2020-05-05T00:00:00Z" "2031-12-31T23:59:59Z" "" "2030-01-01T10:00:00Z" "2024-02-29T08:00:00Z")
for i in "${!titles[@]}"; do
	due=${dues[$((i % ${#dues[@]}))]}
	body=$(jq -cn --arg t "${titles[$i]}" --arg s "${statuses[$((i % 3))]}" \
		--arg p "${priorities[$((i % 4))]}" --arg d "$due" --arg desc "task number $i" \
		'{title:$t, status:$s, priority:$p, description:$desc} + (if $d == "" then {} else {due_date:$d} end)')
	create_task "$S_TOKEN" "$body"
done
# updated_at in another order than created_at: touch some tasks again
req GET '/api/v1/tasks/?limit=100'
first_ids=$(jq -c '[.tasks[].id]' <<<"$BODY")
for k in 5 1 17 9; do
	req PATCH "/api/v1/tasks/$(jq -r ".[$k]" <<<"$first_ids")" '{"description":"touched"}'
done
req GET '/api/v1/tasks/?limit=100'
all=$BODY
expect_json '.total' 23 "setup: 23 tasks"

# The expected order of the whole list for a sort, computed here from the tasks.
JQ_ORDER='
def ts: if . == null then null else (sub("Z$"; "") | split(".") | .[0] + "." + (((.[1] // "") + "000000")[0:6])) end;
def rank: {"low": 0, "medium": 1, "high": 2, "todo": 0, "in_progress": 1, "completed": 2}[.];
def key($k): if $k == "created_at" then (.created_at | ts) elif $k == "updated_at" then (.updated_at | ts)
  elif $k == "priority" then (.priority | rank) elif $k == "status" then (.status | rank)
  elif $k == "title" then .title else .id end;
def order($sort): ($sort | ltrimstr("-")) as $k | ($sort | startswith("-")) as $desc |
  if $k == "due_date" then
    (map(select(.due_date != null)) | sort_by([(.due_date | ts), .id]) | if $desc then reverse else . end)
    + (map(select(.due_date == null)) | sort_by(.id) | if $desc then reverse else . end)
  else sort_by([key($k), .id]) | if $desc then reverse else . end end;
'
expected() { # SORT [JQ-SELECT]: the ids in order
	jq -c --arg s "$1" "$JQ_ORDER [.tasks[] | ${2:-.}] | order(\$s) | map(.id)" <<<"$all"
}

# walk NAME QUERY LIMIT: follows Link from the first page to the last; WALK_IDS gets the
# ids in the order received. Checks page numbers, page sizes, totals, next_cursor/Link.
walk() {
	local name=$1 url="/api/v1/tasks/?$2" lim=$3 page=1 cursor link total='' ok=1 n p t ids
	WALK_IDS='[]'
	[[ -n $lim ]] && url+="&limit=$lim"
	while :; do
		req GET "$url"
		if [[ $STATUS != 200 ]]; then
			fail "$name: page $page is 200" "$(_last)"
			return 1
		fi
		read -r n p t cursor ids < <(jq -r '[(.tasks | length), .page, .total, (.next_cursor // "-"),
			([.tasks[].id] | tojson)] | join(" ")' <<<"$BODY")
		[[ $cursor == - ]] && cursor=
		WALK_IDS=$(jq -c --argjson a "$WALK_IDS" --argjson b "$ids" -n '$a + $b')
		[[ $p == "$page" ]] || { ok=0; fail "$name: page $page says page $page" "$(_last)"; }
		[[ -z $total || $t == "$total" ]] || { ok=0; fail "$name: total stays" "$(_last)"; }
		total=$t
		link=$(header_value link)
		if [[ -z $cursor ]]; then
			[[ -z $link ]] || { ok=0; fail "$name: no Link on the last page" "$link"; }
			break
		fi
		[[ -z $lim || $n == "$lim" ]] || { ok=0; fail "$name: a full page before the last" "$(_last)"; }
		if [[ ! $link =~ ^\<(/api/v1/tasks/\?[^>]*cursor=$cursor)\>\;\ rel=\"next\"$ ]]; then
			ok=0
			fail "$name: Link is <...cursor=next_cursor>; rel=\"next\"" "Link: $link"
			break
		fi
		url=${BASH_REMATCH[1]}
		page=$((page + 1))
		((page < 60)) || break
	done
	[[ $(jq length <<<"$WALK_IDS") == "$total" ]] || { ok=0; fail "$name: as many tasks as total" "got $WALK_IDS, total $total"; }
	((ok)) && ok "$name: pages 1..$page, totals, next_cursor and Link consistent"
	return 0
}

# ---- every sort, ascending and descending, walked 5 (or 7) at a time
for sort in id created_at updated_at due_date priority status title; do
	for s in "$sort" "-$sort"; do
		by=$([[ $s == -* ]] && echo 7 || echo 5)
		walk "sort=$s by $by" "sort=$s" "$by"
		check "sort=$s by $by: every task once, in order, ties by id" test "$WALK_IDS" = "$(expected "$s")"
	done
done

# the first page of a sort is the same with and without the cursor machinery
req GET '/api/v1/tasks/?sort=-due_date&limit=5'
expect_json '[.tasks[].id] | tojson' "$(expected -due_date | jq -c '.[0:5]')" "sort=-due_date&limit=5: first page"
expect_json '[.tasks[] | .due_date == null] | any' false "sort=-due_date: dated tasks first"
req GET '/api/v1/tasks/?sort=due_date&limit=100'
expect_json '[.tasks[-5:][] | .due_date] | all(. == null)' true "sort=due_date: the 5 undated tasks last"
req GET '/api/v1/tasks/?sort=-due_date&limit=100'
expect_json '[.tasks[-5:][] | .due_date] | all(. == null)' true "sort=-due_date: the 5 undated tasks last too"
req GET '/api/v1/tasks/?sort=priority&limit=100'
expect_json '[.tasks[].priority] | (index("medium") > (rindex("low"))) and (index("high") > rindex("medium"))' true \
	"sort=priority: low, then medium, then high"
req GET '/api/v1/tasks/?sort=-status&limit=100'
expect_json '[.tasks[].status] | (index("in_progress") > rindex("completed")) and (index("todo") > rindex("in_progress"))' true \
	"sort=-status: completed, then in_progress, then todo"

# ---- the default: ids ascending; a walk without sort
walk "no sort by 10" "" 10
check "no sort: id order" test "$WALK_IDS" = "$(expected id)"
walk "no sort, no limit (10)" "" ""
check "no sort, no limit: id order" test "$WALK_IDS" = "$(expected id)"

# ---- with filters: the cursor keeps them
walk "status=todo,completed&sort=title by 3" "status=todo,completed&sort=title" 3
check "status=todo,completed&sort=title: the filtered tasks, in order" test "$WALK_IDS" = \
	"$(expected title 'select(.status != "in_progress")')"
walk "priority=low&sort=-due_date by 2" "priority=low&sort=-due_date" 2
check "priority=low&sort=-due_date: the filtered tasks, in order" test "$WALK_IDS" = \
	"$(expected -due_date 'select(.priority == "low")')"
walk "q=alpha&sort=-created_at by 2" "q=alpha&sort=-created_at" 2
check "q=alpha&sort=-created_at: the matching tasks, in order" test "$WALK_IDS" = \
	"$(expected -created_at 'select(.title | ascii_downcase | test("\\balpha\\b"))')"
walk "due_after&sort=updated_at by 3" "due_after=2021-01-01T00:00:00Z&sort=updated_at" 3
check "due_after&sort=updated_at: the filtered tasks, in order" test "$WALK_IDS" = \
	"$(expected updated_at 'select(.due_date != null and .due_date > "2021-01-01T00:00:00Z")')"

# ---- cursor and the page size: a cursor page may ask for another limit
req GET '/api/v1/tasks/?sort=title&limit=5'
c1=$(jq -r .next_cursor <<<"$BODY")
req GET "/api/v1/tasks/?limit=3&cursor=$c1"
expect_status 200 "a cursor with another limit is 200"
expect_json '[.tasks[].id] | tojson' "$(expected title | jq -c '.[5:8]')" "cursor with limit 3: the next 3 in the cursor's sort"
expect_json '.page' 2 "the page after a first-page cursor is page 2"
expect_json '.page_size' 3 "page_size is the request's limit"
req GET "/api/v1/tasks/?sort=title&limit=5&cursor=$c1"
expect_status 200 "a cursor with its own sort repeated is 200"
expect_json '.tasks[0].id' "$(expected title | jq -r '.[5]')" "cursor with sort repeated: same page"

# ---- the last page: next_cursor null, no Link
req GET '/api/v1/tasks/?limit=100'
expect_json '.next_cursor' null "one page holding everything: next_cursor is null"
expect_no_header link "one page holding everything: no Link"
req GET '/api/v1/tasks/?limit=23'
expect_json '.next_cursor' null "limit equal to the total: next_cursor is null"
req GET '/api/v1/tasks/?limit=22'
expect_json '.next_cursor | type' string "limit one below the total: a next_cursor"

# ---- offset paging is unchanged, and sorts and filters apply to it too
req GET '/api/v1/tasks/?skip=4&limit=4&sort=title'
expect_status 200 "skip with sort is 200"
expect_json '[.tasks[].id] | tojson' "$(expected title | jq -c '.[4:8]')" "skip=4&limit=4&sort=title: the right tasks"
expect_json '.page' 2 "skip=4&limit=4: page 2"
req GET '/api/v1/tasks/?skip=20&limit=4&sort=-due_date'
expect_json '[.tasks[].id] | tojson' "$(expected -due_date | jq -c '.[20:24]')" "skip=20&limit=4&sort=-due_date: the last 3"
expect_json '.next_cursor' null "skip to the last page: next_cursor null"
req GET '/api/v1/tasks/?skip=8&limit=4'
c_off=$(jq -r .next_cursor <<<"$BODY")
req GET "/api/v1/tasks/?limit=4&cursor=$c_off"
expect_json '[.tasks[].id] | tojson' "$(expected id | jq -c '.[12:16]')" "a cursor from an offset page continues after it"
expect_json '.page' 4 "a cursor from offset page 3 leads to page 4"

# ---- bad cursors: 422 with loc [query, cursor], never a wrong page or a 500
req GET '/api/v1/tasks/?sort=-created_at&limit=3&status=todo'
good=$(jq -r .next_cursor <<<"$BODY")
payload=${good%%.*} mac=${good#*.}
bad_cursor() { # NAME QUERY
	req GET "/api/v1/tasks/?$2"
	expect_422 "bad: $1" '["query","cursor"]' 1
	expect_no_leak "bad: $1 leaks nothing"
}
flip() { # STRING INDEX: the string with the character at INDEX changed
	local s=$1 i=$2 ch=${1:$2:1} new=A
	[[ $ch == A ]] && new=B
	printf '%s%s%s' "${s:0:i}" "$new" "${s:i+1}"
}
bad_cursor "cursor with a changed payload character" "status=todo&cursor=$(flip "$good" 3)"
bad_cursor "cursor with a changed last payload character" "status=todo&cursor=$(flip "$good" $((${#payload} - 1)))"
bad_cursor "cursor with a changed MAC character" "status=todo&cursor=$(flip "$good" $((${#payload} + 5)))"
bad_cursor "cursor with a changed last character" "status=todo&cursor=$(flip "$good" $((${#good} - 1)))"
forged=$(printf '1\n-created_at\n2\n1\n2000-01-01 00:00:00+00' | b64url)
bad_cursor "cursor with a forged payload and the old MAC" "status=todo&cursor=$forged.$mac"
bad_cursor "cursor without its MAC" "status=todo&cursor=$payload"
bad_cursor "cursor with an empty MAC" "status=todo&cursor=$payload."
bad_cursor "cursor used without its filter" "cursor=$good"
bad_cursor "cursor used with another filter" "status=completed&cursor=$good"
bad_cursor "cursor used with an added filter" "status=todo&priority=high&cursor=$good"
bad_cursor "cursor used with another sort" "status=todo&sort=title&cursor=$good"
bad_cursor "cursor with skip" "status=todo&skip=0&cursor=$good"
bad_cursor "cursor that is not base64" "cursor=%25%25%25.%24%24"
bad_cursor "empty cursor" "cursor="
bad_cursor "cursor of garbage" "cursor=abc.def"
bad_cursor "very long cursor" "cursor=$(head -c 5000 /dev/zero | tr '\0' A)"
TOKEN=$OTHER_TOKEN req GET "/api/v1/tasks/?sort=-created_at&limit=3&status=todo&cursor=$good"
expect_422 "bad: another user's cursor" '["query","cursor"]' 1
req GET "/api/v1/tasks/?status=todo&cursor=$good&limit=3"
expect_status 200 "the untouched cursor with its filter is 200"
req GET "/api/v1/tasks/?status=todo&limit=3&cursor=$good&sort=-created_at"
expect_status 200 "the cursor with its filter and sort in another order of parameters is 200"
req GET "/api/v1/tasks/?status=todo&cursor=$good&limit=0"
expect_422 "bad: cursor with limit=0" '["query","limit"]' 1

# ---- cursors under another access token of the same user, and with an API key
login "$S_NAME" "$S_PASSWORD"
TOKEN=$LOGIN_TOKEN req GET "/api/v1/tasks/?sort=-created_at&limit=3&status=todo&cursor=$good"
expect_status 200 "a cursor works with another access token of the same user"
req POST /api/v1/api-keys '{"name":"cursor test"}'
s_key=$(jq -r .key <<<"$BODY")
TOKEN=$s_key req GET '/api/v1/tasks/?sort=title&limit=10'
expect_status 200 "a list with an API key is 200"
key_cursor=$(jq -r .next_cursor <<<"$BODY")
TOKEN=$s_key req GET "/api/v1/tasks/?limit=10&cursor=$key_cursor"
expect_json '[.tasks[].id] | tojson' "$(expected title | jq -c '.[10:20]')" "an API key's cursor leads to its next page"
TOKEN=$s_key req GET "/api/v1/tasks/?sort=-created_at&limit=3&status=todo&cursor=$good"
expect_422 "bad: a token's cursor used with an API key (bound to the credential kind)" '["query","cursor"]' 1
req GET "/api/v1/tasks/?limit=10&cursor=$key_cursor"
expect_422 "bad: an API key's cursor used with a token" '["query","cursor"]' 1

finish
