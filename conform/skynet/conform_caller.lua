-- conform_caller.lua: an unmodified skynet node performing a caller script
-- (conform/caller/*.jsonl) against the cluster node "db".
--
-- env CALLER_SCRIPT        path of the JSON Lines script
-- env CALLER_TARGET        host:port of node db (default 127.0.0.1:2528)
-- env CALLER_STEP_TIMEOUT  seconds a step may take (default 10)
--
-- One step per line, performed in order, one at a time:
--   {"op":"call","addr":A,"args":[V...],"ok":B,"ret":[V...],"trace":true?}
--   {"op":"send","addr":A,"args":[V...]}
--   {"op":"query","name":"echo","ok":B,"ret":10}
-- Prints "step N ok" or "step N FAIL: why" per step, then
-- "caller: N passed, M failed", then stops skynet.
local skynet = require "skynet"
require "skynet.manager"	-- skynet.abort
local cluster = require "skynet.cluster"
local J = require "json_value"

local sfmt = string.format
local NODE = "db"

local function out(line)
	print(line)
	io.stdout:flush()
end

local function short(s)
	if #s > 300 then return s:sub(1, 300) .. "..." end
	return s
end

local function show(r, from)
	local t = {}
	for i = from, r.n do t[#t + 1] = r[i] end
	local ok, s = pcall(J.encode_list, t, r.n - from + 1)
	return short(ok and s or "<unprintable>")
end

-- The step's address and arguments (and its count), once its trace, if it asks for one,
-- is started.
local function addr_and_args(step)
	local addr = J.value(J.field(step, "addr"))
	local args, n = J.list(J.field(step, "args"))
	if J.field(step, "trace") == true then
		skynet.trace("conform_caller")
	end
	return addr, args, n
end

-- Judges the pcall results `r` of `what` by the step's "ok": true and the step's result
-- (nil: passed, or a reason) when that settles it; false when a success still has its
-- returns to check.
local function judge_outcome(step, what, r)
	if J.field(step, "ok") == false then
		if r[1] then return true, what .. " succeeded, expected a failure; returned " .. show(r, 2) end
		return true, nil
	end
	if not r[1] then return true, what .. " failed: " .. short(tostring(r[2])) end
	return false
end

-- each returns nil (passed) or a reason (failed)
local ops = {}

function ops.call(step)
	local addr, args, n = addr_and_args(step)
	local r = table.pack(pcall(cluster.call, NODE, addr, table.unpack(args, 1, n)))
	local settled, why = judge_outcome(step, "call", r)
	if settled then return why end
	local jret = J.field(step, "ret")
	if jret ~= nil then
		local ret, rn = J.list(jret)
		local same, why = J.equal_list({ table.unpack(r, 2, r.n) }, r.n - 1, ret, rn)
		if not same then
			return sfmt("%s; returned %s, expected %s", why, show(r, 2), short(J.encode_list(ret, rn)))
		end
	end
	return nil
end

function ops.send(step)
	local addr, args, n = addr_and_args(step)
	local ok, err = pcall(cluster.send, NODE, addr, table.unpack(args, 1, n))
	if not ok then return "send raised: " .. short(tostring(err)) end
	return nil
end

function ops.query(step)
	local name = J.value(J.field(step, "name"))
	local r = table.pack(pcall(cluster.query, NODE, name))
	local settled, why = judge_outcome(step, "query", r)
	if settled then return why end
	local jret = J.field(step, "ret")
	if jret ~= nil then
		local want = J.value(jret)
		if r.n ~= 2 or not J.equal(r[2], want) then
			return sfmt("returned %s, expected %s", show(r, 2), J.encode(want))
		end
	end
	return nil
end

-- run one step in its own coroutine (a trace tag stays on the coroutine that
-- set it, so a fresh one per step keeps it to that step), with a time limit
local function run_step(step, timeout)
	local op = J.field(step, "op")
	local f = type(op) == "string" and ops[op]
	if not f then return "unknown op " .. tostring(op) end
	local token = {}
	local done, reason = false, nil
	skynet.fork(function()
		local ok, why = pcall(f, step)
		if ok then reason = why else reason = "error: " .. tostring(why) end
		done = true
		skynet.wakeup(token)
	end)
	skynet.timeout(math.floor(timeout * 100), function()
		if not done then skynet.wakeup(token) end
	end)
	skynet.wait(token)
	if not done then return sfmt("timeout after %gs", timeout) end
	return reason
end

local function main()
	local path = os.getenv("CALLER_SCRIPT")
	local target = os.getenv("CALLER_TARGET") or "127.0.0.1:2528"
	local timeout = tonumber(os.getenv("CALLER_STEP_TIMEOUT") or "") or 10
	if not path then
		out("caller: CALLER_SCRIPT is not set")
		out("caller: 0 passed, 1 failed")
		return
	end
	local f = io.open(path, "rb")
	if not f then
		out("caller: cannot open " .. path)
		out("caller: 0 passed, 1 failed")
		return
	end
	local lines = {}
	for line in f:lines() do
		if line:find("%S") then lines[#lines + 1] = line end
	end
	f:close()

	cluster.reload { [NODE] = target, __nowaiting = true }
	out(sfmt("caller: %d steps from %s against %s %s", #lines, path, NODE, target))

	local passed, failed = 0, 0
	for i, line in ipairs(lines) do
		local ok, step = pcall(J.decode, line)
		local reason
		if not ok then
			reason = "bad step: " .. tostring(step)
		else
			reason = run_step(step, timeout)
		end
		if reason then
			failed = failed + 1
			out(sfmt("step %d FAIL: %s", i, reason))
		else
			passed = passed + 1
			out(sfmt("step %d ok", i))
		end
	end
	out(sfmt("caller: %d passed, %d failed", passed, failed))
end

skynet.start(function()
	local ok, err = xpcall(main, debug.traceback)
	if not ok then
		out("caller: internal error: " .. tostring(err))
		out("caller: 0 passed, 1 failed")
	end
	skynet.abort()
end)
