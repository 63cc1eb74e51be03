function accept.a() end
for _, n in ipairs { "x", "y" } do
	accept[n] = function() end
end
