"""The main job (`python3 -m fff_mlir main`, the README's first command).

Compiles the embedded default model, an UltraFastBERT-1x11-shaped layer with
seeded weights, ahead of time with fff-compile; runs it; checks it against
the float64 reference; and times it against its dense equivalent (a
768 -> 4095 -> 768 feedforward block as two OpenBLAS sgemm calls) measured
in the same run. With ../shared/fixtures present, the MNIST models are
compiled and evaluated too and must reproduce their accuracy exactly.

This is a smoke test with honest numbers, not the benchmark: bench/ has the
full matrix of shapes, batches and baselines (docs/performance.md).
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .. import machine

THREADS = 1
BATCHES = (1, 1024)
MNIST_MODELS = (("lb_l8_d1", 9346), ("lb_l2_d3", 9100), ("ml_l4_d2", 9473), ("ml_l8_d4", 9510))


def _progress(message: str, end: str = "\n"):
    print(message, end=end, flush=True)


def _time_per_row(fn, x: np.ndarray, budget: float = 0.3) -> float:
    """Median seconds per row of fn(x) over repeated calls (after a warm-up)."""
    fn(x)
    times = []
    start = time.perf_counter()
    while len(times) < 5 or (time.perf_counter() - start < budget and len(times) < 200):
        t0 = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - t0)
    return float(np.median(times)) / len(x)


def dense_equivalent(layer):
    """The dense block with all of the layer's neurons: (W1, b1, W2, b2).

    Path-neuron: every node is a hidden unit (768 -> 4095 -> 768 for
    UltraFastBERT-1x11). Leaf-MLP: every leaf's hidden units side by side,
    plus the master leaf's.
    """
    from ..reference import LeafMLP
    if not isinstance(layer, LeafMLP):
        return (np.ascontiguousarray(layer.w_in.T), layer.b_in, np.ascontiguousarray(layer.w_out.T),
                np.zeros(layer.d_out, np.float32))
    w1 = np.concatenate(list(layer.w1s), axis=1)
    b1 = layer.b1s.reshape(-1)
    w2 = np.concatenate(list(layer.w2s), axis=0)
    if layer.master is not None:
        w1 = np.concatenate([w1, layer.master.w1], axis=1)
        b1 = np.concatenate([b1, layer.master.b1])
        w2 = np.concatenate([w2, layer.master.w2], axis=0)
    return np.ascontiguousarray(w1), b1, np.ascontiguousarray(w2), layer.b2s[0]


def dense_forward(weights):
    """x -> relu(x W1 + b1) W2 + b2 through OpenBLAS sgemm. The activation is
    ReLU whatever the layer's, the cheapest: the baseline is a lower bound."""
    w1, b1, w2, b2 = weights

    def run(x):
        h = x @ w1
        h += b1
        np.maximum(h, 0, out=h)
        y = h @ w2
        y += b2
        return y
    return run


def _row(name, batch, check, fff_s, dense_s):
    ratio = dense_s / fff_s
    speedup = f"{ratio:.0f}x" if ratio >= 10 else f"{ratio:.2f}x"
    return f"| {name} | {batch} | {check} | {fff_s * 1e6:.2f} | {dense_s * 1e6:.1f} | {speedup} |"


def _ultrafastbert(workdir: Path, rows: list) -> bool:
    from ..compiler import compile
    from .examples import ultrafastbert_layer
    from ..verify import compare

    _progress("[1] UltraFastBERT-1x11 shape: path-neuron 768 -> 768, 1 tree of depth 11 "
              "(4095 neurons, 12 per row), GELU, seeded weights")
    layer = ultrafastbert_layer()
    _progress("    compiling with fff-compile (weights baked in) ... ", end="")
    t0 = time.perf_counter()
    compiled = compile(layer, output=workdir / "libultrafastbert.so")
    _progress(f"{time.perf_counter() - t0:.1f} s -> {compiled.path.name} + {compiled.path.stem}.h")
    dense = dense_forward(dense_equivalent(layer))
    rng = np.random.default_rng(7)
    ok = True
    for batch in BATCHES:
        _progress(f"    batch {batch}: checking against the reference and timing ... ", end="")
        x = rng.standard_normal((batch, layer.d_in)).astype(np.float32)
        comparison = compare(layer, x, compiled(x))
        fff_s = _time_per_row(compiled, x)
        dense_s = _time_per_row(dense, x)
        _progress(f"{comparison}")
        ok &= comparison.ok
        check = "ok" if comparison.ok else f"FAILED ({comparison})"
        rows.append(_row("UltraFastBERT-1x11", batch, check, fff_s, dense_s))
    return ok


def _mnist(workdir: Path, rows: list) -> bool:
    from ..checkpoint import load_layer
    from ..compiler import compile
    from .mnist import load_test_set
    from ..paths import fixtures_dir

    mnist = fixtures_dir() / "mnist"
    if not (mnist / "models").is_dir():
        _progress(f"[2] MNIST models: skipped ({mnist} not found; set FFF_FIXTURES_DIR)")
        return True
    try:
        import torch  # noqa: F401  (the checkpoints are PyTorch files)
    except ImportError:
        _progress("[2] MNIST models: skipped (python3-torch is not installed)")
        return True
    x, labels = load_test_set(mnist)
    ok = True
    for i, (name, expected) in enumerate(MNIST_MODELS, 1):
        _progress(f"[2.{i}] MNIST {name}: compiling and evaluating 10,000 test images ... ", end="")
        layer = load_layer(mnist / "models" / f"{name}.pt")
        compiled = compile(layer, output=workdir / f"lib{name}.so")
        correct = int(np.sum(np.argmax(compiled(x), axis=1) == labels))
        fff_s = _time_per_row(compiled, x)
        dense_s = _time_per_row(dense_forward(dense_equivalent(layer)), x)
        good = correct == expected
        ok &= good
        _progress(f"{correct} correct (expected {expected})")
        check = f"{correct}/10000 {'ok' if good else 'WRONG'}"
        rows.append(_row(f"MNIST {name}", len(x), check, fff_s, dense_s))
    return ok


def run() -> int:
    env = machine.blas_environment(THREADS)
    if any(os.environ.get(k) != v for k, v in env.items()):
        # OpenBLAS reads these when it loads: start again with them set.
        os.environ.update(env)
        os.execv(sys.executable, [sys.executable, "-m", "fff_mlir", "main"])
    print("fff-mlir main job: FFF layers compiled ahead of time, run, checked and timed\n")
    print(f"machine: {machine.cpu_model()}; {THREADS} thread; "
          f"dense baseline: numpy {np.__version__} with {machine.blas_description()}\n", flush=True)
    if "OpenBLAS" not in machine.blas_description():
        print("warning: numpy is not using OpenBLAS (scripts/setup.sh installs it): the dense "
              "baseline is slow and the speedups below are inflated\n", flush=True)
    rows = ["| model | batch | output vs reference | FFF us/row | dense us/row | speedup |",
            "|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory(prefix="fff_main_") as tmp:
        ok = _ultrafastbert(Path(tmp), rows)
        ok &= _mnist(Path(tmp), rows)
    print("\n" + "\n".join(rows) + "\n")
    print("Times are medians of repeated calls from Python (ctypes), so batch 1 includes "
          "a few microseconds of call overhead.\nThe MNIST layers are tiny (16 to 136 hidden "
          "units in all), so their dense equivalent costs no more than the routing: FFF pays "
          "off with width.\nFull benchmark: bench/ (docs/performance.md).")
    if not ok:
        print("main job FAILED: a compiled model disagrees with the reference")
        return 1
    print("main job ok: every compiled model matches the reference")
    return 0
