-- conform_echo.lua: the echo service of the skywire conformance contract.
-- Runs on an unmodified skynet. One instance is registered as cluster name
-- "echo" (and local name ".echo"), a second as "echo2".
--
-- lua protocol behaviour:
--   call ...            -> returns its arguments exactly (trailing nils kept)
--   call "fail", ...    -> raises an error (the caller sees a failed call)
--   call "big", n       -> returns one string of n bytes, all "R"
--   call "sleep", n     -> waits n centiseconds, then returns its arguments
--   call "pushes"       -> returns the pushes kept since the last "pushes"
--                          (one array of arguments per push, arrival order)
--                          and forgets them; nothing kept -> zero values
--   push (session 0)    -> kept, whatever its first argument; never answered
local skynet = require "skynet"

local kept = {}

local function on_call(...)
	-- (not a named parameter: an empty call must return zero values, not one nil)
	local cmd = ...
	if cmd == "fail" then
		error("conform_echo: fail requested")
	elseif cmd == "big" then
		local _, n = ...
		skynet.ret(skynet.pack(string.rep("R", math.tointeger(n) or 0)))
	elseif cmd == "sleep" then
		local _, n = ...
		skynet.sleep(math.tointeger(n) or 0)
		skynet.ret(skynet.pack(...))
	elseif cmd == "pushes" then
		local list = kept
		kept = {}
		skynet.ret(skynet.pack(table.unpack(list, 1, #list)))
	else
		skynet.ret(skynet.pack(...))
	end
end

skynet.start(function()
	skynet.dispatch("lua", function(session, _source, ...)
		if session == 0 then
			kept[#kept + 1] = { ... }
			return
		end
		on_call(...)
	end)
end)
