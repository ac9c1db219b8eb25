"""This machine's roofline and the bounds it sets on UltraFastBERT-1x11 (issue 13).

    PYTHONPATH=python python3 bench/roofline.py              # measure, write docs/performance/roofline.*
    PYTHONPATH=python python3 bench/roofline.py --cpu 0      # pin to another CPU
    PYTHONPATH=python python3 bench/roofline.py --measured A.json B.json --out /tmp/r   # saved runs

fff-roofline (bench/roofline.cpp, built with the project) measures on one
pinned CPU the fp32 FMA peak and the read bandwidth of buffers sized for
each cache level and for memory. From them this derives, per batch, a lower
bound on UltraFastBERT-1x11's time per row: each resource (the FMA units,
the link from each cache level, memory) must carry the work and the bytes
that go through it, and the slowest sets the bound. What goes through which
level at each batch is the model below (`traffic`), stated in the output.

bench/run.py can call `measure()` and `bounds()` the same way.
"""
from __future__ import annotations

import os
import sys

try:
    import numpy as np  # noqa: F401  (bench_common needs it)
except ImportError:  # a python3 without numpy (pyenv's): the system one has it
    if os.path.exists("/usr/bin/python3") and sys.executable != "/usr/bin/python3":
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    raise

import argparse
import json
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bench_common import SHAPES, Shape
from fff_mlir.paths import tool

ROOT = Path(__file__).resolve().parents[1]
LEVELS = ("L1", "L2", "L3", "memory")
# Issue 13's targets for UltraFastBERT-1x11 on one thread, µs per row.
TARGETS = {1: 0.65, 1024: 1.0, 16384: 0.7}


def measure(cpu: str | None = "1", extra=()) -> dict:
    """fff-roofline's figures, pinned to `cpu` with taskset (None: unpinned)."""
    cmd = [str(tool("fff-roofline")), *extra]
    if cpu is not None and shutil.which("taskset"):
        cmd = ["taskset", "-c", cpu, *cmd]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def combine(runs: list) -> dict:
    """Several runs' figures as one: the median of their medians, the lowest
    min and the highest max; the clock from the fastest run (the machine is
    shared, and one run's medians moved by 10-20% between runs)."""
    def merge(figs):
        meds = sorted(f["median"] for f in figs)
        mid = len(meds) // 2
        return {"median": meds[mid] if len(meds) % 2 else (meds[mid - 1] + meds[mid]) / 2,
                "min": min(f["min"] for f in figs), "max": max(f["max"] for f in figs)}
    m = dict(runs[0], runs=len(runs), clock_ghz_estimate=max(r["clock_ghz_estimate"] for r in runs))
    m["fma_gflops_by_chains"] = {k: merge([r["fma_gflops_by_chains"][k] for r in runs])
                                 for k in runs[0]["fma_gflops_by_chains"]}
    m["fma_chains"] = max(m["fma_gflops_by_chains"], key=lambda k: m["fma_gflops_by_chains"][k]["median"])
    m["fma_peak_gflops"] = m["fma_gflops_by_chains"][m["fma_chains"]]
    m["read_bandwidth"] = [{"bytes": r["bytes"], "gbps": merge([run["read_bandwidth"][i]["gbps"] for run in runs])}
                           for i, r in enumerate(runs[0]["read_bandwidth"])]
    return m


def cache_sizes(m: dict) -> dict:
    """{'L1': bytes, 'L2': ..., 'L3': ...}: data and unified caches from /sys."""
    return {f"L{c['level']}": c["bytes"] for c in m["caches"] if c["type"] in ("Data", "Unified")}


def level_of(size: int, caches: dict) -> str:
    """The smallest cache level a buffer of `size` bytes fits in."""
    return next((lvl for lvl in LEVELS[:-1] if lvl in caches and size <= caches[lvl]), "memory")


def bandwidths(m: dict) -> dict:
    """Per level: the best median read bandwidth (GB/s) among the buffers that
    fit it, and that of its largest buffer (nearer a working set that fills it)."""
    caches, out = cache_sizes(m), {}
    for r in sorted(m["read_bandwidth"], key=lambda r: r["bytes"]):
        lvl = out.setdefault(level_of(r["bytes"], caches), {"best": 0.0, "buffers": []})
        lvl["best"] = max(lvl["best"], r["gbps"]["median"])
        lvl["largest"] = r["gbps"]["median"]
        lvl["buffers"].append(r["bytes"])
    return out


def distinct_nodes(depth: int, batch: int) -> float:
    """Expected nodes of one tree that `batch` rows visit when each row's path
    is uniform: level l has 2^l nodes, each missed by a row with p = 1 - 2^-l."""
    return sum(2 ** l * (1 - (1 - 2.0 ** -l) ** batch) for l in range(depth + 1))


@dataclass
class Term:
    what: str
    bytes_per_row: float
    level: str  # where the bytes are served from


def traffic(shape: Shape, batch: int) -> list:
    """The bytes per row a path-neuron layer must move at `batch`, and from where.

    A node is one d_in-long row of w_in (its logit's dot) and one d_out-long
    row of w_out (its output's axpy). x is too long for the registers, so each
    level's dot reads it again."""
    node = 4 * (shape.d_in + shape.d_out)
    per_row = shape.trees * (shape.depth + 1)
    x, y = 4 * shape.d_in, 4 * shape.d_out
    weights = shape.trees * distinct_nodes(shape.depth, batch) * node / batch
    if batch == 1:  # the same row again and again: its path stays in L2
        return [Term(f"the path's {2 * per_row} weight rows", weights, "L2"),
                Term(f"x re-read by each of the {per_row} dots", per_row * x, "L1")]
    if batch <= 1024:  # weights, x and y (31 MB at 1024) fit in L3 between calls
        return [Term(f"distinct weights ({shape.trees * distinct_nodes(shape.depth, batch):.0f} "
                     f"of {shape.trees * (2 ** (shape.depth + 1) - 1)} nodes)", weights, "L3"),
                Term("x in and y out", x + y, "L3"),
                Term(f"x re-read by the other {per_row - 1} dots", (per_row - 1) * x, "L1")]
    # Large batches stream x and y from memory; rows are walked level by level
    # over a tile that keeps its x in L2; the weights stay in L3.
    return [Term("x in and y out", x + y, "memory"),
            Term(f"x re-read from L2 by the other {per_row - 1} levels", (per_row - 1) * x, "L2"),
            Term("every node's weights once", weights, "L3")]


def bounds(m: dict, shape: Shape, batch: int) -> dict:
    """The time per row each resource needs at `batch`, and the largest.

    Bytes served from a level also cross every link above it, so the link
    from level k carries the terms served at k and beyond. `serial` adds the
    levels' times instead (nothing overlaps): an estimate, not a bound."""
    bw, peak = bandwidths(m), m["fma_peak_gflops"]["median"]
    terms = traffic(shape, batch)
    times, times_largest = {"FMA peak": shape.fff_flops() / peak / 1e3}, {}
    for k, lvl in enumerate(LEVELS):
        crossing = sum(t.bytes_per_row for t in terms if LEVELS.index(t.level) >= k)
        if crossing and lvl in bw:
            times[lvl] = crossing / bw[lvl]["best"] / 1e3
            times_largest[lvl] = crossing / bw[lvl]["largest"] / 1e3
    served = {lvl: sum(t.bytes_per_row for t in terms if t.level == lvl) for lvl in LEVELS}
    serial = sum(b / bw[lvl]["best"] / 1e3 for lvl, b in served.items() if b and lvl in bw)
    limit = max(times, key=times.get)
    largest = dict(times, **times_largest)
    return {"batch": batch, "target_us": TARGETS.get(batch), "terms": [asdict(t) for t in terms],
            "us_by_resource": times, "bound_us": times[limit], "limited_by": limit,
            "bound_us_largest_buffers": max(largest.values()),
            "serial_us": serial, "flop_us": times["FMA peak"],
            "dense_flop_us": shape.dense_flops() / peak / 1e3}


def fmt_bytes(n: float) -> str:
    for unit, scale in (("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if n >= scale:
            return f"{n / scale:g} {unit}"
    return f"{n:.0f} B"


def markdown(m: dict, shape: Shape, rows: list, meta: dict) -> str:
    caches, bw = cache_sizes(m), bandwidths(m)
    spread = lambda s: f"{s['median']:.1f} ({s['min']:.1f}-{s['max']:.1f})"  # noqa: E731
    lines = [
        "# Roofline of the benchmark machine",
        "",
        f"Measured {meta['date']} by `bench/roofline.py` (`fff-roofline`, bench/roofline.cpp) on "
        f"{m['cpu']}, {meta['cores']} cores here, **1 thread** pinned to CPU {m['cpu_index']} "
        f"({m['isa']}, {m['vector_bits']}-bit vectors, {m['compiler']}). No BLAS is involved. "
        f"Each figure is the median over {m.get('runs', 1)} run(s) of fff-roofline of the median "
        f"of {m['repeats']} timings of at least {m['min_time_s'] * 1e3:g} ms each (lowest and "
        "highest timing in brackets).",
        "",
        "    PYTHONPATH=python python3 bench/roofline.py     # ~15 s; writes roofline.md and roofline.json",
        "",
        "| what | figure |",
        "|---|---|",
        f"| core clock, estimated (dependent integer adds, fastest timing) | {m['clock_ghz_estimate']:.2f} GHz |",
        f"| fp32 FMA peak, {m['fma_chains']} independent chains | "
        f"{spread(m['fma_peak_gflops'])} GFLOP/s = "
        f"{m['fma_peak_gflops']['median'] / m['clock_ghz_estimate']:.1f} FLOP/cycle |",
    ]
    for r in sorted(m["read_bandwidth"], key=lambda r: r["bytes"]):
        lvl = level_of(r["bytes"], caches)
        lines.append(f"| read bandwidth, {fmt_bytes(r['bytes'])} buffer ({lvl}) | "
                     f"{spread(r['gbps'])} GB/s |")
    sizes = ", ".join(f"{k} {fmt_bytes(v)}" for k, v in caches.items())
    sc = m["sysconf_caches"]
    lines += ["", f"Caches (from /sys, per CPU {m['cpu_index']}): {sizes}. sysconf says L1d "
              f"{fmt_bytes(sc['L1d'])}, L2 {fmt_bytes(sc['L2'])}, L3 {fmt_bytes(sc['L3'])}"
              " (glibc reads CPUID, which the hypervisor may report differently). FMA peak by "
              "chain count: " + ", ".join(f"{k}: {v['median']:.1f}" for k, v in
                                          m["fma_gflops_by_chains"].items()) + " GFLOP/s.",
              "", "Each level's bandwidth below is the best median among its buffers: "
              + ", ".join(f"{lvl} {v['best']:.1f} GB/s" for lvl, v in bw.items()) + ".", ""]

    lines += [f"## {shape.name}: the bound at each target", "",
              f"{shape.d_in} -> {shape.d_out}, depth {shape.depth}: "
              f"{shape.trees * (shape.depth + 1)} nodes per row, each a {shape.d_in}-long dot "
              f"for its logit and a {shape.d_out}-long axpy for its output: "
              f"{shape.fff_flops() / 1e3:.1f} KFLOP/row ({rows[0]['flop_us']:.3f} µs at the FMA "
              f"peak). The dense block ({shape.dense_hidden()} neurons, "
              f"{shape.dense_flops() / 1e6:.1f} MFLOP/row) needs {rows[0]['dense_flop_us']:.1f} "
              "µs/row at the peak.", "",
              "| batch | target µs/row | bound µs/row | set by | target / bound | "
              "each resource, µs/row | no overlap, µs/row | bound with each level's largest buffer |",
              "|---|---|---|---|---|---|---|---|"]
    for b in rows:
        each = ", ".join(f"{k} {v:.3f}" for k, v in b["us_by_resource"].items())
        target = f"≤ {b['target_us']}" if b["target_us"] is not None else "-"
        room = f"{b['target_us'] / b['bound_us']:.2f}" if b["target_us"] is not None else "-"
        lines.append(f"| {b['batch']} | {target} | **{b['bound_us']:.3f}** | {b['limited_by']} | "
                     f"{room} | {each} | {b['serial_us']:.3f} | {b['bound_us_largest_buffers']:.3f} |")
    lines += ["", "What each batch moves per row (the model; bytes served from a level cross "
              "every link above it, so a level's time counts its own terms and those below it):", ""]
    for b in rows:
        terms = "; ".join(f"{t['what']}: {t['bytes_per_row'] / 1e3:.1f} kB from {t['level']}"
                          for t in b["terms"])
        lines.append(f"- batch {b['batch']}: {terms}.")
    lines += [
        "",
        "How to read it:",
        "- *target / bound* is the room a target leaves: near 1, the code must run that "
        "resource at its measured best the whole time; below 1, the target is out of reach "
        "under this model.",
        "- *bound* is a lower bound: every resource works in parallel with the others and at "
        "its best measured rate. *No overlap* adds the levels' transfer times instead "
        "(FLOPs not counted), what a code that waits for each level in turn would take.",
        "- Writes are counted at the read bandwidth. A store to memory usually costs a read "
        "for ownership as well, unless the code uses streaming stores, so y's share at large "
        "batches is optimistic.",
        "- The batch-1 model times one row again and again (as fff-bench does): its path "
        "stays in L2. A new row each call fetches a new path from L3 or memory.",
        "- The distinct nodes at batch 1024 assume rows spread uniformly over the paths; "
        "each is read once (rows grouped by subtree), and the top levels' nodes, shared by "
        "many rows, are reused from L1 and L2 (not counted).",
        "- The L3 figure depends on the buffer: the L3 is shared with whatever else runs on "
        "the machine's other cores, so the last column uses each level's largest buffer.",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cpu", default="1", help="CPU to pin fff-roofline to (taskset -c); "
                        "'none' to leave it unpinned")
    parser.add_argument("--measured", nargs="+", help="render these saved fff-roofline JSON "
                        "outputs (combined) instead of measuring")
    parser.add_argument("--out", default=str(ROOT / "docs" / "performance"), help="output directory")
    parser.add_argument("--mem-mib", type=int, default=512, help="memory buffer, MiB")
    parser.add_argument("--runs", type=int, default=3, help="runs of fff-roofline to combine")
    args = parser.parse_args(argv)

    if args.measured:
        m = combine([json.loads(Path(p).read_text()) for p in args.measured])
    else:
        cpu = None if args.cpu == "none" else args.cpu
        m = combine([measure(cpu, ["--mem-mib", str(args.mem_mib)]) for _ in range(args.runs)])
    shape = next(s for s in SHAPES if s.name == "UltraFastBERT-1x11")
    rows = [bounds(m, shape, b) for b in sorted(TARGETS)]
    meta = {"date": time.strftime("%Y-%m-%d"), "cores": os.cpu_count(), "threads": 1}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "roofline.json").write_text(json.dumps(
        {"meta": meta, "measured": m, "levels": bandwidths(m), "shape": asdict(shape),
         "bounds": rows}, indent=1) + "\n")
    (out / "roofline.md").write_text(markdown(m, shape, rows, meta))
    for b in rows:
        print(f"batch {b['batch']}: target {b['target_us']} µs/row, bound {b['bound_us']:.3f} "
              f"({b['limited_by']}), no overlap {b['serial_us']:.3f}")
    print(f"wrote {out}/roofline.md and roofline.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
