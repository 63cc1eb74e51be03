function init()
	function accept.late() end
end
function accept.a() end
