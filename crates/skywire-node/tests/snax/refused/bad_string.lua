local s = "unfinished
function accept.a() end
