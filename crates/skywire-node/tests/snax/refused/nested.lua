function accept.a.b() end
