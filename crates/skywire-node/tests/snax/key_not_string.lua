accept[1] = function() end
