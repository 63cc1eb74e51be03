-- conform_main.lua: start service of the conformance node "db".
-- Listens (cluster protocol) on 127.0.0.1:$CONFORM_PORT (default 2528), accepting up to
-- $CONFORM_MAXCLIENT connections (default: skynet's 1024).
local skynet = require "skynet"
require "skynet.manager"
local cluster = require "skynet.cluster"

skynet.start(function()
	-- start both echo services first, so that their handles are as low
	-- (and as stable) as possible in a fresh node
	local echo = skynet.newservice("conform_echo")
	local echo2 = skynet.newservice("conform_echo")
	skynet.name(".echo", echo)
	skynet.name(".echo2", echo2)
	cluster.register("echo", echo)
	cluster.register("echo2", echo2)

	local port = os.getenv("CONFORM_PORT") or "2528"
	local addr = "127.0.0.1:" .. port
	cluster.reload { db = addr, __nowaiting = true }
	-- CONFORM_MAXCLIENT: most connections the node accepts (skynet's gate takes 1024 when
	-- not told), e.g. 11000 for bench/run.sh's idle-connection row.
	cluster.open("db", tonumber(os.getenv("CONFORM_MAXCLIENT")))
	skynet.error(string.format("conform: node db listening on %s, echo = %d (:%08x), echo2 = %d (:%08x)",
		addr, echo, echo, echo2, echo2))
	print(string.format("CONFORM READY %s echo=%d echo2=%d", addr, echo, echo2))
end)
