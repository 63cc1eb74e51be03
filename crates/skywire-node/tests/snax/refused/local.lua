local accept = {}
function accept.x() end
