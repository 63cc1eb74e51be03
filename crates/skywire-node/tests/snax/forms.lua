-- Every way of defining a method, and mentions that are not definitions.
local skynet = require "skynet"
local lib = { response = true }

--[==[ function accept.in_long_comment() end ]==]
-- function accept.in_comment() end
local s = "function accept.in_string() end"
local t = [[
function response.in_long_string() end
]]
local keys = { accept = 1, response = 2 }
local field = lib.response

local function helper(...) return ... end

accept.by_assignment = function(...) end
accept["by_key"] = function(...) end
accept['by_single_quotes'] = helper
function accept:with_colon() end
response.by_name = helper
response[ [[long_key]] ] = function() end

do
	function response.in_do_block() end
end

local n = 10 // 3 .. "x"
function response.after_floor_division() end
response.parenthesized = (helper)
function accept.with_default(x) return x or 0.5e-3 end
