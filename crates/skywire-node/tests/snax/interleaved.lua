-- accept and response share one counter, in definition order, from 5.
local skynet = require "skynet"

function response.ping(x) return x end
function accept.hello() end
function accept.sleep(n) end
function response.error() error "throw" end
function accept.exit(...) end
function response.last() end
