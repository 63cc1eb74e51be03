function accept.a() end
function response.b() end
function accept.a() end
