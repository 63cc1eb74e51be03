function accept.ok() end
accept.x = 1
