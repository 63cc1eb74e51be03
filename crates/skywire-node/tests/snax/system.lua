-- init, exit, hotfix and profile are ids 1-4 whatever is defined, and wherever; defining
-- them takes no id. accept.init is a method of its own.
function init(...) end
function accept.first() end
function exit(...) end
function accept.init() end
function response.profile() end
function hotfix(...) end
function profile() end
function response.second() end
