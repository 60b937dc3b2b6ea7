#!/usr/bin/env bash
# CORS: preflight for allowed origins (204, Allow-* headers, credentials), the
# Access-Control-Allow-Origin on normal responses, nothing for other origins.
# shellcheck source=tests/api/lib.sh
. "$(dirname "$0")/lib.sh"

register_user A

preflight() { # ORIGIN PATH METHOD
	TOKEN='' req OPTIONS "$2" '' -H "Origin: $1" -H "Access-Control-Request-Method: $3" \
		-H 'Access-Control-Request-Headers: authorization,content-type'
}

for origin in http://localhost:3000 http://localhost:5173; do
	for path in /api/v1/tasks/ /api/v1/auth/login /api/v1/users/me; do
		preflight "$origin" "$path" POST
		expect_status 204 "preflight from $origin to $path is 204"
		expect_header access-control-allow-origin "^${origin//./\\.}\$" "preflight from $origin to $path: Allow-Origin is the origin"
		expect_header access-control-allow-credentials '^true$' "preflight from $origin to $path: Allow-Credentials true"
		expect_header_token access-control-allow-methods POST "preflight from $origin to $path: Allow-Methods lists POST"
		expect_header_token access-control-allow-headers authorization "preflight from $origin to $path: Allow-Headers lists Authorization"
		expect_header_token access-control-allow-headers content-type "preflight from $origin to $path: Allow-Headers lists Content-Type"
		if [[ -z $BODY ]]; then ok "preflight from $origin to $path has no body"; else
			fail "preflight from $origin to $path has no body" "$(_last)"
		fi
	done
done
for m in PUT DELETE GET; do
	preflight http://localhost:3000 /api/v1/tasks/1 "$m"
	expect_status 204 "preflight for $m on /api/v1/tasks/1 is 204"
	expect_header_token access-control-allow-methods "$m" "preflight for $m: Allow-Methods lists $m"
done

# ---- normal requests from an allowed origin
TOKEN='' req GET /health '' -H 'Origin: http://localhost:3000'
expect_status 200 "GET /health with an allowed Origin is 200"
expect_header access-control-allow-origin '^http://localhost:3000$' "GET /health with an allowed Origin: Allow-Origin"
expect_header access-control-allow-credentials '^true$' "GET /health with an allowed Origin: Allow-Credentials true"
TOKEN=$A_TOKEN req GET /api/v1/tasks/ '' -H 'Origin: http://localhost:5173'
expect_status 200 "authenticated GET with an allowed Origin is 200"
expect_header access-control-allow-origin '^http://localhost:5173$' "authenticated GET with an allowed Origin: Allow-Origin"
TOKEN=$A_TOKEN req POST /api/v1/tasks/ '{"title":"cors"}' -H 'Origin: http://localhost:3000'
expect_status 201 "POST with an allowed Origin is 201"
expect_header access-control-allow-origin '^http://localhost:3000$' "POST with an allowed Origin: Allow-Origin"
expect_header_token access-control-expose-headers location "browsers may read the created task's Location"

# ---- an origin not in the list gets no Access-Control-Allow-Origin
for origin in http://evil.example.com http://localhost:3001 https://localhost:3000 http://localhost:3000.evil.com null; do
	TOKEN='' req GET /health '' -H "Origin: $origin"
	expect_status 200 "GET /health from $origin still answers"
	expect_no_header access-control-allow-origin "bad: GET from $origin has no Allow-Origin"
	preflight "$origin" /api/v1/tasks/ POST
	expect_no_header access-control-allow-origin "bad: preflight from $origin has no Allow-Origin"
	expect_no_header access-control-allow-credentials "bad: preflight from $origin has no Allow-Credentials"
done

# no wildcard with credentials, ever
TOKEN='' req GET /health '' -H 'Origin: http://localhost:3000'
if header_value access-control-allow-origin | grep -qx '\*'; then fail "bad: Allow-Origin is never *" "$HEADERS"; else
	ok "bad: Allow-Origin is never *"
fi

finish
