local name = "x"
accept[name] = function() end
