function response.get() end
response.get = function() end
