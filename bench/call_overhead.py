"""What a call from Python costs on top of the compiled code, at batch 1.

    PYTHONPATH=python:bench python3 bench/call_overhead.py [--shapes TEXT] [--json FILE]

Each shape is compiled twice, with the weights baked in and with the weights
passed at run time, and each library is called on one row in four ways:

  C (fff-bench)          the compiled code alone: fff-bench's median per call
  ctypes, prepared       one ctypes call on arguments built beforehand
  Library[...](x, ...)   the entry point with its argument checks
  CompiledLayer(x)       what `fff_mlir.compile(layer)(x)` costs

The overhead is the last minus the first. This measures and reports; no test
asserts a time (the test suite runs it with --quick only to see it work).
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench_common import SHAPES, Shape, fff_bench_command, write_weights
import fff_mlir

DEFAULT_SHAPES = ("MNIST ml_l8_d4", "UltraFastBERT-1x11")
QUICK = Shape("quick leaf-MLP 32 d3", "leaf_mlp", 32, 8, 3, leaf_width=4, master=4)


def per_call(fn, min_time: float) -> float:
    """Median seconds per call of fn() over blocks of calls (after a warm-up),
    in CPU time: on a shared machine, time spent descheduled is not the
    call's (fff-bench's median of single calls leaves it out too)."""
    fn()
    calls = 1
    while True:
        start = time.process_time()
        for _ in range(calls):
            fn()
        if time.process_time() - start > min_time / 20 or calls >= 1 << 20:
            break
        calls *= 2
    blocks = []
    for _ in range(9):
        start = time.process_time()
        for _ in range(calls):
            fn()
        blocks.append((time.process_time() - start) / calls)
    return float(np.median(blocks))


def prepared_ctypes(compiled, x: np.ndarray):
    """A bare ctypes call of the entry point: pointers and sizes built once."""
    entry = compiled.entry_point
    fn = ctypes.CDLL(str(compiled.path.resolve()))[entry.symbol]
    fn.restype = ctypes.c_int32
    weights = compiled.weights
    fn.argtypes = [ctypes.c_void_p, ctypes.c_int64] + [ctypes.c_void_p] * (len(weights) + 1)
    y = np.empty((len(x), compiled.layer.d_out), np.float32)
    args = (x.ctypes.data, len(x), *(w.ctypes.data for w in weights), y.ctypes.data)

    def call():
        return fn(*args), y  # y (and x, the weights: held by the caller) outlive the call
    return call


def c_times(shape: Shape, layer, libs: dict, work: Path, min_time: float) -> dict:
    """{weights mode: seconds per call} from fff-bench, on one CPU."""
    cmd = fff_bench_command(shape, layer, write_weights(layer, work / "weights.bin"), min_time)
    cmd += ["--batches", "1", "--baselines", "0",
            "--impl-baked", f"constants={libs['constants'].path}",
            "--impl", f"arguments={libs['arguments'].path}"]
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    proc = subprocess.run(["taskset", "-c", "0", *cmd], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"fff-bench failed: {proc.stderr}")
    items = [json.loads(line) for line in proc.stdout.splitlines()]
    return {item["impl"]: item["seconds"] for item in items if "impl" in item}


def measure(shape: Shape, work: Path, min_time: float) -> list:
    layer = shape.layer()
    libs = {mode: fff_mlir.compile(layer, weights=mode, output=work / f"lib{mode}.so")
            for mode in ("constants", "arguments")}
    c = c_times(shape, layer, libs, work, min_time)
    x = np.random.default_rng(7).standard_normal((1, shape.d_in)).astype(np.float32)
    rows = []
    for mode, compiled in libs.items():
        entry, weights = compiled.entry_point, compiled.weights
        times = {"C (fff-bench)": c[mode],
                 "ctypes, prepared": per_call(prepared_ctypes(compiled, x), min_time),
                 "Library[...](x, ...)": per_call(lambda: entry(x, *weights), min_time),
                 "CompiledLayer(x)": per_call(lambda: compiled(x), min_time)}
        rows.append({"shape": shape.name, "weights": mode,
                     "us": {k: v * 1e6 for k, v in times.items()},
                     "overhead_us": (times["CompiledLayer(x)"] - c[mode]) * 1e6})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shapes", help="only shapes whose name contains this text")
    parser.add_argument("--quick", action="store_true", help="one small shape, short timings")
    parser.add_argument("--min-time", type=float, default=0.5, help="seconds per measurement")
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args(argv)
    shapes = [s for s in SHAPES if s.name in DEFAULT_SHAPES]
    if args.shapes:
        shapes = [s for s in SHAPES if args.shapes.lower() in s.name.lower()]
    if args.quick:
        shapes, args.min_time = [QUICK], min(args.min_time, 0.05)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})  # the CPU fff-bench runs on
    rows = []
    with tempfile.TemporaryDirectory(prefix="fff_overhead_") as tmp:
        for i, shape in enumerate(shapes):
            work = Path(tmp) / str(i)
            work.mkdir()
            rows += measure(shape, work, args.min_time)
    names = list(rows[0]["us"])
    print("Python call overhead at batch 1 (µs per call, medians)\n")
    print("| shape | weights | " + " | ".join(names) + " | overhead |")
    print("|---" * (len(names) + 3) + "|")
    for r in rows:
        print(f"| {r['shape']} | {r['weights']} | " + " | ".join(f"{r['us'][n]:.2f}" for n in names)
              + f" | {r['overhead_us']:.2f} |")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
