-- The same name in accept and in response: two methods, two ids.
function accept.get(k) end
function response.get(k) end
function response.set(k, v) end
function accept.set(k, v) end
