#!/usr/bin/env bash
# Admin routes: GET /api/v1/users/ (skip/limit, order), GET and DELETE /api/v1/users/{id}.
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

register_admin ADM
register_user A
register_user B
register_user C

denied() { # NAME
	expect_status 403 "$1 is 403"
	expect_body_json '{"detail":"Not enough permissions. Admin access required."}' "$1 says Not enough permissions. Admin access required."
}

# ---- a normal user gets 403 everywhere
TOKEN=$A_TOKEN req GET /api/v1/users/
denied "bad: non-admin GET /users/"
TOKEN=$A_TOKEN req GET '/api/v1/users/?skip=0&limit=100'
denied "bad: non-admin GET /users/?skip=0&limit=100"
TOKEN=$A_TOKEN req GET "/api/v1/users/$B_ID"
denied "bad: non-admin GET /users/{other}"
TOKEN=$A_TOKEN req GET "/api/v1/users/$A_ID"
denied "bad: non-admin GET /users/{self}"
TOKEN=$A_TOKEN req DELETE "/api/v1/users/$B_ID"
denied "bad: non-admin DELETE /users/{other}"
TOKEN=$A_TOKEN req DELETE /api/v1/users/999999999
denied "bad: non-admin DELETE /users/{missing}"
TOKEN=$ADM_TOKEN req GET "/api/v1/users/$B_ID"
expect_status 200 "the user a non-admin tried to delete still exists"
TOKEN='' req GET /api/v1/users/
expect_status 401 "bad: GET /users/ without a token is 401"

# ---- list
TOKEN=$ADM_TOKEN req GET '/api/v1/users/?skip=0&limit=100'
expect_status 200 "admin GET /users/ is 200"
expect_header content-type '^application/json; charset=utf-8$' "admin GET /users/ answers JSON utf-8"
expect_json 'type' array "admin list is an array"
expect_json 'length <= 100 and length >= 1' true "admin list honours limit 100"
expect_json '[.[].id] == ([.[].id] | sort) and ([.[].id] | length) == ([.[].id] | unique | length)' true \
	"admin list is ordered by id ascending"
expect_json 'all(.[]; has("id","email","username","full_name","role","is_active","created_at","updated_at"))' true \
	"admin list entries are Users"
expect_no_password_fields "admin list: no password field"

TOKEN=$ADM_TOKEN req GET /api/v1/users/
expect_status 200 "admin GET /users/ without parameters is 200"
expect_json 'length <= 100' true "admin list default limit is at most 100"

TOKEN=$ADM_TOKEN req GET '/api/v1/users/?skip=0&limit=1'
expect_json 'length' 1 "admin list limit=1 gives one user"

TOKEN=$ADM_TOKEN req GET '/api/v1/users/?skip=0&limit=5'
first5=$(jq -c '[.[].id]' <<<"$BODY")
TOKEN=$ADM_TOKEN req GET '/api/v1/users/?skip=2&limit=2'
expect_json '[.[].id] | tojson' "$(jq -c '.[2:4]' <<<"$first5")" \
	"admin list skip=2&limit=2 is the 3rd and 4th users"

# our users, found by skipping the users with smaller ids
if before=$(psql_exec "SELECT count(*) FROM users WHERE id < $A_ID"); then
	TOKEN=$ADM_TOKEN req GET "/api/v1/users/?skip=$before&limit=3"
	expect_status 200 "admin list with skip=$before is 200"
	expect_json '.[0].id' "$A_ID" "admin list skip=<users before A> starts at A"
	expect_json 'length' 3 "admin list limit=3 gives three users"
	expect_json "[.[].id] == ([.[].id] | sort) and all(.[]; .id >= $A_ID)" true "admin list page is in id order"
	expect_json '.[0].username' "$A_NAME" "admin list shows A's username"
	TOKEN=$ADM_TOKEN req GET "/api/v1/users/?skip=$((before + 1))&limit=100"
	expect_json "[.[].id] | index($B_ID) != null and index($A_ID) == null" true "admin list skip past A shows B, not A"
	TOKEN=$ADM_TOKEN req GET "/api/v1/users/?skip=1000000000&limit=10"
	expect_status 200 "admin list far past the end is 200"
	expect_json 'length' 0 "admin list far past the end is empty"
else
	fail "setup: count users with psql" "psql failed"
fi

# ---- get one
TOKEN=$ADM_TOKEN req GET "/api/v1/users/$A_ID"
expect_status 200 "admin GET /users/{id} is 200"
expect_json '.id' "$A_ID" "admin GET /users/{id}: id"
expect_json '.username' "$A_NAME" "admin GET /users/{id}: username"
expect_json '.email' "$A_EMAIL" "admin GET /users/{id}: email"
expect_json '.role' user "admin GET /users/{id}: role"
expect_no_password_fields "admin GET /users/{id}: no password field"
TOKEN=$ADM_TOKEN req GET "/api/v1/users/$ADM_ID"
expect_status 200 "admin GET /users/{self} is 200"
expect_json '.role' admin "admin GET /users/{self}: role admin"

for missing in 999999999 0; do
	TOKEN=$ADM_TOKEN req GET "/api/v1/users/$missing"
	expect_status 404 "bad: admin GET /users/$missing is 404"
	expect_body_json '{"detail":"User not found"}' "bad: admin GET /users/$missing says User not found"
done
TOKEN=$ADM_TOKEN req GET /api/v1/users/abc
expect_422 "bad: admin GET /users/abc"
expect_json '.detail[0].loc[0]' path "bad: admin GET /users/abc: loc starts with path"

# ---- delete, with the user's tasks
register_user V
create_task "$V_TOKEN" '{"title":"victim task 1"}'
v_t1=${TASK_ID:-0}
create_task "$V_TOKEN" '{"title":"victim task 2","status":"completed"}'
create_task "$A_TOKEN" '{"title":"bystander task"}'
a_t1=${TASK_ID:-0}
n=$(psql_exec "SELECT count(*) FROM tasks WHERE owner_id = $V_ID")
if [[ $n == 2 ]]; then ok "setup: the victim has 2 tasks"; else fail "setup: the victim has 2 tasks" "found ${n:-?}"; fi

TOKEN=$ADM_TOKEN req DELETE "/api/v1/users/$V_ID"
expect_status 204 "admin DELETE /users/{id} is 204"
if [[ -z $BODY ]]; then ok "admin DELETE /users/{id} has an empty body"; else fail "admin DELETE /users/{id} has an empty body" "$(_last)"; fi
TOKEN=$ADM_TOKEN req GET "/api/v1/users/$V_ID"
expect_status 404 "GET a deleted user is 404"
expect_body_json '{"detail":"User not found"}' "GET a deleted user says User not found"
TOKEN=$ADM_TOKEN req DELETE "/api/v1/users/$V_ID"
expect_status 404 "bad: DELETE a deleted user again is 404"
expect_body_json '{"detail":"User not found"}' "bad: DELETE a deleted user again says User not found"
TOKEN=$ADM_TOKEN req DELETE /api/v1/users/999999999
expect_status 404 "bad: DELETE a user that never existed is 404"
expect_body_json '{"detail":"User not found"}' "bad: DELETE a user that never existed says User not found"
n=$(psql_exec "SELECT count(*) FROM tasks WHERE owner_id = $V_ID")
if [[ $n == 0 ]]; then ok "the deleted user's tasks are gone (psql)"; else fail "the deleted user's tasks are gone (psql)" "found ${n:-?} tasks"; fi
n=$(psql_exec "SELECT count(*) FROM users WHERE id = $V_ID")
if [[ $n == 0 ]]; then ok "the deleted user's row is gone (psql)"; else fail "the deleted user's row is gone (psql)" "found ${n:-?} rows"; fi
TOKEN=$ADM_TOKEN req GET "/api/v1/tasks/$v_t1"
expect_status 404 "the deleted user's task is 404 even for an admin"
TOKEN=$V_TOKEN req GET /api/v1/users/me
expect_status 401 "the deleted user's token is 401"
TOKEN=$A_TOKEN req GET "/api/v1/tasks/$a_t1"
expect_status 200 "another user's task survives the deletion"
login "$V_NAME" "$V_PASSWORD"
expect_status 401 "the deleted user cannot log in"

# the deleted user's name and email are free again
TOKEN='' req POST /api/v1/auth/register "$(jq -cn --arg e "$V_EMAIL" --arg n "$V_NAME" --arg p "$V_PASSWORD" '{email:$e, username:$n, password:$p}')"
expect_status 201 "the deleted user's username and email can be registered again"

finish
