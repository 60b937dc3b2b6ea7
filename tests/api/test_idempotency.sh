#!/usr/bin/env bash
# Idempotency-Key on POST /api/v1/tasks/ and the register POSTs: the same key and body
# replays the first answer (status, body, Idempotent-Replayed: true) without creating
# anything; another body with the key is 422; a request in flight with the key gives 409;
# concurrent requests with one key create one task; keys are per user and expire.
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

register_user I
register_user J
TOKEN=$I_TOKEN
count_tasks() { psql_exec "SELECT count(*) FROM tasks WHERE owner_id = $1"; }
key() { echo "key-$(unique)"; }

# ---- a retry replays the first answer
k=$(key)
req POST /api/v1/tasks/ '{"title":"Pay rent","priority":"high"}' -H "Idempotency-Key: $k"
expect_status 201 "first POST with a key is 201"
expect_no_header idempotent-replayed "the first answer is not marked replayed"
first=$BODY
expect_location "/api/v1/tasks/$(jq -r .id <<<"$first")" "the first answer names the task (Location)"
first_location=$LOCATION
req POST /api/v1/tasks/ '{"title":"Pay rent","priority":"high"}' -H "Idempotency-Key: $k"
expect_status 201 "the retry is 201 too"
expect_header idempotent-replayed '^true$' "the retry carries Idempotent-Replayed: true"
check "the retry's body is the first body, byte for byte" test "$BODY" = "$first"
expect_location "${first_location#"$(base_prefix)"}" "the retry carries the first answer's Location"
expect_header content-type '^application/json; charset=utf-8$' "the replay is JSON"
req POST /api/v1/tasks/ '{"title":"Pay rent","priority":"high"}' -H "Idempotency-Key: $k"
check "a third try replays the same body" test "$BODY" = "$first"
check "one task was created for three POSTs" test "$(count_tasks "$I_ID")" = 1

# ---- the same key with another body: 422, nothing created
req POST /api/v1/tasks/ '{"title":"Pay rent","priority":"low"}' -H "Idempotency-Key: $k"
expect_422 "bad: the key with another body" '["header","Idempotency-Key"]' 1
req POST /api/v1/tasks/ '{"priority":"high","title":"Pay rent"}' -H "Idempotency-Key: $k"
expect_422 "bad: the key with the same fields in another order (another body)" '["header","Idempotency-Key"]' 1
check "no task created by the mismatches" test "$(count_tasks "$I_ID")" = 1

# ---- the scope is the user, whatever the credential: an API key of I replays it too
req POST /api/v1/api-keys '{"name":"idempotency test"}'
i_key=$(jq -r .key <<<"$BODY")
TOKEN=$i_key req POST /api/v1/tasks/ '{"title":"Pay rent","priority":"high"}' -H "Idempotency-Key: $k"
expect_header idempotent-replayed '^true$' "the same user's API key with the key: replayed"
check "the API key's retry body is the first body" test "$BODY" = "$first"
check "still one task" test "$(count_tasks "$I_ID")" = 1

# ---- no key, or another key: ordinary creates
req POST /api/v1/tasks/ '{"title":"Pay rent","priority":"high"}'
expect_status 201 "the same body without a key creates again"
expect_no_header idempotent-replayed "a POST without a key is not a replay"
req POST /api/v1/tasks/ '{"title":"Pay rent","priority":"high"}' -H "Idempotency-Key: $(key)"
expect_status 201 "the same body with a new key creates again"
check "three tasks now" test "$(count_tasks "$I_ID")" = 3

# ---- keys are per user
TOKEN=$J_TOKEN req POST /api/v1/tasks/ '{"title":"Pay rent","priority":"high"}' -H "Idempotency-Key: $k"
expect_status 201 "another user may use the same key"
expect_no_header idempotent-replayed "another user's key is their own (no replay)"
expect_json '.owner_id' "$J_ID" "another user's POST creates their own task"

# ---- invalid bodies are not stored: a corrected retry with the key works
k2=$(key)
req POST /api/v1/tasks/ '{"title":""}' -H "Idempotency-Key: $k2"
expect_422 "bad: an invalid body with a key is 422" '["body","title"]' 1
req POST /api/v1/tasks/ '{"title":"fixed"}' -H "Idempotency-Key: $k2"
expect_status 201 "the corrected body with the same key is 201"

# ---- bad keys
req POST /api/v1/tasks/ '{"title":"x"}' -H "Idempotency-Key: $(printf 'k%.0s' {1..256})"
expect_422 "bad: a key of 256 characters" '["header","Idempotency-Key"]' 1
req POST /api/v1/tasks/ '{"title":"x"}' -H "Idempotency-Key;"
expect_422 "bad: an empty key" '["header","Idempotency-Key"]' 1
req POST /api/v1/tasks/ '{"title":"x"}' -H "Idempotency-Key: a key with spaces"
expect_422 "bad: a key with spaces" '["header","Idempotency-Key"]' 1
req POST /api/v1/tasks/ '{"title":"x"}' -H "Idempotency-Key: $(printf 'k%.0s' {1..255})"
expect_status 201 "a key of 255 characters is fine"
TOKEN='' req POST /api/v1/tasks/ '{"title":"x"}' -H "Idempotency-Key: $(key)"
expect_status 401 "bad: a key without a token is 401"

# ---- a request in flight: 409 (its row is there, 'in_flight', with this request's hash)
hash_of() { printf 'POST\n/api/v1/tasks/\n%s' "$1" | sha256sum | cut -c1-64; }
k3=$(key)
body='{"title":"slow one"}'
psql_exec "INSERT INTO idempotency_keys (user_id, key, request_hash, attempt, state, expires_at)
	VALUES ($I_ID, '$k3', decode('$(hash_of "$body")', 'hex'), 'other-worker', 'in_flight', now() + interval '1 day')"
before=$(count_tasks "$I_ID")
req POST /api/v1/tasks/ "$body" -H "Idempotency-Key: $k3"
expect_status 409 "a key whose request is in flight is 409"
expect_json '.detail | type' string "409 has a detail"
req POST /api/v1/tasks/ '{"title":"another"}' -H "Idempotency-Key: $k3"
expect_422 "bad: an in-flight key with another body is 422" '["header","Idempotency-Key"]' 1
check "nothing created while in flight" test "$(count_tasks "$I_ID")" = "$before"
# ... left in flight by a worker that died a minute ago: the retry runs
psql_exec "UPDATE idempotency_keys SET created_at = now() - interval '2 minutes' WHERE key = '$k3'"
req POST /api/v1/tasks/ "$body" -H "Idempotency-Key: $k3"
expect_status 201 "a key left in flight for over a minute is taken over: 201"
req POST /api/v1/tasks/ "$body" -H "Idempotency-Key: $k3"
expect_header idempotent-replayed '^true$' "and then replayed"

# ---- expiry: after 24 hours the key is free again
psql_exec "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = '$k'"
req POST /api/v1/tasks/ '{"title":"Pay rent again","priority":"high"}' -H "Idempotency-Key: $k"
expect_status 201 "an expired key with another body is 201 (a new request)"
expect_no_header idempotent-replayed "an expired key is not replayed"
expect_json '.title' "Pay rent again" "an expired key: the new task"
check "the stored answer's expiry is 24 hours ahead" test "$(psql_exec \
	"SELECT expires_at BETWEEN now() + interval '23 hours 59 minutes' AND now() + interval '24 hours 1 minute'
	 FROM idempotency_keys WHERE user_id = $I_ID AND key = '$k'")" = t
psql_exec "INSERT INTO idempotency_keys (user_id, key, request_hash, attempt, state, expires_at)
	SELECT 0, 'expired-' || g, '\\x00', 'x', 'completed', now() - interval '1 day' FROM generate_series(1, 5) g"
req POST /api/v1/tasks/ '{"title":"cleanup"}' -H "Idempotency-Key: $(key)"
check "expired keys are cleaned up as keys are used" test "$(psql_exec \
	"SELECT count(*) FROM idempotency_keys WHERE key LIKE 'expired-%'")" = 0

# ---- concurrent requests with one key: one task, the others replay or 409
k4=$(key)
before=$(count_tasks "$I_ID")
for i in $(seq 8); do
	curl -s -o "$_T/c_$i.body" -D "$_T/c_$i.head" -w '%{http_code}\n' -X POST \
		-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -H "Idempotency-Key: $k4" \
		--data-binary '{"title":"concurrent"}' "$BASE_URL/api/v1/tasks/" >"$_T/c_$i.status" &
done
wait
check "8 concurrent POSTs with one key created exactly one task" test "$(count_tasks "$I_ID")" = $((before + 1))
codes=$(cat "$_T"/c_*.status | sort | uniq | xargs)
check "8 concurrent POSTs answer only 201 or 409 ($codes)" bash -c "[[ '$codes' =~ ^(201|201\ 409|409)$ ]]"
ids=$(for i in $(seq 8); do [[ $(cat "$_T/c_$i.status") == 201 ]] && jq -r .id "$_T/c_$i.body"; done | sort -u | wc -l)
check "every 201 among them carries the same task" test "$ids" = 1
req POST /api/v1/tasks/ '{"title":"concurrent"}' -H "Idempotency-Key: $k4"
expect_status 201 "after the race the key replays"
expect_header idempotent-replayed '^true$' "after the race: Idempotent-Replayed"

# ---- register: anonymous, keyed the same way; errors are replayed too
u=$(unique)
reg=$(jq -cn --arg u "i_$u" '{email: ("i_" + $u + "@example.com"), username: $u, password: "Secret123"}')
k5=$(key)
TOKEN='' req POST /api/v1/auth/register "$reg" -H "Idempotency-Key: $k5"
expect_status 201 "register with a key is 201"
reg_first=$BODY
TOKEN='' req POST /api/v1/auth/register "$reg" -H "Idempotency-Key: $k5"
expect_status 201 "register retried with the key: 201, not 'already registered'"
expect_header idempotent-replayed '^true$' "register retry: Idempotent-Replayed"
check "register retry: the same user" test "$BODY" = "$reg_first"
expect_location "/api/v1/users/$(jq -r .id <<<"$reg_first")" "register retry: the first answer's Location"
TOKEN='' req POST /api/v1/auth/register "$reg" -H "Idempotency-Key: $(key)"
expect_status 400 "register with a new key: the user exists, 400"
k6=$(key)
TOKEN='' req POST /api/v1/auth/register "$reg" -H "Idempotency-Key: $k6"
TOKEN='' req POST /api/v1/auth/register "$reg" -H "Idempotency-Key: $k6"
expect_status 400 "a stored 400 is replayed as 400"
expect_header idempotent-replayed '^true$' "the replayed 400 is marked"
TOKEN='' req POST /api/v1/auth/register-admin "$reg" -H "Idempotency-Key: $k5"
expect_422 "bad: the register key on register-admin (another request)" '["header","Idempotency-Key"]' 1

finish
