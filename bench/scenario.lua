-- wrk script for scripts/bench: one scenario per run, tokens rotating across the
-- seeded users. Every non-2xx answer is counted (a fast error is not throughput) and
-- done() prints one machine-readable RESULT line.
--   wrk ... -s bench/scenario.lua URL -- USERS_FILE SCENARIO
-- USERS_FILE lines: "<token> <first task id> <last task id> <username>".

local threads = {}

function setup(thread)
	thread:set("id", #threads + 1)
	table.insert(threads, thread)
end

function init(args)
	users = {}
	for line in io.lines(args[1]) do
		local token, first, last, name = line:match("^(%S+) (%d+) (%d+) (%S+)$")
		if token then
			users[#users + 1] = { token = token, first = tonumber(first), last = tonumber(last), name = name }
		end
	end
	scenario = args[2]
	non2xx = 0
	turn = id * 7
	math.randomseed(id * 7919 + os.time())
end

local json = { ["Content-Type"] = "application/json" }
local statuses = { "todo", "in_progress", "completed" }

local function auth(u, extra)
	local h = { ["Authorization"] = "Bearer " .. u.token }
	if extra then
		for k, v in pairs(extra) do h[k] = v end
	end
	return h
end

local function task_id(u)
	return math.random(u.first, u.last)
end

local build = {}
build.health = function(u)
	return wrk.format("GET", "/health")
end
build.list = function(u)
	return wrk.format("GET", "/api/v1/tasks/?limit=10", auth(u))
end
build.list_status = function(u)
	return wrk.format("GET", "/api/v1/tasks/?status=todo&limit=50", auth(u))
end
build.get = function(u)
	return wrk.format("GET", "/api/v1/tasks/" .. task_id(u), auth(u))
end
build.create = function(u)
	return wrk.format("POST", "/api/v1/tasks/", auth(u, json),
		'{"title":"bench task","description":"made by scripts/bench","priority":"high"}')
end
build.update = function(u)
	return wrk.format("PUT", "/api/v1/tasks/" .. task_id(u), auth(u, json),
		'{"status":"' .. statuses[math.random(1, 3)] .. '"}')
end
build.mix = function(u) -- 70% reads, 30% writes
	local r = math.random(1, 100)
	if r <= 35 then return build.get(u) end
	if r <= 70 then return build.list(u) end
	if r <= 85 then return build.create(u) end
	return build.update(u)
end
build.login = function(u)
	return wrk.format("POST", "/api/v1/auth/login", json,
		'{"username":"' .. u.name .. '","password":"Bench-password-1"}')
end

function request()
	turn = turn + 1
	return build[scenario](users[turn % #users + 1])
end

function response(status, headers, body)
	if status < 200 or status > 299 then
		non2xx = non2xx + 1
	end
end

function done(summary, latency, requests)
	local bad = 0
	for _, t in ipairs(threads) do
		bad = bad + t:get("non2xx")
	end
	local e = summary.errors
	io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d socket_errors=%d\n",
		summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), bad,
		e.connect + e.read + e.write + e.timeout))
end
