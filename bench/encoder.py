"""End to end: the UltraFastBERT-shaped encoder, compiled whole by fff-mlir,
against the ways a user runs it or its dense twin today, in one run.

    scripts/bench_encoder.sh              # installs ONNX Runtime in a venv, runs this
    python3 bench/encoder.py --quick      # 2 layers, batch 1, 1 thread (a smoke test)

The model is examples/torch/ultrafastbert_encoder.py (16 layers, hidden 768,
12 heads, FFF 1x11, seeded weights), input_ids [B, 128] and a mask with
padding. Variants, each timed on the same inputs:
- fff-mlir FFF: the FFF encoder compiled whole (`--blas`: its dense matmuls
  are OpenBLAS sgemm calls; weights passed at run time);
- PyTorch FFF (UltraFastBERT's module): the same model in PyTorch with the
  FFF's own masking forward, what UltraFastBERT's users run;
- PyTorch FFF by gather: each row's path gathered, no dense pass;
- PyTorch dense BERT: the same architecture with BERT's 3072-wide GELU
  feedforward;
- ONNX Runtime dense BERT: that model exported with torch.onnx (what a CPU
  deployment runs today), when onnxruntime is importable;
- fff-mlir dense BERT: that model compiled by this pipeline.
Threads: PyTorch's intra-op threads, ONNX Runtime's intra-op threads, and
for the compiled code OpenBLAS's threads plus OpenMP's (`--openmp`).
Each figure is the median of back-to-back calls after a warm-up. Writes
docs/performance/encoder.{json,md,png}.
"""
from __future__ import annotations

import os
import sys

if os.environ.get("FFF_BENCH_ENV") != "1":
    # OpenBLAS reads its kernel and thread count when it loads.
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
    from fff_mlir.machine import blas_environment
    env = dict(os.environ, FFF_BENCH_ENV="1", **blas_environment(1))
    os.execve(sys.executable, [sys.executable, *sys.argv], env)

import argparse
import ctypes
import importlib.util
import json
import re
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))
import fff_mlir.torch  # noqa: E402
from fff_mlir import machine  # noqa: E402
from fff_mlir.native import CompileOptions  # noqa: E402


def load_example():
    path = ROOT / "examples" / "torch" / "ultrafastbert_encoder.py"
    spec = importlib.util.spec_from_file_location("ultrafastbert_encoder", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


enc = load_example()
SIZES = [("batch", "sequence")] * 2


def progress(message: str):
    print(message, flush=True)


def set_threads(threads: int):
    """PyTorch's, OpenBLAS's and OpenMP's thread counts."""
    torch.set_num_threads(threads)
    blas = machine._openblas()
    if blas is not None:
        blas.openblas_set_num_threads(threads)
    for name in ("libgomp.so.1", "libomp.so.5", "libomp.so"):
        try:
            ctypes.CDLL(name).omp_set_num_threads(threads)
        except (OSError, AttributeError):
            continue


def median_ms(fn, repeats: int, min_time: float) -> float:
    fn()  # warm-up
    times, start = [], time.perf_counter()
    while len(times) < repeats or time.perf_counter() - start < min_time:
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
        if len(times) >= 50:
            break
    return statistics.median(times)


def onnx_runner(model, ids, mask, threads: int, work: Path):
    """An ONNX Runtime session of `model`, or the reason there is none."""
    try:
        import onnxruntime as ort
    except ImportError:
        return None, "onnxruntime is not installed (scripts/bench_encoder.sh installs it)"
    path = work / "dense.onnx"
    if not path.exists():
        with torch.no_grad():
            torch.onnx.export(model, (ids, mask), str(path), input_names=["input_ids", "attention_mask"],
                              output_names=["hidden"], opset_version=14,
                              dynamic_axes={"input_ids": {0: "batch", 1: "sequence"},
                                            "attention_mask": {0: "batch", 1: "sequence"}})
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return (lambda i, m: session.run(None, {"input_ids": i.numpy(), "attention_mask": m.numpy()})[0]), \
        f"onnxruntime {ort.__version__}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--layers", type=int, default=16)
    p.add_argument("--sequence", type=int, default=128)
    p.add_argument("--batches", default="1,8")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--min-time", type=float, default=2.0, help="seconds of calls per figure at least")
    p.add_argument("--quick", action="store_true", help="2 layers, batch 1, 1 thread, few calls")
    p.add_argument("--out", default=str(ROOT / "docs" / "performance"))
    args = p.parse_args(argv)
    if args.quick:
        args.layers, args.batches, args.threads, args.repeats, args.min_time = 2, "1", "1", 2, 0.0
    batches = [int(b) for b in args.batches.split(",")]
    threads_list = [int(t) for t in args.threads.split(",")]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    start = time.time()
    fff_config = enc.Config(layers=args.layers, max_sequence=max(args.sequence, 128))
    dense_config = enc.Config(**{**fff_config.__dict__, "ffn": "dense"})
    gather_config = enc.Config(**{**fff_config.__dict__, "ffn": "gather"})
    progress(f"building the models ({args.layers} layers, hidden {fff_config.hidden}, FFF 1x{fff_config.depth})")
    fff_model = enc.build(fff_config, seed=0)
    gather_model = enc.Model(gather_config).eval()
    gather_model.load_state_dict(fff_model.state_dict())
    dense_model = enc.build(dense_config, seed=0)
    ids1, mask1 = enc.example_inputs(fff_config, 1, args.sequence)

    compiled, compile_seconds = {}, {}
    for name, model in (("fff", fff_model), ("dense", dense_model)):
        for openmp in (False, True) if max(threads_list) > 1 else (False,):
            progress(f"compiling the {name} model{' (--openmp)' if openmp else ''} ...")
            t = time.perf_counter()
            compiled[name, openmp] = fff_mlir.torch.compile(
                model, (ids1, mask1), sizes=SIZES, options=CompileOptions(blas=True, openmp=openmp),
                progress=lambda line: progress(f"  {line}"))
            compile_seconds[name, openmp] = time.perf_counter() - t
            progress(f"  {compile_seconds[name, openmp]:.1f} s")

    records, checks = [], []
    with tempfile.TemporaryDirectory(prefix="fff_encoder_") as tmp:
        for threads in threads_list:
            set_threads(threads)
            openmp = threads > 1
            for batch in batches:
                ids, mask = enc.example_inputs(fff_config, batch, args.sequence, seed=batch)
                margins = enc.routing_margins(fff_model, ids, mask)
                with torch.no_grad():
                    reference = fff_model(ids, mask)
                    dense_reference = dense_model(ids, mask)
                error = enc.relative_error(compiled["fff", openmp](ids, mask), reference)
                dense_error = enc.relative_error(compiled["dense", openmp](ids, mask), dense_reference)
                checks.append({"threads": threads, "batch": batch, "fff_error": error,
                               "dense_error": dense_error, "min_routing_margin": min(margins)})
                ort_run, ort_note = onnx_runner(dense_model, ids, mask, threads, Path(tmp))
                variants = [
                    ("fff-mlir FFF", lambda: compiled["fff", openmp](ids, mask)),
                    ("PyTorch FFF (UltraFastBERT's module)", lambda: fff_model(ids, mask)),
                    ("PyTorch FFF by gather", lambda: gather_model(ids, mask)),
                    ("PyTorch dense BERT", lambda: dense_model(ids, mask)),
                    ("ONNX Runtime dense BERT", (lambda: ort_run(ids, mask)) if ort_run else None),
                    ("fff-mlir dense BERT", lambda: compiled["dense", openmp](ids, mask)),
                ]
                for name, fn in variants:
                    if fn is None:
                        progress(f"  {name}: skipped ({ort_note})")
                        continue
                    with torch.no_grad():
                        ms = median_ms(fn, args.repeats, args.min_time)
                    records.append({"variant": name, "threads": threads, "batch": batch, "ms": ms})
                    progress(f"threads {threads} batch {batch:>2}: {name:<38} {ms:9.2f} ms")
    try:
        import onnxruntime
        ort_version = onnxruntime.__version__
    except ImportError:
        ort_version = None
    found = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    # "generic": Debian's torch calls the system libblas, OpenBLAS here.
    torch_blas = f"BLAS_INFO={found.group(1)}" if found else "BLAS unknown"
    meta = {"date": time.strftime("%Y-%m-%d"), "cpu": machine.cpu_model(), "cores": os.cpu_count(),
            "blas": machine.blas_description().rsplit(",", 1)[0], "torch": torch.__version__,
            "torch_blas": torch_blas, "onnxruntime": ort_version, "layers": args.layers,
            "sequence": args.sequence, "seconds": round(time.time() - start),
            "compile_seconds": {f"{k[0]}{' openmp' if k[1] else ''}": round(v, 1)
                                for k, v in compile_seconds.items()}}
    stem = "encoder-quick" if args.quick else "encoder"
    (out / f"{stem}.json").write_text(json.dumps({"meta": meta, "records": records, "checks": checks}, indent=1))
    write_markdown(meta, records, checks, batches, threads_list, out / f"{stem}.md")
    plot(records, batches, threads_list, out / f"{stem}.png")
    progress(f"wrote {out}/{stem}.json, .md and .png in {meta['seconds']} s")
    return 0


def lookup(records, variant, threads, batch):
    return next((r["ms"] for r in records if (r["variant"], r["threads"], r["batch"]) == (variant, threads, batch)),
                None)


def write_markdown(meta, records, checks, batches, threads_list, path: Path):
    variants = list(dict.fromkeys(r["variant"] for r in records))
    lines = [f"# UltraFastBERT-shaped encoder, end to end ({meta['date']})", "",
             f"- machine: {meta['cpu']}, {meta['cores']} cores; {meta['blas']} (the compiled code's and numpy's); "
             f"PyTorch {meta['torch']} ({meta['torch_blas']}); ONNX Runtime {meta['onnxruntime'] or 'absent'}",
             f"- model: {meta['layers']} layers, hidden 768, 12 heads, FFF 1x11 (dense twin: 3072-wide GELU), "
             f"sequence {meta['sequence']}; ms per call (the whole batch), median",
             f"- compile time (fff_mlir.torch.compile, seconds): "
             + ", ".join(f"{k} {v}" for k, v in meta["compile_seconds"].items()), ""]
    header = "| variant | " + " | ".join(f"{t} thr, batch {b}" for t in threads_list for b in batches) + " |"
    lines += [header, "|---" * (1 + len(threads_list) * len(batches)) + "|"]
    for v in variants:
        cells = [lookup(records, v, t, b) for t in threads_list for b in batches]
        lines.append(f"| {v} | " + " | ".join("-" if c is None else f"{c:.1f}" for c in cells) + " |")
    lines += ["", "Speed-up of the compiled FFF encoder (how many times faster):", "",
              "| against | " + " | ".join(f"{t} thr, batch {b}" for t in threads_list for b in batches) + " |",
              "|---" * (1 + len(threads_list) * len(batches)) + "|"]
    for v in variants[1:]:
        cells = []
        for t in threads_list:
            for b in batches:
                base, ours = lookup(records, v, t, b), lookup(records, "fff-mlir FFF", t, b)
                cells.append("-" if base is None or ours is None else f"{base / ours:.2f}x")
        lines.append(f"| {v} | " + " | ".join(cells) + " |")
    lines += ["", "Checks (the compiled models against PyTorch, largest difference relative to a token's RMS; "
              "smallest |routing logit| on any path):", ""]
    for c in checks:
        lines.append(f"- {c['threads']} thread(s), batch {c['batch']}: FFF {c['fff_error']:.1e}, "
                     f"dense {c['dense_error']:.1e}, routing margin {c['min_routing_margin']:.1e}")
    path.write_text("\n".join(lines) + "\n")


def plot(records, batches, threads_list, path: Path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    variants = list(dict.fromkeys(r["variant"] for r in records))
    groups = [(t, b) for t in threads_list for b in batches]
    fig, ax = plt.subplots(figsize=(10, 4.8))
    width = 0.8 / len(variants)
    for i, v in enumerate(variants):
        ys = [lookup(records, v, t, b) or 0 for t, b in groups]
        ax.bar([g + i * width for g in range(len(groups))], ys, width, label=v)
    ax.set_xticks([g + 0.4 - width / 2 for g in range(len(groups))])
    ax.set_xticklabels([f"{t} thread{'s' if t > 1 else ''}\nbatch {b}" for t, b in groups])
    ax.set_ylabel("ms per call (lower is better)")
    ax.set_yscale("log")
    ax.set_title("UltraFastBERT-shaped encoder, sequence 128, end to end")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
