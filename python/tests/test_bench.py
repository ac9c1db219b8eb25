"""bench/run.py in its quick mode: it compiles, checks and times every
implementation and writes the JSON, the markdown table and the plots. No
timing is asserted (benchmarks measure, tests check)."""
import json
import subprocess
import sys
from pathlib import Path

from conftest import bench_env
from fff_mlir.paths import REPO_ROOT


def test_quick_benchmark_writes_its_results(tmp_path):
    proc = subprocess.run([sys.executable, str(REPO_ROOT / "bench" / "run.py"), "--quick",
                           "--out", str(tmp_path), "--min-time", "0.01", "--threads", "1"],
                          capture_output=True, text=True, env=bench_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((tmp_path / "results.json").read_text())
    impls = {r["impl"] for r in data["records"]}
    for expected in ("FFF fused", "FFF unfused", "FFF fused interleave 1", "plain C++ loop",
                     "dense OpenBLAS", "dense MLIR (linalg.matmul)"):
        assert expected in impls
    assert all(r["us_per_row"] > 0 and r["gflops"] > 0 for r in data["records"])
    assert "kernel" in data["meta"]["blas"]
    table = (tmp_path / "results.md").read_text()
    assert "| best FFF vs dense OpenBLAS |" in table and "| best FFF vs plain C++ loop |" in table
    pngs = sorted(p.name for p in Path(tmp_path).glob("*.png"))
    assert len(pngs) == 2 and all((tmp_path / p).stat().st_size > 1000 for p in pngs)


def test_call_overhead_benchmark_runs():
    """bench/call_overhead.py on a small shape: it prints its table (the
    times are measurements, not checked)."""
    proc = subprocess.run([sys.executable, str(REPO_ROOT / "bench" / "call_overhead.py"), "--quick"],
                          capture_output=True, text=True, env=bench_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| quick")]
    assert [row.split(" | ")[1] for row in rows] == ["constants", "arguments"]


def test_quick_encoder_benchmark_writes_its_results(tmp_path):
    """bench/encoder.py --quick: two layers, every variant it can run here
    (ONNX Runtime only where installed), the checks against PyTorch, the
    table and the plot."""
    from conftest import require_torch
    require_torch()
    proc = subprocess.run([sys.executable, str(REPO_ROOT / "bench" / "encoder.py"), "--quick",
                           "--out", str(tmp_path)], capture_output=True, text=True, env=bench_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((tmp_path / "encoder-quick.json").read_text())
    variants = {r["variant"] for r in data["records"]}
    assert {"fff-mlir FFF", "PyTorch FFF (UltraFastBERT's module)", "PyTorch dense BERT",
            "fff-mlir dense BERT"} <= variants
    assert all(c["fff_error"] < 1e-4 and c["dense_error"] < 1e-4 for c in data["checks"])
    assert "| fff-mlir FFF |" in (tmp_path / "encoder-quick.md").read_text()
    assert (tmp_path / "encoder-quick.png").stat().st_size > 1000


def test_quick_benchmark_compares_with_another_build(tmp_path):
    """--before: every variant compiled by a second build's fff-compile too
    (here the same build), timed in the same run and named in the table."""
    from fff_mlir.paths import build_dir
    proc = subprocess.run([sys.executable, str(REPO_ROOT / "bench" / "run.py"), "--quick",
                           "--out", str(tmp_path), "--min-time", "0.01", "--threads", "1",
                           "--variants", "fused interleave", "--before", str(build_dir())],
                          capture_output=True, text=True, env=bench_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((tmp_path / "results.json").read_text())
    fff = {r["impl"] for r in data["records"] if r["impl"].startswith("FFF")}
    assert fff == {"FFF fused interleave 1", "FFF fused interleave 1 (before)"}
    assert data["meta"]["before"].startswith(str(build_dir()))
    assert "compiled by the fff-compile of" in (tmp_path / "results.md").read_text()
