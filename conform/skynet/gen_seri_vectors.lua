-- gen_seri_vectors.lua: produce spec/vectors/lua-seri.json from skynet itself.
--
-- Every vector's "packed" is what skynet.pack writes for its values.
-- "unpacks_from" lists other encodings that skynet.unpack reads as exactly the
-- same values (each one checked here with skynet.unpack and an exact deep
-- comparison) and that skywire's spec (spec/lua-seri.md §5.1) accepts with the
-- same structure: wider integer forms, long string forms, the array-size
-- escape for any size.
-- "unpacks_from_skynet_only" lists encodings skynet.unpack also reads as these
-- values, but which skywire deliberately rejects or represents differently
-- (nil / boolean / userdata with a non-zero cookie, hash pairs in another
-- order, array items sent as hash pairs, integral float keys, other NaN bits).
--
-- Output path: env VECTORS_OUT (default ./lua-seri.json).
local skynet = require "skynet"
require "skynet.manager"	-- skynet.abort
local J = require "json_value"

local sfmt, schar, spack = string.format, string.char, string.pack
local mtype = math.type

---------------------------------------------------------------- a Lua packer with options
-- o.int:   nil (canonical) | "widen" (next wider form) | "i64" (always 8 bytes)
-- o.str:   nil | "long2" (cookie 2 when the length fits) | "long4"
-- o.escape: always write the array size with the 31-escape
-- o.reverse: hash pairs in reverse order            (skynet-only)
-- o.array_in_hash: array items written as pairs     (skynet-only)
-- o.term: byte ending the hash part (default "\0")  (skynet-only when not "\0")

local function canon_int(v)
	if v == 0 then return "zero"
	elseif v < -0x80000000 or v > 0x7fffffff then return "i64"
	elseif v < 0 then return "i32"
	elseif v < 0x100 then return "u8"
	elseif v < 0x10000 then return "u16"
	else return "i32" end
end

local wider = { zero = "u8", u8 = "u16", u16 = "i32", i32 = "i64", i64 = "i64" }

local function int_bytes(v, w)
	if w == "zero" then return "\2"
	elseif w == "u8" then return "\10" .. spack("<I1", v)
	elseif w == "u16" then return "\18" .. spack("<I2", v)
	elseif w == "i32" then return "\34" .. spack("<i4", v)
	else return "\50" .. spack("<i8", v) end
end

local function enc_int(v, o)
	local w = canon_int(v)
	if o.int == "widen" then w = wider[w]
	elseif o.int == "i64" then w = "i64" end
	return int_bytes(v, w)
end

local function enc_str(s, o)
	local n = #s
	local form = n < 32 and "short" or n < 0x10000 and "long2" or "long4"
	if o.str == "long4" then form = "long4"
	elseif o.str == "long2" and n < 0x10000 then form = "long2" end
	if form == "short" then return schar(4 | n << 3) .. s
	elseif form == "long2" then return "\21" .. spack("<I2", n) .. s
	else return "\37" .. spack("<I4", n) .. s end
end

local lpack

local function enc_table(t, o)
	local array, n, hash = J.split(t)
	local out = {}
	if o.array_in_hash and n > 0 then
		local h = {}
		for i = 1, n do h[i] = { i, array[i] } end
		for _, p in ipairs(hash) do h[#h + 1] = p end
		hash, n = h, 0
	end
	if n >= 31 or o.escape then
		out[1] = "\254" .. enc_int(n, o)
	else
		out[1] = schar(6 | n << 3)
	end
	for i = 1, n do out[#out + 1] = lpack(array[i], o) end
	local first, last, step = 1, #hash, 1
	if o.reverse then first, last, step = #hash, 1, -1 end
	for i = first, last, step do
		out[#out + 1] = lpack(hash[i][1], o)
		out[#out + 1] = lpack(hash[i][2], o)
	end
	out[#out + 1] = o.term or "\0"
	return table.concat(out)
end

function lpack(v, o)
	local tv = type(v)
	if tv == "nil" then return "\0"
	elseif tv == "boolean" then return v and "\9" or "\1"
	elseif tv == "number" then
		if mtype(v) == "integer" then return enc_int(v, o) end
		return "\66" .. spack("<d", v)
	elseif tv == "string" then return enc_str(v, o)
	elseif tv == "userdata" then return skynet.packstring(v)
	elseif tv == "table" then return enc_table(v, o)
	end
	error("cannot pack " .. tv)
end

local function lpack_list(values, n, o)
	local out = {}
	for i = 1, n do out[i] = lpack(values[i], o) end
	return table.concat(out)
end

local function has_tables(values, n, pred)
	local function walk(v)
		if type(v) ~= "table" then return false end
		if pred(v) then return true end
		for k, x in next, v do
			if walk(k) or walk(x) then return true end
		end
		return false
	end
	for i = 1, n do if walk(values[i]) then return true end end
	return false
end

---------------------------------------------------------------- vector list

local vectors = {}
local rejected = {}
local stats = { forms = 0, skynet_only = 0, dropped = 0, lua_packer_mismatch = 0 }

local function unpack_equals(bytes, values, n)
	local r = table.pack(pcall(skynet.unpack, bytes))
	if not r[1] then return false, r[2] end
	local ok, why = J.equal_list({ table.unpack(r, 2, r.n) }, r.n - 1, values, n)
	return ok, why
end

-- vector(id, description, values, n, extra) ; extra.forms / extra.skynet_only: byte strings
local function vector(id, desc, values, n, extra)
	extra = extra or {}
	n = n or #values
	local packed = skynet.packstring(table.unpack(values, 1, n))
	assert(unpack_equals(packed, values, n), id .. ": skynet does not read back its own bytes")
	if lpack_list(values, n, {}) ~= packed then
		stats.lua_packer_mismatch = stats.lua_packer_mismatch + 1
		skynet.error("gen_seri_vectors: Lua packer differs from skynet.pack on " .. id)
	end

	local seen = { [packed] = true }
	local function collect(cands)
		local kept = {}
		for _, b in ipairs(cands) do
			if not seen[b] then
				seen[b] = true
				local ok, why = unpack_equals(b, values, n)
				if ok then
					kept[#kept + 1] = J.hex(b)
				else
					stats.dropped = stats.dropped + 1
					skynet.error(sfmt("gen_seri_vectors: %s: dropped candidate %s (%s)", id,
						#b > 40 and J.hex(b:sub(1, 20)) .. "..." or J.hex(b), tostring(why)))
				end
			end
		end
		return kept
	end

	local cands = {}
	for _, o in ipairs { { int = "widen" }, { int = "i64" }, { str = "long2" }, { str = "long4" }, { escape = true } } do
		cands[#cands + 1] = lpack_list(values, n, o)
	end
	for _, b in ipairs(extra.forms or {}) do cands[#cands + 1] = b end
	local forms = collect(cands)

	local scands = {}
	if has_tables(values, n, function(t) local _, _, h = J.split(t); return #h >= 2 end) then
		scands[#scands + 1] = lpack_list(values, n, { reverse = true })
	end
	if has_tables(values, n, function(t) return rawlen(t) > 0 end) then
		scands[#scands + 1] = lpack_list(values, n, { array_in_hash = true })
	end
	if has_tables(values, n, function() return true end) then
		scands[#scands + 1] = lpack_list(values, n, { term = "\8" })
	end
	for _, b in ipairs(extra.skynet_only or {}) do scands[#scands + 1] = b end
	local sforms = collect(scands)

	stats.forms = stats.forms + #forms
	stats.skynet_only = stats.skynet_only + #sforms
	vectors[#vectors + 1] = sfmt('{"id": %s, "description": %s, "values": %s, "packed": "%s", "unpacks_from": [%s], "unpacks_from_skynet_only": [%s]}',
		J.quote(id), J.quote(desc), J.encode_list(values, n), J.hex(packed),
		#forms > 0 and '"' .. table.concat(forms, '", "') .. '"' or "",
		#sforms > 0 and '"' .. table.concat(sforms, '", "') .. '"' or "")
end

local function reject(id, desc, construction, ...)
	local ok, err = pcall(skynet.packstring, ...)
	assert(not ok, id .. ": skynet packed it")
	rejected[#rejected + 1] = sfmt('{"id": %s, "description": %s, "construction": %s, "error": %s}',
		J.quote(id), J.quote(desc), J.quote(construction), J.quote(tostring(err)))
end

local function nested(depth, innermost)
	local t = innermost or {}
	for _ = 2, depth do t = { t } end
	return t
end

local function seq(n, f)
	local t = {}
	for i = 1, n do t[i] = f and f(i) or i end
	return t
end

local function self_check()
	-- the comparison must tell apart what skynet tells apart
	assert(not unpack_equals("\66" .. spack("<d", 1.0), { 1 }, 1), "float 1.0 vs integer 1")
	assert(not unpack_equals("\66" .. spack("<d", 0.0), { -0.0 }, 1), "0.0 vs -0.0")
	assert(not unpack_equals("\0", {}, 0), "value count")
	assert(not unpack_equals("\14\10\1\0", { { 2 } }, 1), "table contents")
	assert(not unpack_equals("\6\36key1\2\0", { { key = 0, x = 1 } }, 1), "table size")
	assert(unpack_equals("\66" .. spack("<i8", 0x7ff8000000000001), { 0.0 / 0.0 }, 1), "NaN equals NaN")
end

local function generate()
	self_check()
	local nan = 0.0 / 0.0
	local nanbits = string.unpack("<i8", spack("<d", nan))

	-- nil and booleans
	vector("nil", "nil", { nil }, 1, { skynet_only = { "\8", "\248" } })
	vector("boolean/false", "false", { false })
	vector("boolean/true", "true", { true }, 1, { skynet_only = { "\17", "\249" } })

	-- integers
	local ints = {
		{ "integer/zero", 0, "zero: type byte only" },
		{ "integer/u8/1", 1, "1: u8" },
		{ "integer/u8/255", 255, "largest u8" },
		{ "integer/u16/256", 256, "smallest u16" },
		{ "integer/u16/65535", 65535, "largest u16" },
		{ "integer/i32/65536", 65536, "smallest positive integer in the 4-byte form" },
		{ "integer/i32/2147483647", 0x7fffffff, "2^31-1, largest i32" },
		{ "integer/i64/2147483648", 0x80000000, "2^31: fits u32 but not i32, so 8 bytes" },
		{ "integer/i64/4294967295", 0xffffffff, "2^32-1" },
		{ "integer/i64/4294967296", 0x100000000, "2^32" },
		{ "integer/i32/-1", -1, "-1: negatives always take the i32 form" },
		{ "integer/i32/-255", -255, "-255" },
		{ "integer/i32/-256", -256, "-256" },
		{ "integer/i32/-65536", -65536, "-65536" },
		{ "integer/i32/-2147483648", -0x80000000, "-2^31, smallest i32" },
		{ "integer/i64/-2147483649", -0x80000001, "-2^31-1, largest negative needing i64" },
		{ "integer/i64/9007199254740993", (1 << 53) + 1, "2^53+1, not representable as a double" },
		{ "integer/i64/max", math.maxinteger, "math.maxinteger" },
		{ "integer/i64/min", math.mininteger, "math.mininteger" },
	}
	for _, c in ipairs(ints) do vector(c[1], c[3], { c[2] }) end

	-- floats
	local reals = {
		{ "real/0.5", 0.5, "0.5" },
		{ "real/-0", -0.0, "negative zero (sign bit kept)" },
		{ "real/1e300", 1e300, "1e300" },
		{ "real/-1e-300", -1e-300, "-1e-300" },
		{ "real/inf", math.huge, "+infinity" },
		{ "real/-inf", -math.huge, "-infinity" },
		{ "real/3", 3.0, "3.0: an integral float stays a float (cookie 8)" },
		{ "real/pi", math.pi, "math.pi" },
		{ "real/2p63", 2.0 ^ 63, "2^63 as a float (no integer equals it)" },
		{ "real/subnormal/1e-310", 1e-310, "1e-310, a subnormal double" },
	}
	for _, c in ipairs(reals) do vector(c[1], c[3], { c[2] }) end
	do
		-- other NaN bit patterns: skynet reads them as a NaN too, but keeps
		-- their bits (an echo returns them unchanged), so they are skynet-only
		local alt = {}
		for _, bits in ipairs { 0x7ff8000000000000, 0x7ff8000000000001, -0x0008000000000000, 0x7ff0000000000001 } do
			if bits ~= nanbits then alt[#alt + 1] = "\66" .. spack("<i8", bits) end
		end
		vector("real/nan", sfmt("0.0/0.0 as computed by skynet's Lua (bits %016x); other NaN bit patterns read as NaN", nanbits),
			{ nan }, 1, { skynet_only = alt })
	end

	-- strings
	local function rs(n) return string.rep("s", n) end
	vector("string/short/0", "empty string", { "" })
	vector("string/short/1", "one byte", { "a" })
	vector("string/short/31", "31 bytes, longest short string", { rs(31) })
	vector("string/long2/32", "32 bytes, shortest long string (u16 length)", { rs(32) })
	vector("string/long2/255", "255 bytes", { rs(255) })
	vector("string/long2/256", "256 bytes", { rs(256) })
	vector("string/long2/65535", "65535 bytes, longest u16-length string", { rs(65535) })
	vector("string/long4/65536", "65536 bytes, shortest u32-length string", { rs(65536) })
	vector("string/long4/70000", "70000 bytes", { rs(70000) })
	do
		local b = {}
		for i = 0, 255 do b[#b + 1] = schar(i) end
		vector("string/binary/0-255", "the 256 byte values 0..255 in order (not UTF-8)", { table.concat(b) })
	end
	vector("string/utf8", "UTF-8 text, 2-, 3- and 4-byte sequences", { "h\u{e9}llo \u{4e16}\u{754c} \u{1f600}" })
	vector("string/nul", "a string with a NUL byte inside", { "a\0b" })
	vector("string/control", "ASCII with a control character (not JSON text here)", { "bell\7" })
	vector("string/escapes", "quote, backslash, tab, CR, LF", { "q\"b\\t\tr\rn\n" })
	vector("string/invalid-utf8", "bytes that are not valid UTF-8", { "\255\254a\192" })

	-- tables
	vector("table/empty", "{}", { {} })
	for _, n in ipairs { 1, 29, 30, 31, 32, 100, 300 } do
		vector("table/array/" .. n, sfmt("array {1..%d}%s", n,
			n == 30 and ", longest array size in the cookie" or n == 31 and ", shortest array size after the 31-escape" or ""),
			{ seq(n) })
	end
	vector("table/array/mixed-types", "array of different value types",
		{ { 1, "two", 3.0, true, false, {}, -7, "" } })
	vector("table/array/strings", "array of 40 strings of growing length",
		{ seq(40, function(i) return string.rep("x", i) end) })
	vector("table/hash/string-keys", "hash with string keys", { { a = 1, bb = "x", ccc = true, [string.rep("k", 40)] = 0.25 } })
	vector("table/hash/integer-keys", "hash with integer keys that are not an array",
		{ { [100] = "a", [-1] = "b", [0] = "c", [65536] = "d", [math.mininteger] = "e" } })
	vector("table/hash/float-keys", "hash with float keys", { { [1.5] = "a", [-0.25] = "b", [1e300] = "c", [math.huge] = "d" } })
	vector("table/hash/boolean-keys", "hash with boolean keys", { { [true] = 1, [false] = 0 } })
	vector("table/hash/one", "hash with one pair", { { key = "value" } })
	vector("table/sparse/5", "{[5]=1}: an integer key outside the array part", { { [5] = 1 } }, 1,
		{ skynet_only = { "\6\66" .. spack("<d", 5.0) .. "\10\1\0" } })
	vector("table/sparse/1-2-4", "{1,2,[4]=4}: array 1..2, key 4 in the hash", { { 1, 2, [4] = 4 } })
	vector("table/mixed/array-hash", "array items and hash pairs", { { 10, 20, 30, name = "v", [1.5] = true, [100] = false } })
	vector("table/mixed/spec-example", "the example of spec/lua-seri.md section 6", { { 10, 20, name = "v", [1.5] = true } })
	vector("table/nested/2", "tables inside a table", { { { 1, 2 }, { a = { b = "c" } }, x = { {} } } })
	vector("table/nested/33", "33 nested tables, innermost empty: the deepest skynet packs", { nested(33) })
	vector("table/nested/32-with-item", "32 nested tables, innermost {1}", { nested(32, { 1 }) })

	-- whole payloads
	vector("args/empty", "no values at all (empty payload)", {}, 0)
	vector("args/spec-example", "\"ping\", nil, -1", { "ping", nil, -1 }, 3)
	vector("args/60", "60 values of mixed types", seq(60, function(i)
		local k = i % 5
		return k == 0 and i or k == 1 and tostring(i) or k == 2 and i + 0.5 or k == 3 and (i % 2 == 0) or { i }
	end), 60)
	vector("args/nil-nil-x", "nil, nil, \"x\"", { nil, nil, "x" }, 3)
	vector("args/trailing-nil", "\"x\", nil: the trailing nil is encoded", { "x", nil }, 2)
	vector("args/all-nil", "nil, nil, nil", { nil, nil, nil }, 3)
	do
		-- a fixed pointer value (made by skynet.unpack) keeps the file stable
		-- across runs; a pointer from skynet.pack would change every run
		local ud = skynet.unpack("\3" .. spack("<i8", 0x00005555deadbee0))
		assert(type(ud) == "userdata")
		vector("userdata/light", "a light userdata (pointer 0x00005555deadbee0); 8 native (little-endian) bytes", { ud }, 1,
			{ skynet_only = { "\11" .. skynet.packstring(ud):sub(2) } })
		vector("args/userdata-and-values", "light userdata between other values", { 1, ud, "s" }, 3)
	end

	-- refused by the packer
	reject("table/nested/34", "34 nested tables: innermost has depth 33", "34 nested empty tables", nested(34))
	reject("table/nested/33-with-item", "33 nested tables whose innermost has one item (depth 33)",
		"33 nested tables, the innermost {1}", nested(33, { 1 }))
	reject("type/function", "a Lua function", "function() end", function() end)
	reject("type/coroutine", "a coroutine (thread)", "coroutine.create(print)", coroutine.create(print))
end

skynet.start(function()
	local ok, err = xpcall(generate, debug.traceback)
	if not ok then
		print("gen_seri_vectors: FAILED: " .. tostring(err))
		skynet.abort()
		return
	end
	local out = os.getenv("VECTORS_OUT") or "./lua-seri.json"
	local f = assert(io.open(out, "wb"))
	f:write('{\n')
	f:write('  "format": "skywire-vectors/lua-seri/1",\n')
	f:write('  "source": "skynet.pack / skynet.unpack of unmodified skynet f19d1605, generated by conform/skynet/gen_seri_vectors.lua",\n')
	f:write('  "notes": "packed: skynet.pack of values. unpacks_from: other encodings skynet.unpack reads as exactly these values (each checked with skynet.unpack) and that skywire accepts with the same structure. unpacks_from_skynet_only: further encodings skynet.unpack reads as these values but skywire rejects or represents differently (nil/boolean/userdata cookie not 0, hash pairs reordered, array items as hash pairs, integral float keys, hash ended by a nil with a cookie, NaN with other bits). Floats are written with %.17g; light userdata bytes are native little-endian.",\n')
	f:write('  "vectors": [\n    ')
	f:write(table.concat(vectors, ",\n    "))
	f:write('\n  ],\n  "rejected_by_packer": [\n    ')
	f:write(table.concat(rejected, ",\n    "))
	f:write('\n  ]\n}\n')
	f:close()
	-- read the file back with json_value.lua: every vector's values must be
	-- what skynet.unpack reads from its packed bytes
	f = assert(io.open(out, "rb"))
	local doc = J.decode(f:read("a"))
	f:close()
	local vs = J.field(doc, "vectors")
	for i = 1, vs.n do
		local v = vs[i]
		local values, n = J.list(J.field(v, "values"))
		local ok, why = unpack_equals(J.unhex(J.field(v, "packed")), values, n)
		assert(ok, "read-back check failed on " .. J.field(v, "id") .. ": " .. tostring(why))
	end
	print(sfmt("gen_seri_vectors: read-back check of %d vectors ok", vs.n))
	print(sfmt("gen_seri_vectors: wrote %s: %d vectors, %d unpacks_from, %d unpacks_from_skynet_only, %d rejected; %d candidates dropped; lua packer mismatches: %d",
		out, #vectors, stats.forms, stats.skynet_only, #rejected, stats.dropped, stats.lua_packer_mismatch))
	skynet.abort()
end)
