accept.a, accept.b = function() end, function() end
