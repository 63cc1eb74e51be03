-- seri_bench.lua: skynet's own skynet.pack / skynet.unpack timed on the rows of
-- BENCHMARKS.md (issue 5's ("cmd", msg) of 200 bytes, and ("ping", 1)), for a ratio
-- against skywire's criterion figures measured at the same sitting.
-- Run from skynet's root, with this folder's files copied into scen/:
--   ./skynet scen/config.seri_bench
-- Prints one line per row: "SERI_BENCH <row> <ns per call> <bytes>", the cost of the loop and
-- of calling an empty Lua function taken off (printed as the row empty_call).
local skynet = require "skynet"

local function msg()
	local items = {}
	for i = 1, 20 do items[i] = i * 1000 + 7 end
	return {
		id = 123456, name = "player_one", pos = { x = 1.5, y = -2.25, z = 100.0 },
		items = items, flags = true, guild = "dragons", hp = 9876, mp = 321,
		buffs = { { id = 1, t = 30 }, { id = 2, t = 60 } },
	}
end

-- ns per call of f over n calls, the best of `rounds` rounds (os.clock: CPU time).
local function time(n, rounds, f)
	local best = math.huge
	for _ = 1, rounds do
		local t0 = os.clock()
		for _ = 1, n do f() end
		best = math.min(best, (os.clock() - t0) / n * 1e9)
	end
	return best
end

skynet.start(function()
	local n = tonumber(os.getenv("SERI_BENCH_N")) or 200000
	local m = msg()
	local rows = {
		{ "cmd_msg", function() return skynet.pack("cmd", m) end },
		{ "ping_1", function() return skynet.pack("ping", 1) end },
	}
	-- The loop and the call of an empty function, taken off every row.
	local base = time(n, 5, function() end)
	print(string.format("SERI_BENCH empty_call %.1f 0", base))
	for _, row in ipairs(rows) do
		local name, packer = row[1], row[2]
		local pack_ns = time(n, 5, function()
			local p, sz = packer()
			skynet.trash(p, sz)
		end)
		local p, sz = packer()
		local unpack_ns = time(n, 5, function() skynet.unpack(p, sz) end)
		pack_ns, unpack_ns = pack_ns - base, unpack_ns - base
		skynet.trash(p, sz)
		print(string.format("SERI_BENCH pack/%s %.1f %d", name, pack_ns, sz))
		print(string.format("SERI_BENCH unpack/%s %.1f %d", name, unpack_ns, sz))
	end
	skynet.abort()
end)
