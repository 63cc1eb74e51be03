-- no methods of its own
local skynet = require "skynet"
function init() end
