function accept.a() end
if DEBUG then
	function accept.debug_only() end
end
function response.b() end
