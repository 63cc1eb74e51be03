-- py_live.lua: an unmodified skynet node calling Python functions served by skywire.Node
-- (py_live_node.py) with cluster.call / cluster.send / cluster.query / cluster.proxy.
-- Prints "ok N ..." or "FAIL N ..." per check, then "py live: N passed, M failed", and
-- stops skynet. env PY_TARGET: host:port of the Python node (default 127.0.0.1:2528).
local skynet = require "skynet"
require "skynet.manager" -- skynet.abort
local cluster = require "skynet.cluster"

local passed, failed = 0, 0
local function check(name, cond, detail)
	if cond then
		passed = passed + 1
		print("ok " .. name)
	else
		failed = failed + 1
		print("FAIL " .. name .. ": " .. tostring(detail))
	end
end

local function same(a, b)
	if type(a) ~= type(b) then return false end
	if type(a) ~= "table" then return a == b or (a ~= a and b ~= b) end
	for k, v in pairs(a) do if not same(v, b[k]) then return false end end
	for k in pairs(b) do if a[k] == nil then return false end end
	return true
end

skynet.start(function()
	local target = skynet.getenv("py_target") or "127.0.0.1:2528"
	cluster.reload { py = target, __nowaiting = true }

	check("add", cluster.call("py", "@add", 2, 3) == 5)
	check("add floats", cluster.call("py", "@add", 0.5, 0.25) == 0.75)

	local t = { 1, 2, 3, k = "v", [10] = true, nested = { x = { y = { "deep" } } } }
	local args = table.pack(cluster.call("py", "@echo", nil, true, false, -7, 2^53, 1 << 40,
		"str", "\0\1\255", t, math.huge, -0.0))
	check("echo values", args.n == 11 and args[1] == nil and args[2] == true and args[3] == false
		and args[4] == -7 and args[5] == 2^53 and math.type(args[6]) == "integer" and args[6] == 1 << 40
		and args[7] == "str" and args[8] == "\0\1\255" and same(args[9], t) and args[10] == math.huge
		and 1 / args[11] == -math.huge, args.n)

	local big = string.rep("skywire", 20000) -- 140000 bytes: multi-part both ways
	check("echo big", cluster.call("py", "@echo", big) == big)
	check("echo local name", cluster.call("py", ".echo", "local") == "local")

	local up, n = cluster.call("py", "@upper", "hello")
	check("async upper", up == "HELLO" and n == 5, up)

	local ok, err = pcall(cluster.call, "py", "@fail", "on purpose")
	check("error raised", not ok, err)
	print("  error as skynet saw it: " .. tostring(err))

	local ok2, err2 = pcall(cluster.call, "py", "@nobody")
	check("unknown name", not ok2, err2)

	local addr = cluster.query("py", "add")
	check("query", math.type(addr) == "integer" and cluster.call("py", addr, 40, 2) == 42, addr)
	local okq = pcall(cluster.query, "py", "nobody")
	check("query miss", not okq)

	cluster.send("py", "@sink", "pushed", 42)
	cluster.send("py", "@sink", string.rep("P", 70000))
	-- skynet's sender queues the parts of a large push behind later requests (spec/protocol.md
	-- 2.6): ask until both arrived.
	local pushes
	for _ = 1, 100 do
		pushes = table.pack(cluster.call("py", "@sunk"))
		if pushes.n == 2 then break end
		skynet.sleep(1)
	end
	check("pushes", pushes.n == 2 and pushes[1][1] == true and pushes[1][2] == "pushed" and pushes[1][3] == 42
		and pushes[2][2] == string.rep("P", 70000), pushes.n)

	local proxy = cluster.proxy("py@add")
	check("proxy", skynet.call(proxy, "lua", 4, 5) == 9)

	local done, good = 0, 0
	for i = 1, 100 do
		skynet.fork(function()
			local r = cluster.call("py", "@upper", "x" .. i)
			if r == "X" .. i then good = good + 1 end
			done = done + 1
		end)
	end
	while done < 100 do skynet.sleep(1) end
	check("100 concurrent async calls", good == 100, good)

	print(string.format("py live: %d passed, %d failed", passed, failed))
	skynet.abort()
end)
