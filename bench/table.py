#!/usr/bin/env python3
"""Turns the raw figures of one bench/run.sh run (JSON lines) into BENCHMARKS.md's tables:
every row of issue 5 beside skynet's figure and the target; every node-to-node row beside
its protocol-free floor (benches/tcp_floor.rs) and the skynet node, measured in the same
run; then each row's details."""
import json
import sys

# The floor of the 100,000-byte row in runs before every row had one: 100,000 bytes each way,
# 8 in flight, a writer and a reader thread on the client's side.
OLD_FLOOR = ("tcp_floor_100000B_x8", "callers8_100000B")
# The prefix of the rows run again with the node on one thread (`skywire node --threads 1`).
ONE_THREAD = "one_thread_"

# (label, source, key, skynet, target, unit, better)
ROWS = [
    ('`skynet.pack("cmd", msg)` (200 bytes)', "seri_pack/cmd_msg", None, 2490, 250, "ns", "lower"),
    ("`skynet.unpack` of those 200 bytes", "seri_unpack/cmd_msg", None, 3310, 330, "ns", "lower"),
    ("... the same into a reused flat `Tape` (`unpack_tape_into`)", "seri_unpack_tape_into/cmd_msg", None, 3310, 330, "ns", "lower"),
    ('`skynet.pack("ping", 1)` (7 bytes)', "seri_pack/ping_1", None, 161, 20, "ns", "lower"),
    ('`skynet.unpack` of `("ping", 1)`', "seri_unpack/ping_1", None, 70, 20, "ns", "lower"),
    ("... the same into a reused flat `Tape` (`unpack_tape_into`)", "seri_unpack_tape_into/ping_1", None, 70, 20, "ns", "lower"),
    ("node to node, 1 caller, tiny call, median latency", "one_caller_tiny", "p50", 107, 35, "us", "lower"),
    ("... the same, both sides busy-polling (`--busy-poll-us 50`)", "one_caller_tiny_busy_poll", "p50", 107, 35, "us", "lower"),
    ("node to node, 64 callers, 1 connection, tiny calls", "callers64_tiny", "rate", 31900, 320000, "calls/s", "higher"),
    ("node to node, 64 callers, 4 KiB argument echoed", "callers64_4KiB", "rate", 23200, 230000, "calls/s", "higher"),
    ("node to node, 8 callers, 100,000-byte argument echoed", "callers8_100000B", "rate", 3470, 17000, "calls/s", "higher"),
]


# Issue 12 part 3: each decoded (and packed) form against skynet's own skynet.unpack /
# skynet.pack of the same values, timed in the same run (bench/skynet/seri_bench.lua).
# (skynet row, [(our form, criterion bench)]); the goal is 3x.
SAME_SITTING = [
    ("unpack/cmd_msg", [("`unpack` (default: a `Value` tree)", "seri_unpack/cmd_msg"),
                        ("`unpack_ref` (a `ValueRef` tree)", "seri_unpack_ref/cmd_msg"),
                        ("`from_slice` into a Rust struct (serde)", "seri_from_slice/cmd_msg"),
                        ("`unpack_tape` (flat)", "seri_unpack_tape/cmd_msg"),
                        ("`Unpack::tape_into` (flat, reused)", "seri_unpack_tape_into/cmd_msg")]),
    ("unpack/ping_1", [("`unpack` (default: a `Value` tree)", "seri_unpack/ping_1"),
                       ("`unpack_ref` (a `ValueRef` tree)", "seri_unpack_ref/ping_1"),
                       ("`from_slice` into `(&str, i64)` (serde)", "seri_from_slice/ping_1"),
                       ("`unpack_tape` (flat)", "seri_unpack_tape/ping_1"),
                       ("`Unpack::tape_into` (flat, reused)", "seri_unpack_tape_into/ping_1")]),
    ("pack/cmd_msg", [("`pack`", "seri_pack/cmd_msg"), ("`pack_into` (reused buffer)", "seri_pack_into/cmd_msg")]),
    ("pack/ping_1", [("`pack`", "seri_pack/ping_1"), ("`pack_into` (reused buffer)", "seri_pack_into/ping_1")]),
]
SAME_SITTING_GOAL = 3.0

# Issue 12 part 4: serde to and from lua-seri against rmp-serde (MessagePack) on the same
# struct, same run; the goal is not slower (ratio <= 1).
VS_RMP = [("encode (`to_payload`)", "seri_vs_rmp/lua_seri_encode", "seri_vs_rmp/rmp_encode"),
          ("encode (`to_values` + `pack`)", "seri_vs_rmp/lua_seri_encode_via_values", "seri_vs_rmp/rmp_encode"),
          ("decode (`from_slice`)", "seri_vs_rmp/lua_seri_decode", "seri_vs_rmp/rmp_decode")]


def same_sitting(benches, skynet_seri):
    """The seri forms against skynet's own pack/unpack of this run, and against rmp-serde."""
    if skynet_seri:
        print()
        print(f"| skynet (same run) | skynet ns | skywire form | skywire ns | skywire / skynet (goal {SAME_SITTING_GOAL:.0f}x) |")
        print("|---|---|---|---|---|")
        for sk, forms in SAME_SITTING:
            if sk not in skynet_seri:
                continue
            for label, bench in forms:
                if bench not in benches:
                    continue
                ratio = skynet_seri[sk] / benches[bench]
                verdict = "met" if ratio >= SAME_SITTING_GOAL else "short"
                print(f"| `skynet.{sk.split('/')[0]}` {sk.split('/')[1]} | {skynet_seri[sk]:,.1f} | {label} "
                      f"| {benches[bench]:,.1f} | {ratio:.1f}x faster ({verdict}) |")
    rmp = [(l, benches[a], benches[b]) for l, a, b in VS_RMP if a in benches and b in benches]
    if rmp:
        print()
        print("| game message as a Rust struct | lua-seri ns | rmp-serde ns | lua-seri / rmp-serde time (goal <= 1) |")
        print("|---|---|---|---|")
        for label, ours, theirs in rmp:
            verdict = "met" if ours <= theirs else "short"
            print(f"| {label} | {ours:,.1f} | {theirs:,.1f} | {ours / theirs:.2f} ({verdict}) |")


def fmt(x, unit):
    if unit == "calls/s":
        return f"{x:,.0f} calls/s"
    if unit == "us":
        return f"{x:.1f} us"
    return f"{x:.1f} ns"


def main(path):
    benches, rows, floors, idle, extra, skynet_seri = {}, {}, {}, {}, [], {}
    with open(path) as f:
        for line in f:
            j = json.loads(line)
            if "bench" in j and "median_ns" in j:
                benches[j["bench"]] = j["median_ns"]
            elif "row" in j:
                rows[j["row"]] = j
            elif "floor_row" in j:
                floors[j["floor_row"]] = j
            elif "idle_row" in j:
                idle[j["idle_row"]] = j
            elif "skynet_seri" in j:
                skynet_seri[j["skynet_seri"]] = j["ns"]
            else:
                extra.append(j)
    print("| work | skynet | target | measured | vs target | vs skynet |")
    print("|---|---|---|---|---|---|")
    for label, src, key, skynet, target, unit, better in ROWS:
        if src in benches:
            v = benches[src]
        elif src in rows:
            r = rows[src]
            v = r["latency_us"]["p50"] if key == "p50" else r["calls_per_s"]
        else:
            print(f"| {label} | {fmt(skynet, unit)} | {fmt(target, unit)} | not run | | |")
            continue
        if better == "lower":
            to_target, to_skynet = target / v, skynet / v
        else:
            to_target, to_skynet = v / target, v / skynet
        verdict = "met" if to_target >= 1 else "short"
        print(f"| {label} | {fmt(skynet, unit)} | {fmt(target, unit)} | {fmt(v, unit)} "
              f"| {to_target:.2f}x ({verdict}) | {to_skynet:.1f}x faster |")
    same_sitting(benches, skynet_seri)
    old_floor = next((j for j in extra if j.get("bench") == OLD_FLOOR[0]), None)
    if old_floor and OLD_FLOOR[1] not in floors:
        floors[OLD_FLOOR[1]] = {"msgs_per_s": old_floor["messages_per_s"], "old": True}
    ours = [name for name in rows if not name.startswith(("skynet_", "scale_"))]
    if ours:
        print()
        print("| row | skywire calls/s | floor msgs/s | skywire / floor | skynet calls/s "
              "| skywire / skynet | CPU µs/call: skywire node + client | floor |")
        print("|---|---|---|---|---|---|---|---|")
        for name in ours:
            r = rows[name]
            v = r["calls_per_s"]
            cells = [name, f"{v:,.0f}"]
            # A row of the node on one thread is measured against its row's floor.
            base = name.removeprefix(ONE_THREAD)
            f = floors.get(name) or floors.get(base)
            if f:
                mark = " (old floor)" if f.get("old") else ""
                cells += [f"{f['msgs_per_s']:,.0f}{mark}", f"{v / f['msgs_per_s']:.2f}"]
            else:
                cells += ["", ""]
            sk = rows.get("skynet_" + base)
            cells += [f"{sk['calls_per_s']:,.0f}", f"{v / sk['calls_per_s']:.1f}"] if sk else ["", ""]
            calls = max(r["calls"], 1)
            client = r.get("client_cpu_s")
            cells.append(f"{1e6 * (r['node_cpu_s'] + client) / calls:.1f}" if client is not None else "")
            cells.append(f"{1e6 * f['cpu_s'] / max(f['messages'], 1):.1f}" if f and "cpu_s" in f else "")
            print("| " + " | ".join(cells) + " |")
        shaped = [(n, f) for n, f in floors.items() if "request_bytes" in f]
        if shaped:
            print()
            print("floors (benches/tcp_floor.rs): bytes per call on the wire as the row put them, "
                  "request/response; in flight; msgs/s with one thread per side and with two "
                  "(a reader and a writer), the faster is the floor")
            for n, f in shaped:
                busy = f", busy-poll {f['busy_poll_us']} us" if f.get("busy_poll_us") else ""
                both = (f"; one thread {f['one_thread_msgs_per_s']:,.0f}/s, "
                        f"two threads {f['two_threads_msgs_per_s']:,.0f}/s"
                        if "one_thread_msgs_per_s" in f else "")
                print(f"- {n}: {f['request_bytes']}/{f['response_bytes']} B, "
                      f"{f['in_flight']} in flight{busy}{both}")
    scale_table(rows, idle)
    if rows:
        print()
        print("| row | calls | errors | p50 us | p99 us | max us | MB/s | node CPU s | client CPU s | node CPU us/call | load |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for name, r in rows.items():
            l = r["latency_us"]
            per_call = 1e6 * r["node_cpu_s"] / max(r["calls"], 1)
            print(f"| {name} | {r['calls']:,} | {r['errors']} | {l['p50']} | {l['p99']} | {l['max']} "
                  f"| {r['mb_per_s']:.1f} | {r['node_cpu_s']} | {r.get('client_cpu_s')} | {per_call:.1f} | {r['load']} |")
    for j in extra:
        if j.get("bench") == "tcp_floor_100000B_x8":
            print()
            print(f"loopback TCP floor (benches/tcp_floor.rs): 100,000-byte messages echoed, 8 in flight, "
                  f"no protocol: {j['messages_per_s']:,.0f} messages/s")
        if "sustained" in j:
            s = j["sustained"]
            print()
            print(f"sustained: {s['calls']:,} calls in {s['seconds']} s, {s['errors']} errors; "
                  f"node VmHWM {j['node_hwm_before_kb']} kB before, {j['node_hwm_after_kb']} kB after")
    samples = [j for j in extra if "sustained_t" in j]
    if samples:
        print("node RSS during it (kB): " + ", ".join(f"{j['sustained_t']}s {j['node_rss_kb']}" for j in samples))
    shown = {r[1] for r in ROWS} | {b for _, forms in SAME_SITTING for _, b in forms} \
        | {x for _, a, b in VS_RMP for x in (a, b)}
    other = sorted(k for k in benches if k not in shown)
    if other:
        print()
        print("| criterion bench | median |")
        print("|---|---|")
        for k in other:
            print(f"| {k} | {benches[k]:,.1f} ns |")


def scale_table(rows, idle):
    """The rows as connections grow (bench/run.sh's scale_rows), skywire and skynet side by side."""
    scale = [n for n in rows if n.startswith("scale_")]
    if not scale and not idle:
        return
    print()
    print("| connections | callers | skywire calls/s | p99 us | node CPU us/call | node RSS kB "
          "| skynet calls/s | p99 us | skynet CPU us/call | skynet RSS kB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in scale:
        r = rows[name]
        cells = [f"{r['connections']:,}", f"{r['callers']:,}"]
        for x in (r, rows.get("skynet_" + name)):
            if x is None:
                cells += ["", "", "", ""]
                continue
            cpu = 1e6 * x["node_cpu_s"] / max(x["calls"], 1) if x["node_cpu_s"] else None
            cells += [f"{x['calls_per_s']:,.0f}", f"{x['latency_us']['p99']}",
                      f"{cpu:.2f}" if cpu is not None else "", f"{x['node_rss_kb']:,}"]
        print("| " + " | ".join(cells) + " |")
    for name, j in idle.items():
        who = "skynet" if name.startswith("skynet_") else "skywire node"
        grew = (j["rss_with_kb"] - j["rss_before_kb"]) * 1024
        print(f"\n{who}: {j['connections']:,} idle connections ({j['status']}): RSS "
              f"{j['rss_before_kb']:,} kB -> {j['rss_with_kb']:,} kB, "
              f"{grew / max(j['connections'], 1):,.0f} bytes per idle connection")


if __name__ == "__main__":
    main(sys.argv[1])
