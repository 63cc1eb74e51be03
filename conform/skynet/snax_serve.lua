-- snax_serve.lua: a skynet node "sky" serving the snax service snax_counter, found by
-- cluster.snax("sky", "snax_counter") through its .service (snax.uniqueservice).
-- env SNAX_PORT  port on 127.0.0.1 (default 2538)
local skynet = require "skynet"
local cluster = require "skynet.cluster"
local snax = require "skynet.snax"

skynet.start(function()
	local port = os.getenv("SNAX_PORT") or "2538"
	local addr = "127.0.0.1:" .. port
	local counter = snax.uniqueservice("snax_counter")
	local global = snax.globalservice("snax_counter")
	cluster.reload { sky = addr, __nowaiting = true }
	cluster.open "sky"
	print(string.format("SNAX READY %s snax_counter=%d global=%d", addr, counter.handle, global.handle))
end)
