-- snax_caller.lua: an unmodified skynet node reaching the snax service snax_counter on
-- node "far" with cluster.snax, as a user would (conform/skynet/README.md, E).
--
-- env SNAX_TARGET   host:port of node far (default 127.0.0.1:2538)
-- env SNAX_SERVICE  the snax service's name (default snax_counter; `skywire node` serves
--                   the same service as counter)
-- The service's interface file (snax_counter.lua, or the counter.lua that
-- `skywire node --snax-stubs DIR` writes) must be in the config's snax path ($SNAX_PATH):
-- cluster.snax numbers the methods from the caller's own copy of the interface.
-- Prints "check NAME ok" or "check NAME FAIL: why" per check, "info NAME: ..." for what
-- differs by design between nodes, then "snax caller: N passed, M failed", and stops skynet.
local skynet = require "skynet"
require "skynet.manager"	-- skynet.abort
local cluster = require "skynet.cluster"
local snax = require "skynet.snax"

local NODE = "far"
local SERVICE = os.getenv("SNAX_SERVICE") or "snax_counter"
local passed, failed = 0, 0

local function out(line)
	print(line)
	io.stdout:flush()
end

local function check(name, ok, why)
	if ok then
		passed = passed + 1
		out("check " .. name .. " ok")
	else
		failed = failed + 1
		out("check " .. name .. " FAIL: " .. tostring(why))
	end
end

-- Runs f in its own coroutine; returns true, pcall results or false after `seconds`.
local function within(seconds, f, ...)
	local args = table.pack(...)
	local co = coroutine.running()
	local r
	skynet.fork(function()
		r = table.pack(pcall(f, table.unpack(args, 1, args.n)))
		skynet.wakeup(co)
	end)
	skynet.timeout(seconds * 100, function() skynet.wakeup(co) end)
	skynet.wait(co)
	if r then return true, r end
	return false
end

local function show(...)
	local t = table.pack(...)
	for i = 1, t.n do t[i] = tostring(t[i]) end
	return table.concat(t, ", ", 1, t.n)
end

local function run()
	local c = cluster.snax(NODE, SERVICE)
	check("bind", type(c.handle) == "number", c)

	c.post.add(3)
	c.post.add(4)
	local total = c.req.get()
	check("post then req", total == 7, "get returned " .. tostring(total))

	local a, b, t = c.req.echo("hello", 42, { 1, k = "v" })
	check("echo", a == "hello" and b == 42 and type(t) == "table" and t[1] == 1 and t.k == "v",
		show(a, b, t))

	c.post.note("a", 1)
	c.post.note("b")
	local notes = c.req.notes()
	check("notes", #notes == 2 and notes[1][1] == "a" and notes[1][2] == 1 and notes[2][1] == "b",
		"notes: " .. #notes)

	local ok, err = pcall(c.req.fail, "boom")
	check("response error", not ok, "fail returned")
	out("info response error: " .. tostring(err))

	local addr = cluster.call(NODE, ".service", "QUERY", "snaxd", SERVICE)
	check("QUERY", addr == c.handle or type(addr) == "number", show(addr))
	local c2 = cluster.snax(NODE, SERVICE, addr)
	check("bind by address", c2.req.get() == 7, "get")

	local gaddr = cluster.call(NODE, ".service", "GQUERY", "snaxd", SERVICE)
	check("GQUERY", type(gaddr) == "number", show(gaddr))
	out("info GQUERY: " .. show(gaddr) .. " (QUERY: " .. show(addr) .. ")")

	local p = snax.profile_info(c)
	check("profile", type(p) == "table" and type(p.get) == "table" and p.get.count >= 2,
		"profile: " .. show(p))

	ok, err = pcall(skynet.call, c.handle, "snax", 1)
	check("init again refused", not ok, "init answered")
	out("info init again: " .. tostring(err))

	ok, err = pcall(skynet.call, c.handle, "snax", 99)
	check("unknown id refused", not ok, "id 99 answered")
	out("info unknown id: " .. tostring(err))

	local done, r = within(2, cluster.call, NODE, ".service", "QUERY", "snaxd", "snax_nosuch")
	if done then
		out("info QUERY unknown name: " .. show(table.unpack(r, 1, r.n)))
	else
		out("info QUERY unknown name: no answer within 2 s")
	end
	done, r = within(2, cluster.call, NODE, ".service", "NOSUCH")
	if done then
		out("info unknown command: " .. show(table.unpack(r, 1, r.n)))
	else
		out("info unknown command: no answer within 2 s")
	end
end

skynet.start(function()
	local target = os.getenv("SNAX_TARGET") or "127.0.0.1:2538"
	cluster.reload { [NODE] = target, __nowaiting = true }
	local ok, err = xpcall(run, debug.traceback)
	if not ok then
		check("run", false, err)
	end
	out(string.format("snax caller: %d passed, %d failed", passed, failed))
	skynet.abort()
end)
