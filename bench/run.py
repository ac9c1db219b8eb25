"""The CPU benchmark: compiled FFF layers against their baselines, one run.

    PYTHONPATH=python python3 bench/run.py            # everything; writes docs/performance/
    PYTHONPATH=python python3 bench/run.py --quick    # one small shape, a few batches (a smoke test)

For each shape it compiles the FFF variants with fff-compile (weights passed
at run time) and the dense block with the same MLIR pipeline, checks every
compiled variant against the float64 reference, then times in one process
per thread count (bench/fff_bench.cpp): the variants, the plain C++ loop
(-O3 -march=native) and dense OpenBLAS sgemm with an AVX-512 kernel where
the CPU has AVX-512; PyTorch's FFF-by-gather and dense nn.Linear are timed
here when torch is installed. Results: results.json, results.md and PNG
plots in the output directory. docs/performance.md discusses them.
Run with python/ on PYTHONPATH (scripts/bench.sh sets it).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

from bench_common import QUICK, SHAPES, Shape, fff_bench_command, torch_path_neuron_by_gather, write_weights
from fff_mlir import machine
from fff_mlir.mlir_text import dense_literal, to_mlir
from fff_mlir.native import CompileOptions, compile_mlir, run_layer
from fff_mlir.paths import build_dir
from fff_mlir.verify import compare

ROOT = Path(__file__).resolve().parents[1]

# The naive loops of the MLIR-compiled dense block take seconds per call
# beyond this many multiply-adds; larger batches are not timed for it.
DENSE_MLIR_MAX_MACS = 3e9


# name -> fff-compile options; the compiled variants worth comparing.
VARIANTS = {
    "FFF fused": CompileOptions(fuse=True, group_rows=0),
    "FFF fused scalar": CompileOptions(fuse=True, vector_width=0, group_rows=0),
    "FFF unfused": CompileOptions(fuse=False, group_rows=0),
    # One row at a time, as the fused loop ran before interleave=0 (four rows
    # together in layers at least 256 wide) became the default.
    "FFF fused interleave 1": CompileOptions(fuse=True, interleave=1, group_rows=0),
    # fff-compile's defaults: rows grouped by leaf (leaf MLP) or subtree (path
    # neuron) from 64 rows on, fused below (four rows walking together in
    # layers at least 256 wide, one at a time in narrower ones).
    "FFF grouped": CompileOptions(),
    "FFF grouped + OpenMP": CompileOptions(openmp=True),
    # The defaults with path-neuron walks one level a step, as before
    # walk-step=2 (a node's and both children's logits together) existed.
    "FFF grouped walk-step 1": CompileOptions(walk_step=1),
    # The defaults with one row at a time (group-rows=1): path neurons'
    # walks not interleaved, a leaf's rows not sharing weight loads.
    "FFF grouped rows 1": CompileOptions(group_rows=1),
    # Level-synchronous walks over tiles of rows (fff-bucket-rows), rows at
    # one node sharing each weight load, from 64 rows on.
    "FFF bucketed": CompileOptions(bucket_rows=True),
    "FFF bucketed + OpenMP": CompileOptions(bucket_rows=True, openmp=True),
}


@dataclass
class Record:
    shape: str
    impl: str
    threads: int
    batch: int
    us_per_row: float
    gflops: float
    bytes_per_row: float
    notes: dict = field(default_factory=dict)


def dense_mlir(layer, shape: Shape) -> str:
    """The dense block (all neurons, ReLU) as linalg.matmul, weights baked in."""
    if shape.family == "path_neuron":
        w1, b1, w2 = layer.w_in.T, layer.b_in, layer.w_out.T
        b2 = np.zeros(shape.d_out, np.float32)
    else:
        w1 = np.concatenate(list(layer.w1s), axis=1)
        b1 = layer.b1s.reshape(-1)
        w2 = np.concatenate(list(layer.w2s), axis=0)
        b2 = layer.b2s[0]
        if layer.master is not None:
            w1 = np.concatenate([w1, layer.master.w1], axis=1)
            b1 = np.concatenate([b1, layer.master.b1])
            w2 = np.concatenate([w2, layer.master.w2], axis=0)
    d, h, o = w1.shape[0], w1.shape[1], w2.shape[1]
    return f"""
#map_bias = affine_map<(i, j) -> (j)>
#map_id = affine_map<(i, j) -> (i, j)>
func.func @layer(%x: tensor<?x{d}xf32>) -> tensor<?x{o}xf32> {{
  %w1 = arith.constant {dense_literal(w1)} : tensor<{d}x{h}xf32>
  %b1 = arith.constant {dense_literal(b1)} : tensor<{h}xf32>
  %w2 = arith.constant {dense_literal(w2)} : tensor<{h}x{o}xf32>
  %b2 = arith.constant {dense_literal(b2)} : tensor<{o}xf32>
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x{d}xf32>
  %e1 = tensor.empty(%n) : tensor<?x{h}xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<?x{h}xf32>) -> tensor<?x{h}xf32>
  %m1 = linalg.matmul ins(%x, %w1 : tensor<?x{d}xf32>, tensor<{d}x{h}xf32>) outs(%z1 : tensor<?x{h}xf32>) -> tensor<?x{h}xf32>
  %a1 = linalg.generic {{indexing_maps = [#map_bias, #map_id], iterator_types = ["parallel", "parallel"]}}
      ins(%b1 : tensor<{h}xf32>) outs(%m1 : tensor<?x{h}xf32>) {{
  ^bb0(%b: f32, %v: f32):
    %s = arith.addf %v, %b : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }} -> tensor<?x{h}xf32>
  %e2 = tensor.empty(%n) : tensor<?x{o}xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x{o}xf32>) -> tensor<?x{o}xf32>
  %m2 = linalg.matmul ins(%a1, %w2 : tensor<?x{h}xf32>, tensor<{h}x{o}xf32>) outs(%z2 : tensor<?x{o}xf32>) -> tensor<?x{o}xf32>
  %y = linalg.generic {{indexing_maps = [#map_bias, #map_id], iterator_types = ["parallel", "parallel"]}}
      ins(%b2 : tensor<{o}xf32>) outs(%m2 : tensor<?x{o}xf32>) {{
  ^bb0(%b: f32, %v: f32):
    %s = arith.addf %v, %b : f32
    linalg.yield %s : f32
  }} -> tensor<?x{o}xf32>
  return %y : tensor<?x{o}xf32>
}}
"""


def progress(message: str, end: str = "\n"):
    print(message, end=end, flush=True)


def torch_baselines(layer, shape: Shape, threads: int, min_time: float):
    """(impl, batch, seconds per call) for PyTorch's FFF-by-gather and dense."""
    try:
        import torch
    except ImportError:
        return []
    torch.set_num_threads(threads)
    rng = np.random.default_rng(7)
    out = []
    if shape.family == "path_neuron":
        fff = torch_path_neuron_by_gather(torch, layer, shape)
        hidden = shape.dense_hidden()
        lin1 = torch.nn.Linear(shape.d_in, hidden)
        lin2 = torch.nn.Linear(hidden, shape.d_out)
    else:
        nw, nb = torch.from_numpy(layer.node_weights), torch.from_numpy(layer.node_biases)
        w1, b1 = torch.from_numpy(layer.w1s), torch.from_numpy(layer.b1s)
        w2, b2 = torch.from_numpy(layer.w2s), torch.from_numpy(layer.b2s)

        master = layer.master
        if master is not None:
            mw1, mb1 = torch.from_numpy(master.w1), torch.from_numpy(master.b1)
            mw2, mb2 = torch.from_numpy(master.w2), torch.from_numpy(master.b2)
            gate = torch.sigmoid(torch.tensor(master.k))

        def fff(x):
            n = torch.zeros(x.shape[0], dtype=torch.long)
            for _ in range(shape.depth):
                n = 2 * n + 1 + (((x * nw[n]).sum(1) + nb[n]) >= 0).long()
            leaf = n - (2 ** shape.depth - 1)
            h = torch.relu(torch.bmm(x[:, None, :], w1[leaf])[:, 0] + b1[leaf])
            y = torch.bmm(h[:, None, :], w2[leaf])[:, 0] + b2[leaf]
            if master is None:
                return y
            m = torch.relu(x @ mw1 + mb1) @ mw2 + mb2
            return gate * y + (1 - gate) * m
        lin1 = torch.nn.Linear(shape.d_in, shape.dense_hidden())
        lin2 = torch.nn.Linear(shape.dense_hidden(), shape.d_out)

    def dense(x):
        return lin2(torch.relu(lin1(x)))
    with torch.no_grad():
        # The gather baseline must compute the layer itself (the dense one is
        # a cost baseline only).
        x = rng.standard_normal((65, shape.d_in)).astype(np.float32)
        result = compare(layer, x, fff(torch.from_numpy(x)).numpy())
        if not result.ok:
            raise SystemExit(f"{shape.name}: PyTorch FFF by gather disagrees with the reference: {result}")
        for batch in shape.batches:
            x = torch.from_numpy(rng.standard_normal((batch, shape.d_in)).astype(np.float32))
            for name, fn in (("PyTorch FFF by gather", fff), ("PyTorch dense nn.Linear", dense)):
                if name.endswith("gather") and shape.family == "leaf_mlp" and \
                        batch * shape.d_in * shape.leaf_width > 2e8:
                    continue  # gathers a D x l block per row: too much memory
                fn(x)
                times, start = [], time.perf_counter()
                while len(times) < 3 or (time.perf_counter() - start < min_time and len(times) < 10000):
                    t0 = time.perf_counter()
                    fn(x)
                    times.append(time.perf_counter() - t0)
                    if times[-1] > 3:
                        break
                out.append((name, batch, float(np.median(times))))
    return out


BEFORE = " (before)"


@contextlib.contextmanager
def tools_of(build: Optional[Path]):
    """fff_mlir's tools (fff-compile) from `build` while the block runs."""
    saved = os.environ.get("FFF_BUILD_DIR")
    if build is not None:
        os.environ["FFF_BUILD_DIR"] = str(build)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("FFF_BUILD_DIR", None)
        else:
            os.environ["FFF_BUILD_DIR"] = saved


def run_shape(shape: Shape, work: Path, threads_list, min_time: float,
              before: Optional[Path] = None) -> list:
    layer = shape.layer()
    progress(f"== {shape.name}: compiling", end="")
    libs = {}
    builds = [(BEFORE, before), ("", None)] if before else [("", None)]
    for name, options in VARIANTS.items():
        for suffix, build in builds:
            with tools_of(build):
                libs[name + suffix] = compile_mlir(to_mlir(layer, "layer", weights="arguments"),
                                                   work / f"{(name + suffix).replace(' ', '_')}.so",
                                                   options)
            progress(".", end="")
    dense_batches = [b for b in shape.batches
                     if b * shape.dense_flops() / 2 <= DENSE_MLIR_MAX_MACS]
    dense_lib = compile_mlir(dense_mlir(layer, shape), work / "dense_mlir.so", CompileOptions())
    # The same block with its matmuls calling OpenBLAS (--blas): what a whole
    # model compiled by fff-compile gets for its dense layers.
    dense_blas_lib = compile_mlir(dense_mlir(layer, shape), work / "dense_mlir_blas.so",
                                  CompileOptions(blas=True))
    progress(" checking", end="")
    x = np.random.default_rng(3).standard_normal((257, shape.d_in)).astype(np.float32)
    for name, lib in libs.items():
        result = compare(layer, x, run_layer(lib, "layer", layer, x))
        if not result.ok:
            raise SystemExit(f"{shape.name}: {name} disagrees with the reference: {result}")
    weights = write_weights(layer, work / "weights.bin")
    progress(" ok; timing", end="")
    common = fff_bench_command(shape, layer, weights, min_time)
    records = []
    for threads in threads_list:
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
        cpus = ",".join(str(c) for c in range(threads))
        runs = [common + ["--batches", ",".join(map(str, shape.batches))] +
                [a for name, lib in libs.items() for a in ("--impl", f"{name}={lib.path}")]]
        if dense_batches:
            runs.append(common + ["--batches", ",".join(map(str, dense_batches)), "--baselines", "0",
                                  "--impl-baked", f"dense MLIR (linalg.matmul)={dense_lib.path}"])
        runs.append(common + ["--batches", ",".join(map(str, shape.batches)), "--baselines", "0",
                              "--impl-baked", f"dense MLIR --blas (cblas_sgemm)={dense_blas_lib.path}"])
        timings, info = [], {}
        for cmd in runs:
            proc = subprocess.run(["taskset", "-c", cpus, *cmd], env=env, capture_output=True, text=True)
            if proc.returncode != 0:
                raise SystemExit(f"fff-bench failed: {proc.stderr}")
            for line in proc.stdout.splitlines():
                item = json.loads(line)
                if "impl" in item:
                    timings.append((item["impl"], item["batch"], item["seconds"]))
                else:
                    info = item
        timings += torch_baselines(layer, shape, threads, min_time)
        for impl, batch, seconds in timings:
            dense = "dense" in impl
            flops = shape.dense_flops() if dense else shape.fff_flops()
            per_row = seconds / batch
            records.append(Record(shape.name, impl, threads, batch, per_row * 1e6,
                                  flops / per_row / 1e9,
                                  shape.dense_bytes(batch) if dense else shape.fff_bytes(),
                                  {"blas_core": info.get("blas_core"), "blas_config": info.get("blas_config")}
                                  if impl == "dense OpenBLAS" else {}))
        progress(f" [{threads} thread{'s' if threads > 1 else ''}]", end="")
    progress("")
    return records


def best_fff(records, shape, threads, batch):
    rows = [r for r in records if r.shape == shape and r.threads == threads and r.batch == batch
            and r.impl.startswith("FFF")]
    return min(rows, key=lambda r: r.us_per_row) if rows else None


def lookup(records, shape, impl, threads, batch):
    for r in records:
        if (r.shape, r.impl, r.threads, r.batch) == (shape, impl, threads, batch):
            return r
    return None


def write_markdown(records, shapes, threads_list, meta, path: Path):
    lines = ["# CPU benchmark results", "",
             f"Generated by `python3 bench/run.py` on {meta['date']}.", "",
             f"- machine: {meta['cpu']} ({meta['cores']} cores here); threads pinned with taskset",
             f"- BLAS: {meta['blas']}",
             f"- compiler: fff-compile for the host CPU ({meta['host_cpu']}), vector width auto",
             "- times are medians of repeated calls, per row (µs); GFLOP/s counts the "
             "multiply-adds each implementation needs (FFF: the visited neurons; dense: all)",
             "- the dense baselines use ReLU whatever the layer's activation: a lower bound "
             "on their cost",
             *([f"- variants named '(before)': compiled by the fff-compile of {meta['before']}"]
               if meta.get("before") else []), ""]
    for shape in shapes:
        for threads in threads_list:
            impls = []
            for r in records:
                if r.shape == shape.name and r.threads == threads and r.impl not in impls:
                    impls.append(r.impl)
            lines += [f"## {shape.name}, {threads} thread{'s' if threads > 1 else ''}", "",
                      "| implementation | " + " | ".join(f"B={b}" for b in shape.batches) + " |",
                      "|---" * (len(shape.batches) + 1) + "|"]
            for impl in impls:
                cells = []
                for b in shape.batches:
                    r = lookup(records, shape.name, impl, threads, b)
                    cells.append(f"{r.us_per_row:.3g} µs ({r.gflops:.3g} GF/s)" if r else "—")
                lines.append(f"| {impl} | " + " | ".join(cells) + " |")
            ratios = []
            for base in ("dense OpenBLAS", "plain C++ loop"):
                cells = []
                for b in shape.batches:
                    fff, other = best_fff(records, shape.name, threads, b), \
                        lookup(records, shape.name, base, threads, b)
                    cells.append(f"{other.us_per_row / fff.us_per_row:.3g}x ({fff.impl[4:] or 'fused'})"
                                 if fff and other else "—")
                ratios.append(f"| best FFF vs {base} | " + " | ".join(cells) + " |")
            lines += ratios + [""]
            lines.append(f"Bytes per row: FFF {shape.fff_bytes() / 1e3:.1f} kB; dense "
                         f"{shape.dense_bytes(shape.batches[-1]) / 1e3:.1f} kB at B={shape.batches[-1]}.")
            lines.append("")
    path.write_text("\n".join(lines))


def plot(records, shapes, threads_list, out: Path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    for shape in shapes:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for threads, style in zip(threads_list, ("-", "--")):
            impls = sorted({r.impl for r in records if r.shape == shape.name and r.threads == threads})
            for i, impl in enumerate(impls):
                rows = sorted((r.batch, r.us_per_row) for r in records
                              if r.shape == shape.name and r.threads == threads and r.impl == impl)
                ax.plot([b for b, _ in rows], [t for _, t in rows], style, marker="o", markersize=3,
                        color=f"C{i}", label=f"{impl} ({threads}t)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("batch (rows per call)")
        ax.set_ylabel("µs per row (lower is better)")
        ax.set_title(shape.name)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=6, ncol=2)
        fig.tight_layout()
        fig.savefig(out / f"{slug(shape.name)}.png", dpi=110)
        plt.close(fig)


def slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one small shape per family, batches 1 and 16")
    parser.add_argument("--out", default=str(ROOT / "docs" / "performance"), help="output directory")
    parser.add_argument("--threads", default="1,2", help="thread counts (default 1,2)")
    parser.add_argument("--shapes", help="only shapes whose name contains this text")
    parser.add_argument("--variants", help="only compiled variants whose name contains one of these "
                        "comma-separated texts (the baselines always run)")
    parser.add_argument("--min-time", type=float, default=0.3, help="seconds per measurement")
    parser.add_argument("--before", metavar="BUILD_DIR",
                        help="also compile every variant with the fff-compile of BUILD_DIR (say, a "
                        "build of the previous commit), named '<variant> (before)': a change's "
                        "effect measured in one run. The variants' flags must exist in both")
    args = parser.parse_args(argv)

    env = machine.blas_environment(1)
    env.pop("OPENBLAS_NUM_THREADS")
    env.pop("OMP_NUM_THREADS")
    if any(os.environ.get(k) != v for k, v in env.items()):
        os.environ.update(env)  # OpenBLAS reads its kernel choice when it loads
        os.execv(sys.executable, [sys.executable, *sys.argv])
    if args.variants:
        wanted = [w.strip().lower() for w in args.variants.split(",")]
        for name in list(VARIANTS):
            if not any(w in name.lower() for w in wanted):
                del VARIANTS[name]
    shapes = QUICK if args.quick else SHAPES
    if args.shapes:
        shapes = [s for s in shapes if args.shapes.lower() in s.name.lower()]
    threads_list = [int(t) for t in args.threads.split(",")]
    threads_list = [t for t in threads_list if t <= os.cpu_count()]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if not (build_dir() / "bin" / "fff-bench").is_file():
        raise SystemExit("fff-bench is not built: run scripts/setup.sh")
    host_cpu = subprocess.run(["/usr/lib/llvm-22/bin/llc", "--version"],
                              capture_output=True, text=True).stdout
    host_cpu = next((l.split(":")[1].strip() for l in host_cpu.splitlines() if "Host CPU" in l), "host")
    records = []
    start = time.time()
    with tempfile.TemporaryDirectory(prefix="fff_bench_") as tmp:
        for i, shape in enumerate(shapes):
            work = Path(tmp) / str(i)
            work.mkdir()
            records += run_shape(shape, work, threads_list, args.min_time,
                                 Path(args.before) if args.before else None)
    meta = {"date": time.strftime("%Y-%m-%d"), "cpu": machine.cpu_model(), "cores": os.cpu_count(),
            "host_cpu": host_cpu, "blas": blas_line(records), "seconds": round(time.time() - start),
            "threads": threads_list, "before": describe_build(args.before)}
    (out / "results.json").write_text(json.dumps({"meta": meta, "shapes": [asdict(s) for s in shapes],
                                                  "records": [asdict(r) for r in records]}, indent=1))
    write_markdown(records, shapes, threads_list, meta, out / "results.md")
    plot(records, shapes, threads_list, out)
    print(f"wrote {out}/results.json, results.md and {len(shapes)} plots in {meta['seconds']} s")
    return 0


def describe_build(build: Optional[str]) -> Optional[str]:
    """'BUILD (commit abc1234 of its checkout)' for --before, when git knows it."""
    if not build:
        return None
    head = subprocess.run(["git", "-C", str(Path(build).resolve().parent), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True)
    return f"{build} (commit {head.stdout.strip()} of its checkout)" if head.returncode == 0 else build


def blas_line(records) -> str:
    """'OpenBLAS 0.3.21 (cblas_sgemm), kernel SkylakeX' from what fff-bench reported."""
    dense = [r.notes for r in records if r.notes.get("blas_core")]
    if not dense:
        return "unknown"
    config = dense[0].get("blas_config") or "OpenBLAS"
    version = " ".join(config.split()[:2])  # "OpenBLAS 0.3.21"
    cores = sorted({n["blas_core"] for n in dense})
    return f"{version} (cblas_sgemm), kernel {', '.join(cores)}"


if __name__ == "__main__":
    sys.exit(main())
