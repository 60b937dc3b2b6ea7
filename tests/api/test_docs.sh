#!/usr/bin/env bash
# The API's documents served by NGINX: /openapi.json (the OpenAPI 3.1 document), the
# welcome document's links /docs (Swagger UI) and /redoc (ReDoc), and their files.
# (tests/web renders them in a browser; tests/contract checks the document's content.)
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

TOKEN='' req GET /openapi.json
expect_status 200 "GET /openapi.json is 200"
expect_header content-type '^application/json' "/openapi.json is JSON"
expect_json '.openapi' 3.1.0 "/openapi.json is an OpenAPI 3.1 document"
expect_json '.info.title' "Task Management API" "/openapi.json has the API's title"
expect_json '.paths | has("/api/v1/tasks/{id}")' true "/openapi.json documents the task routes"

TOKEN='' req GET /
for link in $(jq -r '.docs, .redoc' <<<"$BODY"); do
	TOKEN='' req GET "$link"
	expect_status 200 "the welcome document's link $link answers 200"
	expect_header content-type '^text/html' "$link is HTML"
	expect_header content-security-policy "script-src 'self';" "$link allows only this origin's scripts"
	check "$link loads its viewer from this origin" grep -qE 'src="/docs/vendor/(swagger-ui-bundle|redoc\.standalone)\.js"' <<<"$BODY"
done

for f in vendor/swagger-ui-bundle.js vendor/swagger-ui.css vendor/redoc.standalone.js swagger.js redoc.js; do
	TOKEN='' req HEAD "/docs/$f" "" --head
	expect_status 200 "/docs/$f is served"
done
TOKEN='' req GET /docs/vendor/redoc.standalone.js
if [[ $STATUS == 200 && $BODY != *cdn.redoc.ly* ]]; then
	ok "the ReDoc bundle as served reaches no other origin for its logo"
else
	fail "the ReDoc bundle as served reaches no other origin for its logo" "status $STATUS, cdn.redoc.ly still in the bundle?"
fi

finish
