function accept.a()
