-- wrk script: the same POST again and again. Environment: POST_BODY (JSON), TOKEN.
wrk.method = "POST"
wrk.body = os.getenv("POST_BODY") or "{}"
wrk.headers["Content-Type"] = "application/json"
if os.getenv("TOKEN") then
	wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
end
