"""bench/gpu/run.py, the parts that run without a GPU: `report` renders a
device run's JSON (here a made-up one, in a temporary directory: no result
of this test is a measurement), and `device` records a failure to reach the
GPU instead of crashing. The device step itself runs on the GPU machine."""
import json
import subprocess
import sys

from conftest import bench_env
from fff_mlir.paths import REPO_ROOT

SCRIPT = REPO_ROOT / "bench" / "gpu" / "run.py"


def test_report_renders_tables_ratios_and_targets(tmp_path):
    impls = {"FFF compiled": 2.0, "dense cuBLAS fp32": 60.0, "dense cuBLAS bf16": 30.0,
             "FFF naive kernel": 500.0, "PyTorch FFF by gather": 900.0}
    timings = [{"shape": "UltraFastBERT-1x11", "impl": impl, "batch": b, "seconds": us * b ** 0.5 * 1e-6}
               for impl, us in impls.items() for b in (1, 16384)]
    results = {"date": "2026-01-01", "info": {"device": "Some GPU", "sms": 132, "cuda_runtime": 13000},
               "checks": {"random layers": {"checked": 100, "failed": []}}, "timings": timings}
    path = tmp_path / "gpu-results.json"
    path.write_text(json.dumps(results))
    proc = subprocess.run([sys.executable, str(SCRIPT), "report", str(path), "--docs", str(tmp_path)],
                          capture_output=True, text=True, env=bench_env())
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "gpu-results.md").read_text()
    assert "Some GPU (132 SMs)" in text and "## UltraFastBERT-1x11" in text
    assert "| FFF compiled vs dense cuBLAS fp32 | 30x | 30x |" in text
    assert "- batch 1: 2 µs (target <= 10), 30x over fp32 (target >= 5x)" in text
    assert "15x over bf16 (target >= 20x)" in text
    assert (tmp_path / "gpu-ultrafastbert.png").stat().st_size > 1000


def test_device_step_without_a_gpu_reports_instead_of_crashing(tmp_path):
    proc = subprocess.run([sys.executable, str(SCRIPT), "device", "--libs", str(tmp_path / "none"),
                           "--bench", str(tmp_path / "no-bench"), "--out", str(tmp_path)],
                          capture_output=True, text=True, env=bench_env(), timeout=600)
    assert proc.returncode == 0, proc.stderr
    results = json.loads((tmp_path / "gpu-results.json").read_text())
    assert "error" in results["checks"]["random layers"]
    assert any("timing" in name for name in results["checks"])
