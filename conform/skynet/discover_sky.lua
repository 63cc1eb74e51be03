-- discover_sky.lua: a skynet node "sky" that knows no Rust node at start. It runs the
-- reload service (reload.lua) and calls cluster.call("rust", "@echo", ...) every 200 ms:
-- it prints "sky: called rust: ..." once the node appears (through `skywire discover` and
-- the reload service, no hand edit), then "sky: rust gone: ..." once a call fails again
-- (the node died), then lives DISCOVER_WAIT more seconds: the node's key expires, the file
-- says `rust = false`, and the reload closes skynet's sender ("Close cluster sender").
-- env DISCOVER_PORT  port on 127.0.0.1 (default 2558)
-- env DISCOVER_WAIT  seconds to wait for each step (default 30)
local skynet = require "skynet"
require "skynet.manager"	-- skynet.abort
local cluster = require "skynet.cluster"

local function out(line)
	print(line)
	io.stdout:flush()
end

-- Calls rust's echo until `done(pcall results)`; returns them, or nil on timeout.
local function until_call(done, wait)
	local deadline = skynet.now() + wait * 100
	while skynet.now() < deadline do
		local r = table.pack(pcall(cluster.call, "rust", "@echo", "hello from skynet", 42))
		if done(r) then return r end
		skynet.sleep(20)
	end
end

local function failed(r) return not r[1] end
local function answered(r) return r[1] end

skynet.start(function()
	local addr = "127.0.0.1:" .. (os.getenv("DISCOVER_PORT") or "2558")
	local wait = tonumber(os.getenv("DISCOVER_WAIT") or "30")
	-- Its own entry: a table, not the file (the file is the fleet's).
	cluster.reload { sky = addr, __nowaiting = true }
	skynet.newservice "reload"
	cluster.open "sky"
	out("sky: ready at " .. addr)
	local r = until_call(failed, 1)
	out("sky: before discovery: " .. (r and tostring(r[2]) or "(a call succeeded?)"))
	r = until_call(answered, wait)
	if r then
		out(string.format("sky: called rust: %s %s", tostring(r[2]), tostring(r[3])))
		r = until_call(failed, wait)
		out("sky: rust gone: " .. (r and tostring(r[2]) or "(still answering)"))
		skynet.sleep(wait * 100)
	else
		out("sky: rust never answered")
	end
	skynet.abort()
end)
