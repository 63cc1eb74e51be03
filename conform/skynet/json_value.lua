-- json_value.lua: a small JSON reader/writer for skywire's "JSON value form"
-- of Lua values (see spec/vectors/lua-seri.json and conform/caller/*.jsonl).
--
-- Value form:
--   null                      nil
--   true / false              booleans
--   123, -9223372036854775808 Lua integers (exact over the whole int64 range)
--   {"real": x}               a Lua float; x a JSON number, or "nan" "inf" "-inf" "-0"
--   "text"                    a Lua string (UTF-8 text)
--   {"bytes": "00ff"}         a Lua string given as lowercase hex
--   {"userdata": "<16 hex>"}  a light userdata (the pointer value)
--   {"array": [...], "hash": [[k, v], ...]}   a table: items 1..n, then other pairs
--
-- Runs inside skynet (Lua 5.4); light userdata needs skynet.core.
local M = {}

local sfmt, sbyte, schar, ssub = string.format, string.byte, string.char, string.sub
local mtype = math.type

---------------------------------------------------------------- hex

function M.hex(s)
	return (s:gsub(".", function(c) return sfmt("%02x", sbyte(c)) end))
end

function M.unhex(h)
	assert(#h % 2 == 0 and not h:find("[^0-9a-fA-F]"), "bad hex string")
	return (h:gsub("..", function(x) return schar(tonumber(x, 16)) end))
end

---------------------------------------------------------------- generic JSON reader
-- decode() returns a tree: strings, booleans, M.null, numbers as
-- setmetatable({lit = "<literal>"}, NUM), arrays as setmetatable({n = N, ...}, ARR),
-- objects as setmetatable({keys = {...}, map = {...}}, OBJ).

local NUM = { __name = "json.number" }
local ARR = { __name = "json.array" }
local OBJ = { __name = "json.object" }
M.null = setmetatable({}, { __name = "json.null", __tostring = function() return "null" end })

local function perr(s, i, what)
	error(sfmt("json: %s at byte %d", what, i), 0)
end

local function skip_ws(s, i)
	local _, e = s:find("^[ \t\r\n]*", i)
	return e + 1
end

local escapes = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }

local function read_string(s, i)
	-- s[i] == '"'
	local out, n = {}, 0
	i = i + 1
	while true do
		local j = s:find('["\\%c]', i)
		if not j then perr(s, i, "unterminated string") end
		if j > i then n = n + 1; out[n] = ssub(s, i, j - 1) end
		local c = ssub(s, j, j)
		if c == '"' then
			return table.concat(out), j + 1
		elseif c == "\\" then
			local e = ssub(s, j + 1, j + 1)
			if escapes[e] then
				n = n + 1; out[n] = escapes[e]
				i = j + 2
			elseif e == "u" then
				local h = s:match("^%x%x%x%x", j + 2)
				if not h then perr(s, j, "bad \\u escape") end
				local cp = tonumber(h, 16)
				i = j + 6
				if cp >= 0xD800 and cp <= 0xDBFF then
					local h2 = s:match("^\\u(%x%x%x%x)", i)
					local lo = h2 and tonumber(h2, 16)
					if lo and lo >= 0xDC00 and lo <= 0xDFFF then
						cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
						i = i + 6
					else
						perr(s, j, "lone high surrogate")
					end
				elseif cp >= 0xDC00 and cp <= 0xDFFF then
					perr(s, j, "lone low surrogate")
				end
				n = n + 1; out[n] = utf8.char(cp)
			else
				perr(s, j, "bad escape")
			end
		else
			perr(s, j, "control character in string")
		end
	end
end

local read_value

-- After an item of an array or object that `close` ends: true and the index past `close`,
-- or false and the index past the comma before the next item.
local function after_item(s, i, close)
	i = skip_ws(s, i)
	local c = ssub(s, i, i)
	if c == close then return true, i + 1 end
	if c ~= "," then perr(s, i, "expected , or " .. close) end
	return false, i + 1
end

local function read_array(s, i)
	local t = setmetatable({ n = 0 }, ARR)
	i = skip_ws(s, i + 1)
	if ssub(s, i, i) == "]" then return t, i + 1 end
	while true do
		local v
		v, i = read_value(s, i)
		t.n = t.n + 1
		t[t.n] = v
		local done
		done, i = after_item(s, i, "]")
		if done then return t, i end
	end
end

local function read_object(s, i)
	local t = setmetatable({ keys = {}, map = {} }, OBJ)
	i = skip_ws(s, i + 1)
	if ssub(s, i, i) == "}" then return t, i + 1 end
	while true do
		i = skip_ws(s, i)
		if ssub(s, i, i) ~= '"' then perr(s, i, "expected object key") end
		local k
		k, i = read_string(s, i)
		i = skip_ws(s, i)
		if ssub(s, i, i) ~= ":" then perr(s, i, "expected :") end
		local v
		v, i = read_value(s, i + 1)
		if t.map[k] == nil then t.keys[#t.keys + 1] = k end
		t.map[k] = v
		local done
		done, i = after_item(s, i, "}")
		if done then return t, i end
	end
end

function read_value(s, i)
	i = skip_ws(s, i)
	local c = ssub(s, i, i)
	if c == "{" then return read_object(s, i)
	elseif c == "[" then return read_array(s, i)
	elseif c == '"' then return read_string(s, i)
	elseif s:find("^true", i) then return true, i + 4
	elseif s:find("^false", i) then return false, i + 5
	elseif s:find("^null", i) then return M.null, i + 4
	else
		local int = s:match("^-?%d+", i)
		if not int or int:find("^-?0%d") then perr(s, i, "bad value") end
		local j = i + #int
		local frac = s:match("^%.%d+", j)
		if frac then j = j + #frac end
		local exp = s:match("^[eE][-+]?%d+", j)
		if exp then j = j + #exp end
		local lit = ssub(s, i, j - 1)
		return setmetatable({ lit = lit }, NUM), i + #lit
	end
end

function M.decode(s)
	local v, i = read_value(s, 1)
	i = skip_ws(s, i)
	if i <= #s then perr(s, i, "trailing characters") end
	return v
end

function M.is_array(v) return getmetatable(v) == ARR end
function M.is_object(v) return getmetatable(v) == OBJ end
function M.is_number(v) return getmetatable(v) == NUM end

-- field of a decoded object (nil when absent)
function M.field(obj, k)
	if getmetatable(obj) ~= OBJ then return nil end
	return obj.map[k]
end

---------------------------------------------------------------- value form -> Lua

local function integer_of(lit)
	if lit:find("[%.eE]") then return nil end
	local v = tonumber(lit)
	if mtype(v) ~= "integer" then
		error("json: integer out of int64 range: " .. lit, 0)
	end
	return v
end

local function real_of(x)
	if getmetatable(x) == NUM then
		return tonumber(x.lit) + 0.0
	elseif x == "nan" then return 0.0 / 0.0
	elseif x == "inf" then return math.huge
	elseif x == "-inf" then return -math.huge
	elseif x == "-0" then return -0.0
	end
	error("json: bad real " .. tostring(x), 0)
end

local function userdata_of(h)
	assert(type(h) == "string" and #h == 16 and not h:find("[^0-9a-f]"), "json: bad userdata")
	local p = tonumber(ssub(h, 1, 8), 16) << 32 | tonumber(ssub(h, 9, 16), 16)
	local core = require "skynet.core"
	local v = core.unpack(string.pack("<B i8", 3, p))
	assert(type(v) == "userdata")
	return v
end

local to_value

-- decoded JSON array of values -> Lua table (positions 1..n, holes for null), n
function M.list(arr)
	assert(getmetatable(arr) == ARR, "json: expected an array of values")
	local t = {}
	for i = 1, arr.n do t[i] = to_value(arr[i]) end
	return t, arr.n
end

function to_value(v)
	if v == M.null then return nil end
	local tv = type(v)
	if tv == "boolean" or tv == "string" then return v end
	local mt = getmetatable(v)
	if mt == NUM then
		local i = integer_of(v.lit)
		if i then return i end
		return tonumber(v.lit) + 0.0
	elseif mt == OBJ then
		local m = v.map
		if m.real ~= nil then return real_of(m.real)
		elseif m.bytes ~= nil then return M.unhex(m.bytes)
		elseif m.userdata ~= nil then return userdata_of(m.userdata)
		elseif m.array ~= nil or m.hash ~= nil then
			local t = {}
			if m.array ~= nil then
				assert(getmetatable(m.array) == ARR, "json: array must be an array")
				for i = 1, m.array.n do t[i] = to_value(m.array[i]) end
			end
			if m.hash ~= nil then
				assert(getmetatable(m.hash) == ARR, "json: hash must be an array")
				for i = 1, m.hash.n do
					local p = m.hash[i]
					assert(getmetatable(p) == ARR and p.n == 2, "json: hash pair must be [k, v]")
					local k = to_value(p[1])
					assert(k ~= nil, "json: nil table key")
					t[k] = to_value(p[2])
				end
			end
			return t
		end
		error("json: unknown value object {" .. table.concat(v.keys, ",") .. "}", 0)
	end
	error("json: not a value: " .. tostring(v), 0)
end
M.value = to_value

---------------------------------------------------------------- Lua -> value form

local function is_text(s)
	if not utf8.len(s) then return false end
	-- C0 controls except tab, LF, CR; DEL; C1 controls (U+0080..U+009F)
	if s:find("[\0-\8\11\12\14-\31\127]") then return false end
	if s:find("\194[\128-\159]") then return false end
	return true
end

local quote_map = { ['"'] = '\\"', ["\\"] = "\\\\", ["\t"] = "\\t", ["\r"] = "\\r", ["\n"] = "\\n" }

function M.quote(s)
	return '"' .. s:gsub('[\"\\\t\r\n]', quote_map) .. '"'
end

local function real_text(x)
	if x ~= x then return '"nan"'
	elseif x == math.huge then return '"inf"'
	elseif x == -math.huge then return '"-inf"'
	elseif x == 0 and 1 / x < 0 then return '"-0"'
	end
	return sfmt("%.17g", x)
end

local encode

-- the pairs of t exactly in the order skynet's packer writes them:
-- items 1..rawlen(t), then lua_next order skipping integer keys 1..rawlen(t)
function M.split(t)
	local n = rawlen(t)
	local array, hash = {}, {}
	for i = 1, n do array[i] = rawget(t, i) end
	for k, v in next, t do
		if not (mtype(k) == "integer" and k > 0 and k <= n) then
			hash[#hash + 1] = { k, v }
		end
	end
	return array, n, hash
end

function encode(v)
	local tv = type(v)
	if tv == "nil" then return "null"
	elseif tv == "boolean" then return tostring(v)
	elseif tv == "number" then
		if mtype(v) == "integer" then return sfmt("%d", v) end
		return '{"real": ' .. real_text(v) .. "}"
	elseif tv == "string" then
		if is_text(v) then return M.quote(v) end
		return '{"bytes": "' .. M.hex(v) .. '"}'
	elseif tv == "userdata" then
		local core = require "skynet.core"
		local p = string.unpack("<i8", core.packstring(v), 2)
		return sfmt('{"userdata": "%016x"}', p)
	elseif tv == "table" then
		local array, n, hash = M.split(v)
		local a, h = {}, {}
		for i = 1, n do a[i] = encode(array[i]) end
		for i, p in ipairs(hash) do h[i] = "[" .. encode(p[1]) .. ", " .. encode(p[2]) .. "]" end
		return '{"array": [' .. table.concat(a, ", ") .. '], "hash": [' .. table.concat(h, ", ") .. "]}"
	end
	error("json: cannot encode a " .. tv)
end
M.encode = encode

function M.encode_list(t, n)
	local out = {}
	for i = 1, n do out[i] = encode(t[i]) end
	return "[" .. table.concat(out, ", ") .. "]"
end

---------------------------------------------------------------- equality
-- Exact equality of Lua values: same type, integers vs floats distinguished,
-- floats by bits (so -0.0 ~= 0.0) except that every NaN equals every NaN,
-- tables as unordered maps compared recursively.

local function equal(a, b)
	if type(a) ~= type(b) then return false end
	if type(a) == "number" then
		if mtype(a) ~= mtype(b) then return false end
		if mtype(a) == "integer" then return a == b end
		if a ~= a then return b ~= b end
		return string.pack("<d", a) == string.pack("<d", b)
	elseif type(a) == "table" then
		if a == b then return true end
		local na = 0
		for k, v in next, a do
			na = na + 1
			local w = rawget(b, k)
			if w == nil or not equal(v, w) then return false end
		end
		for _ in next, b do na = na - 1 end
		return na == 0
	end
	return a == b
end
M.equal = equal

function M.equal_list(a, na, b, nb)
	if na ~= nb then return false, sfmt("%d values, expected %d", na, nb) end
	for i = 1, na do
		if not equal(a[i], b[i]) then return false, sfmt("value %d differs", i) end
	end
	return true
end

return M
