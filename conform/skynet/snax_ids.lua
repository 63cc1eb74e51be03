-- snax_ids.lua: skynet's own snax method numbering (lualib/snax/interface.lua, loaded as
-- cluster.snax's caller side loads it: G = { require = function() end }) over snax files.
-- Run from skynet's root with skynet's Lua:
--   3rd/lua/lua scen/snax_ids.lua DIR NAME...
-- For each NAME (DIR/NAME.lua) prints "NAME: ID GROUP METHOD" per method in id order
-- (the system methods 1-4 included), or "NAME: error: MESSAGE" (without its position).
local dir = assert(arg[1], "usage: snax_ids.lua DIR NAME...")
package.path = "./lualib/?.lua;" .. package.path
package.loaded.skynet = {
	getenv = function(k)
		if k == "snax" then return dir .. "/?.lua" end
	end,
}
local interface = require "snax.interface"
for i = 2, #arg do
	local name = arg[i]
	local ok, func = pcall(interface, name, { require = function() end })
	if ok then
		for _, v in ipairs(func) do
			print(string.format("%s: %d %s %s", name, v[1], v[2], v[3]))
		end
	else
		local first = tostring(func):match("[^\n]*")
		-- drop "file:line: " prefixes (the assert adds one, the error() another)
		while true do
			local rest = first:match("^[^%s:]+:%d+: (.*)$")
			if not rest then break end
			first = rest
		end
		print(string.format("%s: error: %s", name, first))
	end
end
