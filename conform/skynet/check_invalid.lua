-- check_invalid.lua: what skynet.unpack does with each payload of
-- spec/vectors/lua-seri-invalid.json (payloads skywire's decoder rejects).
--
-- Env:
--   INVALID_IN       the vectors file (required)
--   INVALID_OUT      where to write results (default ./lua-seri-invalid.skynet.jsonl),
--                    one JSON line per vector, in the file's order:
--                      {"id": "...", "skynet": "rejects: <error message>"}
--                      {"id": "...", "skynet": "accepts: <n> values: <type rendering>, ..."}
--                      {"id": "...", "skynet": "crashes: <how>"}
--   INVALID_TIMEOUT  seconds one vector may take (default 60)
--   INVALID_SKYNET   the skynet binary (default ./skynet)
--   INVALID_CONFIG   this config (default scen/config.invalid)
--
-- Each vector runs in its own skynet process, so a crash (or a hang) loses only
-- that vector: this service, run without INVALID_ONE, starts
--   INVALID_ONE=<index> timeout <INVALID_TIMEOUT> ./skynet scen/config.invalid
-- once per vector. The child runs pcall(skynet.unpack, bytes), appends its one
-- line to INVALID_OUT, flushes and stops. If no line for the vector appears,
-- the parent records "crashes: <exit status / signal>" for it.
local skynet = require "skynet"
require "skynet.manager"	-- skynet.abort
local J = require "json_value"

local sfmt, sbyte = string.format, string.byte
local mtype = math.type

local function getenv(name, default)
	local v = os.getenv(name)
	if v == nil or v == "" then return default end
	return v
end

local IN = getenv("INVALID_IN")
local OUT = getenv("INVALID_OUT", "./lua-seri-invalid.skynet.jsonl")

-- JSON string with every control character escaped
local function jstr(s)
	return '"' .. s:gsub('[%c"\\\127]', function(c)
		if c == '"' then return '\\"' elseif c == "\\" then return "\\\\" end
		return sfmt("\\u%04x", sbyte(c))
	end) .. '"'
end

local function load_vectors()
	assert(IN, "set INVALID_IN to spec/vectors/lua-seri-invalid.json")
	local f = assert(io.open(IN, "rb"))
	local doc = J.decode(f:read("a"))
	f:close()
	local vs = assert(J.field(doc, "vectors"), "no vectors")
	local list = {}
	for i = 1, vs.n do
		list[i] = { id = J.field(vs[i], "id"), bytes = J.unhex(J.field(vs[i], "bytes")) }
	end
	return list
end

---------------------------------------------------------------- rendering of values

local function is_text(s)
	return utf8.len(s) and not s:find("[%c\127]") and not s:find("\194[\128-\159]")
end

local function depth_of(t)
	local d = 0
	for k, v in next, t do
		if type(k) == "table" then d = math.max(d, depth_of(k)) end
		if type(v) == "table" then d = math.max(d, depth_of(v)) end
	end
	return d + 1
end

local render

local function render_table(t, budget)
	local n = rawlen(t)
	local pairs_n = 0
	for k in next, t do
		if not (mtype(k) == "integer" and k >= 1 and k <= n) then pairs_n = pairs_n + 1 end
	end
	local head = sfmt("table(array %d, hash %d, depth %d)", n, pairs_n, depth_of(t))
	if budget <= 0 or (n == 0 and pairs_n == 0) then return head end
	local parts = {}
	for i = 1, math.min(n, 4) do parts[#parts + 1] = render(t[i], budget - 1) end
	if n > 4 then parts[#parts + 1] = "..." end
	local shown = 0
	for k, v in next, t do
		if not (mtype(k) == "integer" and k >= 1 and k <= n) then
			shown = shown + 1
			if shown > 4 then parts[#parts + 1] = "..."; break end
			parts[#parts + 1] = "[" .. render(k, budget - 1) .. "]=" .. render(v, budget - 1)
		end
	end
	return head .. " {" .. table.concat(parts, ", ") .. "}"
end

function render(v, budget)
	local tv = type(v)
	if tv == "nil" then return "nil"
	elseif tv == "boolean" then return "boolean " .. tostring(v)
	elseif tv == "number" then
		if mtype(v) == "integer" then return sfmt("integer %d", v) end
		return sfmt("float %.17g", v)
	elseif tv == "string" then
		if #v <= 40 and is_text(v) then return sfmt("string %q", v) end
		local hex = J.hex(v:sub(1, 16))
		return sfmt("string of %d bytes 0x%s%s", #v, hex, #v > 16 and "..." or "")
	elseif tv == "userdata" then
		local core = require "skynet.core"
		return sfmt("userdata 0x%016x", string.unpack("<i8", core.packstring(v), 2))
	elseif tv == "table" then
		return render_table(v, budget or 2)
	end
	return tv
end

---------------------------------------------------------------- one vector (child)

local function run_one(index)
	local v = load_vectors()[index]
	assert(v, "no vector " .. tostring(index))
	local r = table.pack(pcall(skynet.unpack, v.bytes))
	local text
	if r[1] then
		local parts = {}
		for i = 2, r.n do parts[#parts + 1] = render(r[i]) end
		text = sfmt("accepts: %d value%s%s", r.n - 1, r.n == 2 and "" or "s",
			r.n > 1 and ": " .. table.concat(parts, ", ") or "")
	else
		text = "rejects: " .. tostring(r[2])
	end
	local f = assert(io.open(OUT, "ab"))
	f:write(sfmt('{"id": %s, "skynet": %s}\n', jstr(v.id), jstr(text)))
	f:flush()
	f:close()
end

---------------------------------------------------------------- all vectors (parent)

local signames = { [1] = "SIGHUP", [2] = "SIGINT", [4] = "SIGILL", [5] = "SIGTRAP", [6] = "SIGABRT",
	[7] = "SIGBUS", [8] = "SIGFPE", [9] = "SIGKILL", [11] = "SIGSEGV", [13] = "SIGPIPE", [15] = "SIGTERM" }

local function signame(n) return signames[n] or ("signal " .. n) end

local function last_line(path)
	local f = io.open(path, "rb")
	if not f then return nil end
	local last
	for line in f:lines() do if line ~= "" then last = line end end
	f:close()
	return last
end

local function run_all()
	local vectors = load_vectors()
	local timeout = tonumber(getenv("INVALID_TIMEOUT", "60"))
	local bin = getenv("INVALID_SKYNET", "./skynet")
	local config = getenv("INVALID_CONFIG", "scen/config.invalid")
	local log = os.tmpname()
	assert(io.open(OUT, "wb")):close()
	local count = { rejects = 0, accepts = 0, crashes = 0 }
	for i, v in ipairs(vectors) do
		local cmd = sfmt("INVALID_ONE=%d timeout %d %s %s >%s 2>&1", i, timeout, bin, config, log)
		local ok, how, code = os.execute(cmd)
		local line = last_line(OUT)
		local prefix = '{"id": ' .. jstr(v.id) .. ","
		if not (line and line:sub(1, #prefix) == prefix) then
			local what
			if how == "signal" then what = "killed by " .. signame(code)
			elseif code == 124 then what = sfmt("no result within %d s (killed by timeout)", timeout)
			elseif code and code > 128 then what = "killed by " .. signame(code - 128)
			else what = sfmt("exited with status %s before writing a result", tostring(code)) end
			local tail = last_line(log)
			if tail then what = what .. "; last log line: " .. tail end
			line = sfmt('{"id": %s, "skynet": %s}', jstr(v.id), jstr("crashes: " .. what))
			local f = assert(io.open(OUT, "ab"))
			f:write(line, "\n")
			f:close()
		elseif not ok then
			print(sfmt("check_invalid: %s: result written, but skynet then exited with %s %s", v.id, how, code))
		end
		local kind = line:match('"skynet": "(%a+):')
		count[kind] = (count[kind] or 0) + 1
		print(sfmt("check_invalid: %s", line))
	end
	os.remove(log)
	print(sfmt("check_invalid: wrote %s: %d vectors, %d rejects, %d accepts, %d crashes",
		OUT, #vectors, count.rejects, count.accepts, count.crashes))
end

skynet.start(function()
	local one = os.getenv("INVALID_ONE")
	local ok, err = xpcall(function()
		if one and one ~= "" then run_one(assert(tonumber(one), "bad INVALID_ONE"))
		else run_all() end
	end, debug.traceback)
	if not ok then print("check_invalid: FAILED: " .. tostring(err)) end
	skynet.abort()
end)
