#!/usr/bin/env bash
# Security headers: X-Content-Type-Options: nosniff on every answer (the application's
# and NGINX's own error pages), Cache-Control: no-store on every answer that carries a
# credential, and a Content-Security-Policy on the web UI's location (/app/).
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

register_user A
nosniff() { # NAME EXPECTED-STATUS
	expect_status "$2" "$1 is $2"
	expect_header x-content-type-options '^nosniff$' "$1 has X-Content-Type-Options: nosniff"
}

# ---- the application's answers
TOKEN='' req GET /
nosniff "GET /" 200
TOKEN='' req GET /health
nosniff "GET /health" 200
TOKEN=$A_TOKEN req GET /api/v1/users/me
nosniff "GET /users/me" 200
TOKEN=$A_TOKEN req POST /api/v1/tasks/ '{"title":"h"}'
nosniff "POST /tasks/" 201
TOKEN=$A_TOKEN req DELETE "/api/v1/tasks/$(jq -r .id <<<"$BODY")"
nosniff "DELETE /tasks/{id}" 204
TOKEN='' req GET /api/v1/users/me
nosniff "no token" 401
TOKEN=$A_TOKEN req GET /api/v1/users/
nosniff "not admin" 403
TOKEN='' req GET /api/v1/nowhere
nosniff "unknown route" 404
TOKEN='' req DELETE /health
nosniff "wrong method" 405
TOKEN=$A_TOKEN req POST /api/v1/tasks/ '{'
nosniff "malformed JSON" 422
TOKEN='' req OPTIONS /api/v1/tasks/ '' -H 'Origin: http://localhost:3000' -H 'Access-Control-Request-Method: POST'
nosniff "CORS preflight" 204

# ---- NGINX's own answers
head -c $((1024 * 1024 + 10)) /dev/zero | tr '\0' a >"$_T/big"
TOKEN='' req POST /api/v1/auth/register "@$_T/big"
nosniff "a body over 1 MiB (NGINX)" 413
expect_header content-type '^application/json' "413 from NGINX is JSON"
TOKEN='' req GET /health '' -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' a)"
nosniff "a 20 KB header line (NGINX)" 431
expect_body_json '{"detail":"Request Header Fields Too Large"}' "431 from NGINX is JSON"
TOKEN='' req GET "/$(head -c 20000 /dev/zero | tr '\0' a)"
nosniff "a 20 KB URI (NGINX)" 414
expect_body_json '{"detail":"URI Too Long"}' "414 from NGINX is JSON"
TOKEN='' req GET '/api/v1/tasks/%'
nosniff "a bad percent escape in the path (NGINX)" 400
expect_body_json '{"detail":"Bad Request"}' "400 from NGINX is JSON"

# ---- Cache-Control: no-store where credentials are carried
login "$A_NAME" "$A_PASSWORD"
expect_header cache-control '^no-store$' "login (tokens) has Cache-Control: no-store"
rt=$(jq -r .refresh_token <<<"$BODY")
TOKEN='' req POST /api/v1/auth/refresh "$(jq -cn --arg t "$rt" '{refresh_token:$t}')"
expect_header cache-control '^no-store$' "refresh (tokens) has Cache-Control: no-store"
TOKEN=$A_TOKEN req POST /api/v1/api-keys '{"name":"h"}'
expect_header cache-control '^no-store$' "a new API key has Cache-Control: no-store"
TOKEN=$A_TOKEN req GET /api/v1/api-keys
expect_header cache-control '^no-store$' "the API key list has Cache-Control: no-store"

# ---- the web UI location has a Content-Security-Policy (on every answer, 404 included)
TOKEN='' req GET /app/
expect_header content-security-policy "default-src 'self'" "/app/ has a Content-Security-Policy with default-src 'self'"
expect_header content-security-policy "frame-ancestors 'none'" "/app/'s policy forbids framing"
expect_header content-security-policy "object-src 'none'" "/app/'s policy forbids plugins"
expect_header x-content-type-options '^nosniff$' "/app/ has nosniff"
TOKEN='' req GET /app/missing.js
expect_header content-security-policy "script-src 'self'" "a missing UI file is answered with the policy too"

finish
