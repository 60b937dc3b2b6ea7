-- A verifying load client for wrk: run with -t N -c N (one connection per thread, so
-- each response belongs to the thread's last request). Each thread cycles through
--   POST /api/v1/tasks/          (a write; its id is recorded when acknowledged)
--   GET  /api/v1/tasks/{id}      (the last task this thread created)
--   GET  /api/v1/tasks/?limit=5
-- and appends one line per response to $LOAD_OUT/thread-<n>.log:
--   <start> <end> <method> <status> <task id or -> <request id or -> <title or -> <token or ->
-- (the title of a POST lets a failed write be looked up: committed or not; the token is
-- the X-Consistency-Token the request carried, a WAL position such as 0/5A3B2C8).
-- (times in seconds since the epoch, CLOCK_REALTIME, to line up with fault times).
-- It carries the consistency token of its last write (X-Consistency-Token), as a client
-- that reads its own writes must; LOAD_NO_CONSISTENCY=1 leaves it out (stale reads show).
-- Environment: TOKEN (a bearer token), LOAD_OUT (a directory), LOAD_TAG (title prefix).
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } load_timespec;
int clock_gettime(int clk, load_timespec *ts);
]]
local ts = ffi.new("load_timespec")
local function now()
	ffi.C.clock_gettime(0, ts)
	return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

local counter = 0
function setup(thread)
	counter = counter + 1
	thread:set("id", counter)
end

local out, seq, last_id, method, started, consistency, title, sent
local token = os.getenv("TOKEN") or ""
local send_consistency = os.getenv("LOAD_NO_CONSISTENCY") ~= "1"
local tag = os.getenv("LOAD_TAG") or "load"

function init(args)
	out = io.open((os.getenv("LOAD_OUT") or ".") .. "/thread-" .. id .. ".log", "a")
	out:setvbuf("line")
	seq = 0
end

function request()
	seq = seq + 1
	local headers = { ["Authorization"] = "Bearer " .. token }
	sent = "-"
	if consistency and send_consistency then
		headers["X-Consistency-Token"] = consistency
		sent = consistency
	end
	local step = seq % 3
	started = now()
	if step == 1 or last_id == nil then
		method = "POST"
		headers["Content-Type"] = "application/json"
		title = string.format("%s-%d-%d", tag, id, seq)
		local body = string.format('{"title":"%s","priority":"high"}', title)
		return wrk.format("POST", "/api/v1/tasks/", headers, body)
	elseif step == 2 then
		method = "GET1"
		return wrk.format("GET", "/api/v1/tasks/" .. last_id, headers)
	end
	method = "LIST"
	return wrk.format("GET", "/api/v1/tasks/?limit=5", headers)
end

function response(status, headers, body)
	local task = "-"
	if method == "POST" and status == 201 then
		task = string.match(body, '"id":(%d+)') or "?"
		last_id = task
		consistency = headers["X-Consistency-Token"] or consistency
	end
	local rid = headers["X-Request-ID"] or headers["x-request-id"] or "-"
	out:write(string.format("%.6f %.6f %s %d %s %s %s %s\n", started, now(), method, status, task, rid,
		method == "POST" and title or "-", sent))
end
