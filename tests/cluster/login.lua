-- wrk script: a flood of logins (POST /api/v1/auth/login) for one user.
-- Environment: LOGIN_USER, LOGIN_PASSWORD.
local body = string.format('{"username":"%s","password":"%s"}',
	os.getenv("LOGIN_USER") or "", os.getenv("LOGIN_PASSWORD") or "")
wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
