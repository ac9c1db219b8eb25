"""The GPU benchmark and execution checks, in three steps on two machines.

The GPU machine has the driver, the CUDA toolkit and PyTorch but no MLIR, so
the libraries are compiled here and carried there:

    export PYTHONPATH=python:python/tests:bench       # fff_mlir, compiled_cases, bench_common
    python3 bench/gpu/run.py prepare                  # here: build/gpu-bench/
    # there (the device tool; carry build/gpu-bench):
    bash bench/gpu/device.sh                          # writes $OUT/gpu-results.json
    python3 bench/gpu/run.py report RESULTS.json      # here: docs/performance/gpu*

prepare compiles, with fff-compile --target=cuda (weights as arguments): the
benchmark shapes (UltraFastBERT 1x11, 4x9, 16x7), test_compiled's 100 random
layers, the MNIST models and the C example, and copies the MNIST fixtures
beside them.

device runs the C example (examples/c/run_layer.c built for the GPU), checks
every compiled layer against the float64 reference (the random layers as
test_compiled does, the MNIST accuracies exactly), then
times each shape with fff-gpu-bench (compiled FFF, dense cuBLAS fp32 and
bf16, a one-thread-per-row kernel) and PyTorch's FFF-by-gather on the GPU.

report writes docs/performance/gpu-results.md and gpu-ultrafastbert.png.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]

BATCHES = (1, 16, 128, 1024, 16384)
SHAPE_NAMES = ("UltraFastBERT-1x11", "UltraFastBERT-4x9", "UltraFastBERT-16x7")
# The targets, UltraFastBERT-1x11, fp32 FFF: batch -> (most us per
# call, least speedup over dense fp32, least over dense bf16).
TARGETS = {1: (10.0, 5.0, None), 16384: (100.0, 45.0, 20.0)}


def slug(name: str) -> str:
    return name.lower().replace(" ", "-")


def shapes():
    from bench_common import SHAPES
    return [s for s in SHAPES if s.name in SHAPE_NAMES]


def prepare(out: Path):
    from fff_mlir.mlir_text import to_mlir
    from fff_mlir import load_layer
    from fff_mlir.native import CompileOptions, compile_layers, compile_mlir
    from fff_mlir.paths import fixtures_dir
    from compiled_cases import CASES, MNIST_MODELS

    cuda = CompileOptions(target="cuda")
    out.mkdir(parents=True, exist_ok=True)
    for shape in shapes():
        compile_mlir(to_mlir(shape.layer(), "layer", weights="arguments"),
                     out / f"{slug(shape.name)}.so", cuda)
        print(f"compiled {shape.name}")
    # The C example (examples/c/run_layer.c) built for the GPU.
    example = out / "example"
    compile_mlir((ROOT / "examples" / "path_neuron_2x2.mlir").read_text(),
                 example / "libpath_neuron.so", cuda)
    subprocess.run(["cc", "-O2", "-DFFF_EXAMPLE_CUDA", f"-I{example}", str(ROOT / "examples" / "c" / "run_layer.c"),
                    f"-L{example}", "-lpath_neuron", "-Wl,-rpath,$ORIGIN", "-lm", "-o", str(example / "run_layer")],
                   check=True)
    print("built the C example")
    layers = {f"case{i}": layer for i, (layer, _, _) in enumerate(CASES)}
    compile_layers(layers, cuda, out / "cases")
    print(f"compiled {len(layers)} random layers")
    mnist = fixtures_dir() / "mnist"
    if mnist.is_dir():
        shutil.copytree(mnist, out / "fixtures" / "mnist", dirs_exist_ok=True)
        layers = {m: load_layer(mnist / "models" / f"{m}.pt") for m, _ in MNIST_MODELS}
        compile_layers(layers, cuda, out / "mnist")
        print(f"compiled {len(MNIST_MODELS)} MNIST models")
    else:
        print(f"no MNIST fixtures at {mnist}: the device run will skip them")


def check_cases(libs: Path) -> dict:
    from fff_mlir.native import Library, run_layer
    from compiled_cases import CASES, check_against_reference, exact_routes
    lib = Library(libs / "cases" / "layers.so")
    failures = []
    for i, (layer, x, desc) in enumerate(CASES):
        try:
            got = run_layer(lib, f"case{i}", layer, x)
            check_against_reference(layer, x, got, exact_routes=exact_routes(i))
        except Exception as e:  # noqa: BLE001 - every failure is reported
            failures.append(f"case{i} ({desc}): {type(e).__name__}: {str(e)[:300]}")
    return {"checked": len(CASES), "failed": failures}


def check_mnist(libs: Path) -> dict:
    from fff_mlir import load_layer
    from fff_mlir.jobs.mnist import load_test_set
    from fff_mlir.native import Library, run_layer
    from compiled_cases import MNIST_MODELS
    fixtures = libs / "fixtures" / "mnist"
    if not fixtures.is_dir():
        return {"skipped": "no fixtures carried"}
    images, labels = load_test_set(fixtures)
    lib = Library(libs / "mnist" / "layers.so")
    results = {}
    for model, expected in MNIST_MODELS:
        layer = load_layer(fixtures / "models" / f"{model}.pt")
        logits = run_layer(lib, model, layer, images)
        results[model] = {"correct": int((logits.argmax(1) == labels).sum()), "expected": expected}
    return results


def torch_gather(shape, layer, batches, min_time: float) -> list:
    """PyTorch's FFF-by-gather on the GPU: (batch, seconds per call)."""
    import torch
    from bench_common import torch_path_neuron_by_gather
    dev = torch.device("cuda")
    fff = torch_path_neuron_by_gather(torch, layer, shape, device="cuda")
    out = []
    for batch in batches:
        x = torch.randn(batch, shape.d_in, device=dev)
        for _ in range(3):
            fff(x)
        torch.cuda.synchronize()
        calls, runs = 1, []
        while True:
            start = time.perf_counter()
            for _ in range(calls):
                fff(x)
            torch.cuda.synchronize()
            elapsed = time.perf_counter() - start
            if elapsed >= min_time / 5 or calls >= 1 << 16:
                break
            calls *= 2
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(calls):
                fff(x)
            torch.cuda.synchronize()
            runs.append((time.perf_counter() - start) / calls)
        out.append((batch, sorted(runs)[2]))
    return out


def device(libs: Path, bench: Path, out: Path, min_time: float):
    from bench_common import write_weights
    from fff_mlir.native import Library, run_layer
    from fff_mlir.verify import compare
    out.mkdir(parents=True, exist_ok=True)
    results = {"date": time.strftime("%Y-%m-%d"), "checks": {}, "timings": [], "info": {}}
    try:
        import torch
        results["info"]["torch"] = torch.__version__
    except ImportError:
        torch = None

    def step(name, fn):
        try:
            results["checks"][name] = fn()
        except Exception:  # noqa: BLE001 - recorded, the run goes on
            results["checks"][name] = {"error": traceback.format_exc()[-2000:]}
        print(f"{name}: {json.dumps(results['checks'][name])[:500]}", flush=True)

    def c_example():
        proc = subprocess.run([str(libs / "example" / "run_layer")], capture_output=True, text=True)
        return {"status": proc.returncode, "output": (proc.stdout + proc.stderr)[-1000:]}
    step("C example", c_example)
    step("random layers", lambda: check_cases(libs))
    step("mnist", lambda: check_mnist(libs))
    rng = np.random.default_rng(3)
    for shape in shapes():
        layer = shape.layer()
        lib_path = libs / f"{slug(shape.name)}.so"
        x = rng.standard_normal((257, shape.d_in)).astype(np.float32)
        step(f"{shape.name} vs reference",
             lambda: str(compare(layer, x, run_layer(Library(lib_path), "layer", layer, x))))
        weights = write_weights(layer, out / f"{slug(shape.name)}.weights.bin")
        cmd = [str(bench), "--lib", str(lib_path), "--d-in", str(shape.d_in), "--d-out", str(shape.d_out),
               "--depth", str(shape.depth), "--trees", str(shape.trees), "--weights", str(weights),
               "--batches", ",".join(map(str, BATCHES)), "--min-time", str(min_time)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True)
        except OSError as e:
            proc = subprocess.CompletedProcess(cmd, 1, "", f"{cmd[0]}: {e}")
        weights.unlink()
        if proc.returncode != 0:
            results["checks"][f"{shape.name} timing"] = {"error": proc.stderr[-2000:]}
            print(proc.stderr, flush=True)
            continue
        for line in proc.stdout.splitlines():
            item = json.loads(line)
            if "impl" in item:
                results["timings"].append({"shape": shape.name, **item})
            else:
                results["info"].update(item)
        if torch is not None and torch.cuda.is_available():
            for batch, seconds in torch_gather(shape, layer, BATCHES, min_time):
                results["timings"].append({"shape": shape.name, "impl": "PyTorch FFF by gather",
                                           "batch": batch, "seconds": seconds})
        print(f"{shape.name}: timed", flush=True)
    (out / "gpu-results.json").write_text(json.dumps(results, indent=1))
    print(f"wrote {out / 'gpu-results.json'}")


def report(results_path: Path, docs: Path):
    results = json.loads(results_path.read_text())
    info = results["info"]
    lines = ["# GPU benchmark results", "",
             f"Generated by `python3 bench/gpu/run.py report` from a run on {results['date']}.", "",
             f"- device: {info.get('device', '?')} ({info.get('sms', '?')} SMs), CUDA runtime "
             f"{info.get('cuda_runtime', '?')}, PyTorch {info.get('torch', 'absent')}",
             "- times are per call (µs): calls back to back, each followed by a device "
             "synchronization, median of 5 runs; the compiled FFF call includes its own stream "
             "creation and synchronization", ""]
    lines += ["## Execution checks", ""]
    for name, check in results["checks"].items():
        lines.append(f"- {name}: `{json.dumps(check)[:400]}`")
    lines.append("")
    timings = results["timings"]
    for shape in dict.fromkeys(t["shape"] for t in timings):
        rows = [t for t in timings if t["shape"] == shape]
        impls = list(dict.fromkeys(t["impl"] for t in rows))
        batches = sorted({t["batch"] for t in rows})
        us = {(t["impl"], t["batch"]): t["seconds"] * 1e6 for t in rows}
        lines += [f"## {shape}", "", "| implementation | " + " | ".join(f"B={b}" for b in batches) + " |",
                  "|---" * (len(batches) + 1) + "|"]
        for impl in impls:
            lines.append(f"| {impl} | " + " | ".join(
                f"{us[(impl, b)]:.3g} µs" if (impl, b) in us else "—" for b in batches) + " |")
        for base in ("dense cuBLAS fp32", "dense cuBLAS bf16", "FFF naive kernel", "PyTorch FFF by gather"):
            if base in impls:
                lines.append(f"| FFF compiled vs {base} | " + " | ".join(
                    f"{us[(base, b)] / us[('FFF compiled', b)]:.3g}x"
                    if (base, b) in us and ("FFF compiled", b) in us else "—" for b in batches) + " |")
        lines.append("")
        if shape == "UltraFastBERT-1x11":
            lines += ["Targets (the issue's, fp32 FFF):", ""]
            for batch, (most, fp32, bf16) in TARGETS.items():
                got = us.get(("FFF compiled", batch))
                if got is None:
                    continue
                parts = [f"{got:.3g} µs (target <= {most:g})"]
                parts.append(f"{us[('dense cuBLAS fp32', batch)] / got:.3g}x over fp32 (target >= {fp32:g}x)")
                if bf16:
                    parts.append(f"{us[('dense cuBLAS bf16', batch)] / got:.3g}x over bf16 (target >= {bf16:g}x)")
                lines.append(f"- batch {batch}: " + ", ".join(parts))
            lines.append("")
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "gpu-results.md").write_text("\n".join(lines))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        rows = [t for t in timings if t["shape"] == "UltraFastBERT-1x11"]
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for impl in dict.fromkeys(t["impl"] for t in rows):
            pts = sorted((t["batch"], t["seconds"] * 1e6) for t in rows if t["impl"] == impl)
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=impl)
        ax.set(xscale="log", yscale="log", xlabel="batch (rows)", ylabel="µs per call",
               title=f"UltraFastBERT-1x11 on {info.get('device', 'GPU')}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(docs / "gpu-ultrafastbert.png", dpi=110)
    except ImportError:
        pass
    print(f"wrote {docs / 'gpu-results.md'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="step", required=True)
    p = sub.add_parser("prepare", help="compile the libraries (needs fff-compile)")
    p.add_argument("--out", default=str(ROOT / "build" / "gpu-bench"))
    d = sub.add_parser("device", help="check and time on the GPU machine")
    d.add_argument("--libs", default=str(ROOT / "build" / "gpu-bench"))
    d.add_argument("--bench", required=True, help="the fff-gpu-bench binary")
    d.add_argument("--out", required=True)
    d.add_argument("--min-time", type=float, default=0.2)
    r = sub.add_parser("report", help="write docs/performance/gpu-results.md from a run's JSON")
    r.add_argument("results")
    r.add_argument("--docs", default=str(ROOT / "docs" / "performance"))
    args = parser.parse_args()
    if args.step == "prepare":
        prepare(Path(args.out))
    elif args.step == "device":
        device(Path(args.libs), Path(args.bench), Path(args.out), args.min_time)
    else:
        report(Path(args.results), Path(args.docs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
