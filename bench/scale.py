"""Scale: a path-neuron FFF layer's time per row against its neuron count,
next to the dense block that runs every neuron (SPEC.md variant B, one tree,
exact GELU, tie "gt").

    PYTHONPATH=python python3 bench/scale.py            # writes docs/performance/scale.*
    PYTHONPATH=python python3 bench/scale.py --quick    # small layers only (a smoke test)

Layers: width 768 at depths 7, 9, 11, 13, 15 (255 .. 65535 neurons), then
the GPT-3-scale layer UltraFastBERT proposes: width 12288, depth 15, 65535
nodes of which 16 run per row. Its weights (6.4 GB of float32) are generated
in place here and passed at run time; they are never written to a file.

For each layer it:
- compiles with fff-compile's defaults, weights as arguments, and records
  the wall time and the compiler's peak RSS;
- checks rows of batches 1 and 128 against a float64 walk of each row's path;
- times, on one pinned CPU, through a bare ctypes call: the compiled layer
  (batch 1 on one row again and again, batch 1 on a new row each call, 128,
  and 1024 where it is cheap) and the dense block through numpy's OpenBLAS
  (x @ W_in^T, bias, ReLU, @ W_out: two sgemm calls, sgemv on one row); for
  width 768 also fff-bench (bench/fff_bench.cpp: the C timing of run.py),
  which has no Python in its calls.
The dense block uses ReLU, the cheapest activation, as bench/run.py does: a
lower bound on its cost. docs/performance.md discusses the figures.
"""
from __future__ import annotations

import os
import sys

try:
    import numpy as np
except ImportError:  # a python3 without numpy (pyenv's): the system one has it
    if os.path.exists("/usr/bin/python3") and sys.executable != "/usr/bin/python3":
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    raise

import argparse
import ctypes
import json
import resource
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench_common import Shape, fff_bench_command, write_weights
from fff_mlir import PathNeuron, machine
from fff_mlir.listing import listing
from fff_mlir.mlir_text import to_mlir
from fff_mlir.native import CompileError, CompileOptions, Library
from fff_mlir.paths import tool
from fff_mlir.reference import gelu
from fff_mlir.verify import NEAR_TIE, RTOL

ROOT = Path(__file__).resolve().parents[1]
WIDE = (1, 128, 1024)
LAYERS = [Shape(f"768 d{d}", "path_neuron", 768, 768, d, batches=WIDE) for d in (7, 9, 11, 13, 15)]
LAYERS.append(Shape("GPT-3 scale 12288 d15", "path_neuron", 12288, 12288, 15, batches=(1, 128)))
QUICK = [Shape(f"64 d{d}", "path_neuron", 64, 64, d, batches=(1, 16)) for d in (3, 5)] + \
    [Shape("256 d7", "path_neuron", 256, 256, 7, batches=(1, 16))]
FRESH_ROWS = 1024  # distinct rows cycled through by "batch 1, a new row each call"


@dataclass
class Record:
    layer: str
    impl: str
    batch: int
    us_per_row: float
    gflops: float
    calls: int = 0
    spread: float = 0.0  # (p75 - p25) / median of the calls


@dataclass
class LayerResult:
    name: str
    width: int
    depth: int
    neurons: int
    nodes_per_row: int
    weight_bytes: int
    compile_s: float = 0.0
    compiler_peak_rss_mb: float = 0.0
    library_bytes: int = 0
    check: dict = field(default_factory=dict)
    process_peak_rss_mb: float = 0.0
    call_overhead_us: float = 0.0  # a bare ctypes call on 0 rows
    error: str = ""


def progress(message: str, end: str = "\n"):
    print(message, end=end, flush=True)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def make_layer(shape: Shape, seed: int = 1) -> PathNeuron:
    """Seeded weights scaled like bench_common's (unit-variance logits, O(1)
    outputs), drawn in place in float32: no float64 or shuffled copy, so the
    12288-wide layer costs its 6.4 GB and little more. The output weights are
    drawn as rows (one per node, the op's operand) and the layer holds their
    transposed view, linear_out.weight."""
    rng = np.random.default_rng(seed)
    total = 2 ** (shape.depth + 1) - 1

    def normal(rows, cols, scale, chunk=1 << 22):
        a = np.empty((rows, cols), np.float32)
        flat = a.reshape(-1)
        for start in range(0, flat.size, chunk):
            part = flat[start:start + chunk]
            rng.standard_normal(dtype=np.float32, out=part)
            part *= np.float32(scale)
        return a
    w_in = normal(total, shape.d_in, shape.d_in ** -0.5)
    b_in = normal(1, total, 0.1)[0]
    w_out_rows = normal(total, shape.d_out, (shape.depth + 1) ** -0.5)
    return PathNeuron(w_in, b_in, w_out_rows.T, trees=1, depth=shape.depth, activation="gelu", tie="gt")


def path_reference(layer: PathNeuron, x: np.ndarray):
    """(y, near, deepest node) in float64, walking only each row's path: its
    depth + 1 weight rows are gathered, never the whole layer (layer.reference
    would make float64 copies of every weight)."""
    assert layer.trees == 1 and layer.tie == "gt"
    w_out_rows = layer.w_out.T
    x64 = x.astype(np.float64)
    y = np.zeros((len(x), layer.d_out))
    near = np.zeros(len(x), dtype=bool)
    n = np.zeros(len(x), dtype=np.int64)
    for _ in range(layer.depth + 1):
        w, b = layer.w_in[n].astype(np.float64), layer.b_in[n].astype(np.float64)
        z = np.einsum("bi,bi->b", x64, w) + b
        near |= np.abs(z) <= NEAR_TIE * (np.einsum("bi,bi->b", np.abs(x64), np.abs(w)) + np.abs(b))
        y += gelu(z)[:, None] * w_out_rows[n].astype(np.float64)
        last, n = n, 2 * n + 1 + (z > 0)
    return y, near, int(last.max())


TIME = Path("/usr/bin/time")


def compile_measured(layer: PathNeuron, work: Path):
    """(Library, wall seconds, peak RSS in MB) of fff-compile with its defaults:
    what compile_mlir does, measured.

    The peak RSS comes from /usr/bin/time, which starts fff-compile from its
    own small process: a child forked from this one inherits the high-water
    mark of its parent (the 6.4 GB of weights) across exec, so this process's
    wait4 figure would be the weights, not the compiler."""
    source, output = work / "layer.mlir", work / "liblayer.so"
    source.write_text(to_mlir(layer, "layer", weights="arguments"))
    cmd = [str(tool("fff-compile")), str(source), "-o", str(output), *CompileOptions().flags()]
    rss_file = work / "fff-compile.rss"
    if TIME.is_file():
        cmd = [str(TIME), "-f", "%M", "-o", str(rss_file), *cmd]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise CompileError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")
    rss = float(rss_file.read_text().split()[-1]) / 1024 if rss_file.is_file() else float("nan")
    return Library(output), seconds, rss


class BareCall:
    """The entry point through ctypes with every argument built beforehand
    (bench/call_overhead.py's "prepared" call): a timed call pays ~0.3 us of
    Python, measured by `overhead` (a call on 0 rows), not argument checks."""

    def __init__(self, library: Library, layer: PathNeuron):
        self.symbol = library["layer"].symbol
        self.fn = ctypes.CDLL(str(library.path.resolve()))[self.symbol]
        self.fn.restype = ctypes.c_int32  # no argtypes: the arguments come as ctypes objects
        weights = (layer.w_in, layer.b_in, layer.w_out.T)
        assert all(w.flags.c_contiguous for w in weights)
        self.weights = tuple(ctypes.c_void_p(w.ctypes.data) for w in weights)

    def args(self, x_address: int, rows: int, y_address: int) -> tuple:
        return (ctypes.c_void_p(x_address), ctypes.c_int64(rows), *self.weights, ctypes.c_void_p(y_address))

    def __call__(self, x_address: int, rows: int, y_address: int):
        status = self.fn(*self.args(x_address, rows, y_address))
        if status != 0:
            raise RuntimeError(f"{self.symbol} returned {status}")


def timed(fn, min_time: float, max_calls: int = 20000):
    """(median seconds per call, calls, spread) after one warm-up call; at
    least 3 calls, more until min_time has passed."""
    fn()
    times, start = [], time.perf_counter()
    while len(times) < 3 or (time.perf_counter() - start < min_time and len(times) < max_calls):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    p25, median, p75 = np.percentile(times, [25, 50, 75])
    return float(median), len(times), float((p75 - p25) / median)


def check(layer: PathNeuron, call, x: np.ndarray, rows: int) -> dict:
    """The compiled layer at batch 1 (four rows) and batch len(x), against the
    float64 path walk on the first `rows` rows."""
    ref, near, deepest = path_reference(layer, x[:rows])
    batch = np.empty((len(x), layer.d_out), np.float32)
    call(x.ctypes.data, len(x), batch.ctypes.data)
    single = np.empty((4, layer.d_out), np.float32)
    for i in range(4):
        call(x[i:i + 1].ctypes.data, 1, single[i:i + 1].ctypes.data)
    keep = ~near
    scale = 1 + np.abs(ref[keep]).max(initial=0)
    err = max(float(np.abs(batch[:rows][keep] - ref[keep]).max(initial=0)),
              float(np.abs(single[keep[:4]] - ref[:4][keep[:4]]).max(initial=0))) / scale
    return {"rows": rows, "batch": len(x), "near_ties": int(near.sum()), "max_error": err,
            "ok": bool(err <= RTOL), "deepest_node": deepest}


def time_python(shape: Shape, layer: PathNeuron, call: BareCall, min_time: float):
    """(records of the compiled layer and numpy's dense block, µs per call on 0 rows)."""
    rng = np.random.default_rng(7)
    d, hidden = shape.d_in, shape.dense_hidden()
    records = []

    def record(impl, batch, result, dense=False):
        seconds, calls, spread = result
        per_row = seconds / batch
        flops = shape.dense_flops() if dense else shape.fff_flops()
        records.append(Record(shape.name, impl, batch, per_row * 1e6, flops / per_row / 1e9, calls, spread))
        progress(".", end="")
    x_all = rng.standard_normal((max(FRESH_ROWS, max(shape.batches)), d)).astype(np.float32)
    y_all = np.ones((len(x_all), shape.d_out), np.float32)  # written: no page faults in the timed calls
    xa, ya, x_row, y_row = x_all.ctypes.data, y_all.ctypes.data, 4 * d, 4 * shape.d_out
    fn = call.fn

    def run(impl, batch, arg_list, max_calls=20000):
        it = iter(arg_list * (max_calls // len(arg_list) + 2))
        record(impl, batch, timed(lambda: fn(*next(it)), min_time, max_calls))
        call(xa, batch, ya)  # the status, unchecked while timed
    # First, before other calls have brought these rows' paths into cache.
    run("FFF, a new row each call", 1, [call.args(xa + i * x_row, 1, ya + i * y_row)
                                        for i in range(FRESH_ROWS)], max_calls=FRESH_ROWS - 1)
    for batch in shape.batches:
        run("FFF", batch, [call.args(xa, batch, ya)])
    zero = call.args(xa, 0, ya)
    call(xa, 0, ya)  # 0 rows is a legal batch
    overhead = timed(lambda: fn(*zero), min_time)[0] * 1e6
    w_in_t, b_in, w_out_rows = layer.w_in.T, layer.b_in, layer.w_out.T
    for batch in shape.batches:
        x, y = x_all[:batch], y_all[:batch]
        h = np.empty((batch, hidden), np.float32)

        def dense():  # numpy passes the transposed view to sgemm as is (no copy)
            np.matmul(x, w_in_t, out=h)
            np.add(h, b_in, out=h)
            np.maximum(h, 0, out=h)
            np.matmul(h, w_out_rows, out=y)
        record("dense OpenBLAS (numpy)", batch, timed(dense, min_time if batch * hidden * d < 2e10 else 0),
               dense=True)
    return records, overhead


def time_fff_bench(shape: Shape, layer: PathNeuron, library: Library, work: Path, cpu: int,
                   min_time: float):
    """fff-bench's records (the FFF library, the plain C++ loop, dense
    OpenBLAS) and its BLAS line; weights go through a temporary file."""
    weights = write_weights(layer, work / "weights.bin")
    cmd = fff_bench_command(shape, layer, weights, min_time) + \
        ["--batches", ",".join(map(str, shape.batches)), "--impl", f"FFF={library.path}"]
    proc = subprocess.run(["taskset", "-c", str(cpu), *cmd], capture_output=True, text=True)
    weights.unlink()
    if proc.returncode != 0:
        raise RuntimeError(f"fff-bench failed: {proc.stderr}")
    records, info = [], {}
    for item in map(json.loads, proc.stdout.splitlines()):
        if "impl" not in item:
            info = item
            continue
        dense = "dense" in item["impl"]
        per_row = item["seconds"] / item["batch"]
        flops = shape.dense_flops() if dense else shape.fff_flops()
        records.append(Record(shape.name, f"{item['impl']} [fff-bench]", item["batch"], per_row * 1e6,
                              flops / per_row / 1e9))
    return records, info


def run_layer_shape(shape: Shape, tmp: Path, cpu: int, min_time: float, use_fff_bench: bool):
    work = tmp / shape.name.replace(" ", "_")
    work.mkdir()
    neurons = shape.dense_hidden()
    result = LayerResult(shape.name, shape.d_in, shape.depth, neurons, shape.depth + 1,
                         4 * neurons * (shape.d_in * 2 + 1))
    records, info = [], {}
    try:
        progress(f"== {shape.name}: {neurons} neurons, {result.weight_bytes / 1e9:.2f} GB of weights; "
                 "generating", end="")
        start = time.perf_counter()
        layer = make_layer(shape)
        progress(f" ({time.perf_counter() - start:.1f} s); compiling", end="")
        library, result.compile_s, result.compiler_peak_rss_mb = compile_measured(layer, work)
        result.library_bytes = library.path.stat().st_size
        progress(f" ({result.compile_s:.1f} s, {result.compiler_peak_rss_mb:.0f} MB); checking", end="")
        call = BareCall(library, layer)
        x = np.random.default_rng(3).standard_normal((128, shape.d_in)).astype(np.float32)
        result.check = check(layer, call, x, rows=128 if shape.d_in <= 1024 else 16)
        if not result.check["ok"]:
            raise RuntimeError(f"disagrees with the float64 reference: {result.check}")
        progress(f" (max error {result.check['max_error']:.1e}); timing", end="")
        records, result.call_overhead_us = time_python(shape, layer, call, min_time)
        if use_fff_bench:
            more, info = time_fff_bench(shape, layer, library, work, cpu, min_time)
            records += more
            progress(" fff-bench", end="")
    except (CompileError, RuntimeError, MemoryError) as e:
        result.error = f"{type(e).__name__}: {e}"
        progress(f" FAILED: {result.error}")
    result.process_peak_rss_mb = peak_rss_mb()
    progress(f" done (process peak RSS {result.process_peak_rss_mb:.0f} MB)")
    return result, records, info


def lookup(records, layer, impl, batch):
    return next((r for r in records if (r.layer, r.impl, r.batch) == (layer, impl, batch)), None)


def primary(records, layer, kind, batch):
    """The figure shown for `kind`: for "FFF", fff-bench's C timing where it
    ran, else the ctypes one; for "dense", the faster of fff-bench's and numpy's."""
    if kind == "dense":  # the faster of the two: OpenBLAS's sgemm on one row is slower than numpy's gemv
        both = [r for r in (lookup(records, layer, "dense OpenBLAS [fff-bench]", batch),
                            lookup(records, layer, "dense OpenBLAS (numpy)", batch)) if r]
        return min(both, key=lambda r: r.us_per_row, default=None)
    return lookup(records, layer, "FFF [fff-bench]", batch) or lookup(records, layer, "FFF", batch)


def number(v: float) -> str:
    return f"{v:,.0f}" if v >= 1000 else f"{v:.3g}"


def us(r) -> str:
    return number(r.us_per_row) if r else "—"


def ratio(dense, fff) -> str:
    return f"**{number(dense.us_per_row / fff.us_per_row)}x**" if dense and fff else "—"


def write_markdown(meta, results, records, path: Path):
    lines = ["# Scale: FFF time per row against the layer's width", "",
             f"Generated by `PYTHONPATH=python python3 bench/scale.py` on {meta['date']} "
             f"in {meta['seconds']} s (repository at {meta['commit']}).", "",
             f"- machine: {meta['cpu']}, {meta['cores']} cores, {meta['memory_gb']:.0f} GB; "
             f"everything pinned to CPU {meta['pinned_cpu']}, one thread",
             f"- BLAS: numpy's {meta['blas']}; fff-bench's OpenBLAS kernel {meta['fff_bench_blas'] or '—'}",
             f"- compiler: fff-compile {meta['fff_compile']}, its defaults "
             f"(`{' '.join(meta['flags'])}`), weights as run-time arguments",
             "- layers: path-neuron (UltraFastBERT), one tree, exact GELU, seeded random weights",
             "- times: medians of repeated calls, per row. Width 768: fff-bench (bench/fff_bench.cpp, "
             "C, as bench/run.py); it cannot hold the 12288-wide layer (it copies the weights and "
             "its plain loop stops at 1024 outputs), which is timed from Python through a bare "
             "ctypes call, and its dense block through numpy. The last table has both harnesses on "
             "every layer width 768 has, so their difference (Python's cost per call) is measured",
             "- dense: x·W_inᵀ, bias, ReLU, ·W_out through OpenBLAS (ReLU is the cheapest "
             "activation: a lower bound on the dense block's cost). fff-bench makes two sgemm calls; "
             "numpy makes the same two, except on one row, where it calls sgemv, which is several "
             "times faster there. The tables' dense figure is the faster of the two",
             "- \"a new row each call\": batch 1, cycling through "
             f"{FRESH_ROWS} distinct rows, so that each call walks a new path whose deep "
             "nodes are not in cache (\"B=1\" repeats one row, as bench/run.py does); ctypes only, so it "
             "includes Python's cost per call, measured as a call on 0 rows (\"Python per call\")", "",
             "## Compiling and checking", "",
             "| layer | neurons | run per row | weights | compile (wall) | fff-compile peak RSS | "
             "library | max error vs float64 (rows) | this process's peak RSS so far |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        c = r.check
        err = f"{c['max_error']:.1e} ({c['rows'] - c['near_ties']})" if c else "—"
        lines.append(f"| {r.name} | {r.neurons} | {r.nodes_per_row} | {r.weight_bytes / 1e6:.0f} MB | "
                     f"{r.compile_s:.2f} s | {r.compiler_peak_rss_mb:.0f} MB | "
                     f"{r.library_bytes / 1e3:.0f} kB | {err} | {r.process_peak_rss_mb:.0f} MB |")
    failed = [r for r in results if r.error]
    if failed:
        lines += [""] + [f"- **{r.name} failed**: {r.error}" for r in failed]
    batches = sorted({r.batch for r in records})
    lines += ["", "## Time per row (µs), compiled FFF against dense OpenBLAS", "",
              "| layer | neurons | timed by | FFF B=1 | FFF B=1, new row | (Python per call) | dense B=1 | speedup B=1 (new row) | "
              + " | ".join(f"FFF B={b} | dense B={b} | speedup B={b}" for b in batches if b > 1) + " |",
              "|---" * (8 + 3 * (len(batches) - 1)) + "|"]
    for r in results:
        fff1, d1 = primary(records, r.name, "FFF", 1), primary(records, r.name, "dense", 1)
        if not fff1:
            continue
        fresh = lookup(records, r.name, "FFF, a new row each call", 1)
        cells = ["FFF: fff-bench" if fff1.impl.endswith("[fff-bench]") else "FFF: ctypes",
                 us(fff1), us(fresh), f"{r.call_overhead_us:.2g}", us(d1),
                 f"{ratio(d1, fff1)} ({ratio(d1, fresh)})"]
        for b in batches:
            if b > 1:
                f, d = primary(records, r.name, "FFF", b), primary(records, r.name, "dense", b)
                cells += [us(f), us(d), ratio(d, f)]
        lines.append(f"| {r.name} | {r.neurons} | " + " | ".join(cells) + " |")
    impls = list(dict.fromkeys(r.impl for r in records))
    lines += ["", "## Every measurement (µs per row)", "",
              "| layer | implementation | " + " | ".join(f"B={b}" for b in batches) + " |",
              "|---" * (2 + len(batches)) + "|"]
    for r in results:
        for impl in impls:
            cells = [lookup(records, r.name, impl, b) for b in batches]
            if any(cells):
                lines.append(f"| {r.name} | {impl} | " + " | ".join(
                    f"{c.us_per_row:.3g} ({c.gflops:.3g} GF/s)" if c else "—" for c in cells) + " |")
    spread = max((r.spread for r in records if r.calls), default=0)
    lines += ["", f"Python-side timings: the largest interquartile spread of one measurement's calls "
              f"was {spread:.0%} of its median.", ""]
    big = next((r for r in results if r.width > 1024), None)
    if big and not big.error:
        f1, f128 = lookup(records, big.name, "FFF", 1), lookup(records, big.name, "FFF", 128)
        fresh = lookup(records, big.name, "FFF, a new row each call", 1)
        d1 = lookup(records, big.name, "dense OpenBLAS (numpy)", 1)
        d128 = lookup(records, big.name, "dense OpenBLAS (numpy)", 128)
        lines += [f"## The GPT-3-scale layer ({big.name})", "",
                  f"- {big.neurons} neurons, {big.nodes_per_row} run per row; "
                  f"{big.weight_bytes / 1e9:.2f} GB of float32 weights, passed at run time",
                  f"- compile: {big.compile_s:.2f} s wall, fff-compile peak RSS "
                  f"{big.compiler_peak_rss_mb:.0f} MB, library {big.library_bytes / 1e3:.0f} kB",
                  f"- this process's peak RSS: {big.process_peak_rss_mb / 1e3:.2f} GB (weights, inputs, "
                  "the dense block's hidden activations)",
                  f"- check: max error {big.check['max_error']:.1e} on {big.check['rows']} rows at "
                  f"batch {big.check['batch']} and 4 at batch 1; deepest node reached "
                  f"{big.check['deepest_node']} (byte offset {big.check['deepest_node'] * big.width * 4 / 2**30:.2f} GiB "
                  "into each weight array)",
                  f"- batch 1: FFF {us(f1)} µs/row (a new row each call: {us(fresh)}), dense {us(d1)} µs/row: "
                  f"{ratio(d1, f1)} ({ratio(d1, fresh)})",
                  f"- batch 128: FFF {us(f128)} µs/row, dense {us(d128)} µs/row: {ratio(d128, f128)}",
                  f"- dense GFLOP/s: {d1.gflops:.3g} at batch 1, {d128.gflops:.3g} at batch 128; "
                  f"FFF GFLOP/s (its {big.nodes_per_row} neurons): {f1.gflops:.3g} and {f128.gflops:.3g}", ""]
    lines += ["![time per row against neurons](scale.png)", ""]
    path.write_text("\n".join(lines))


def plot(results, records, path: Path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7.5, 5))
    series = [("FFF", 1, "C0", "-"), ("FFF, a new row each call", 1, "C2", ":"), ("FFF", 128, "C1", "-"),
              ("dense", 1, "C3", "--"), ("dense", 128, "C4", "--")]
    widths = sorted({r.width for r in results if not r.error})
    for width in widths:
        marker = "o" if width == widths[0] else "*"
        layers = [r for r in results if r.width == width and not r.error]
        for kind, batch, color, style in series:
            points = [(r.neurons, lookup(records, r.name, kind, batch) if "new row" in kind
                       else primary(records, r.name, kind, batch)) for r in layers]
            points = [(n, rec.us_per_row) for n, rec in points if rec]
            if points:
                ax.plot([n for n, _ in points], [t for _, t in points], style, marker=marker,
                        markersize=5 if marker == "o" else 12, color=color,
                        label=f"{kind}, B={batch}, width {width}")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("neurons in the layer (2^(depth+1) - 1)")
    ax.set_ylabel("µs per row (lower is better)")
    ax.set_title(f"Path-neuron FFF against dense OpenBLAS, one thread ({widths[0]}: circles, larger: stars)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small layers only, to see it work")
    parser.add_argument("--out", default=str(ROOT / "docs" / "performance"), help="output directory")
    parser.add_argument("--cpu", type=int, default=1, help="the CPU to pin to (default 1)")
    parser.add_argument("--min-time", type=float, default=0.3, help="seconds per measurement")
    parser.add_argument("--no-fff-bench", action="store_true", help="skip the C cross-check")
    args = parser.parse_args(argv)

    env = machine.blas_environment(1)  # one thread; OpenBLAS's AVX-512 kernel where there is AVX-512
    if any(os.environ.get(k) != v for k, v in env.items()):
        os.environ.update(env)  # OpenBLAS reads them when it loads: start again
        os.execv(sys.executable, [sys.executable, *sys.argv])
    cpu = args.cpu if args.cpu in os.sched_getaffinity(0) else min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})  # this process and every child it starts
    use_fff_bench = not args.no_fff_bench and (tool("fff-compile").parent / "fff-bench").is_file()
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "?"
    meta = {"date": time.strftime("%Y-%m-%d"), "cpu": machine.cpu_model(), "cores": os.cpu_count(),
            "memory_gb": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9,
            "pinned_cpu": cpu, "threads": 1, "blas": machine.blas_description(),
            "fff_compile": listing().get("version", "?"), "flags": CompileOptions().flags(),
            "commit": commit}
    progress(f"{meta['cpu']}, {meta['cores']} cores, {meta['memory_gb']:.0f} GB; pinned to CPU {cpu}, "
             f"1 thread; BLAS: {meta['blas']}; fff-compile {meta['fff_compile']} {' '.join(meta['flags'])}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.time()
    results, records, bench_blas = [], [], set()
    with tempfile.TemporaryDirectory(prefix="fff_scale_") as tmp:
        for shape in QUICK if args.quick else LAYERS:
            result, more, info = run_layer_shape(shape, Path(tmp), cpu, args.min_time,
                                                 use_fff_bench and shape.d_out <= 1024)
            results.append(result)
            records += more
            if info.get("blas_core"):
                bench_blas.add(info["blas_core"])
    meta["seconds"] = round(time.time() - start)
    meta["fff_bench_blas"] = ", ".join(sorted(bench_blas))
    meta["process_peak_rss_mb"] = peak_rss_mb()
    (out / "scale.json").write_text(json.dumps({"meta": meta, "layers": [asdict(r) for r in results],
                                                "records": [asdict(r) for r in records]}, indent=1))
    write_markdown(meta, results, records, out / "scale.md")
    plot(results, records, out / "scale.png")
    progress(f"wrote {out}/scale.json, scale.md and scale.png in {meta['seconds']} s; "
             f"peak RSS {meta['process_peak_rss_mb']:.0f} MB")
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
