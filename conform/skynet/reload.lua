-- reload.lua: the reload service `skywire discover --reload-node HOST:PORT` calls after
-- each write of the clustername file. Launch it in a skynet node that cluster.open()s:
--   skynet.newservice "reload"
-- Each call (or send) to @reload re-reads the node's `cluster` file.
local skynet = require "skynet"
local cluster = require "skynet.cluster"

skynet.start(function()
	skynet.dispatch("lua", function(session)
		cluster.reload()	-- no table: clusterd reads the file named by `cluster` again
		if session ~= 0 then skynet.ret(skynet.pack(true)) end
	end)
	cluster.register("reload")
end)
