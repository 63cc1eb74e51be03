-- snax_counter.lua: a snax service for the snax checks (conform/skynet/README.md, E).
-- Its interface, in the order skynet numbers it (ids 1-4 are init, exit, hotfix, profile):
--   5 accept.add(n)        total = total + n
--   6 response.get()       total
--   7 accept.note(...)     keeps its arguments
--   8 response.echo(...)   returns its arguments
--   9 response.notes()     the notes kept, one array per note, and clears them
--  10 response.fail(text)  raises an error with text
local skynet = require "skynet"
local snax = require "skynet.snax"

local total = 0
local notes = {}

function accept.add(n)
	total = total + n
end

function response.get()
	return total
end

function accept.note(...)
	notes[#notes + 1] = table.pack(...)
end

function response.echo(...)
	return ...
end

function response.notes()
	local r = notes
	notes = {}
	for _, v in ipairs(r) do v.n = nil end
	return r
end

function response.fail(text)
	error(text)
end

function init(...)
	snax.enablecluster()	-- take cluster requests (the "lua" protocol) too
end

function exit(...)
end
