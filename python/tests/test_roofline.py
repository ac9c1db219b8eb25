"""bench/roofline.py: the bounds it derives from made-up figures (no result
of this test is a measurement), and fff-roofline's JSON where it is built."""
import json
import subprocess
import sys

import pytest

from conftest import bench_env
from fff_mlir.paths import REPO_ROOT, tools_dir

SCRIPT = REPO_ROOT / "bench" / "roofline.py"


def made_up(gbps: dict) -> dict:
    """fff-roofline's output with round figures: peak 100 GFLOP/s."""
    fig = lambda v: {"median": v, "min": v, "max": v}  # noqa: E731
    return {"cpu": "Some CPU", "isa": "AVX-512", "vector_bits": 512, "compiler": "cc", "threads": 1,
            "cpu_index": 1, "cpus_allowed": 1, "clock_ghz_estimate": 3.0,
            "caches": [{"level": 1, "type": "Data", "bytes": 32768, "shared_cpus": "1"},
                       {"level": 1, "type": "Instruction", "bytes": 32768, "shared_cpus": "1"},
                       {"level": 2, "type": "Unified", "bytes": 1 << 20, "shared_cpus": "1"},
                       {"level": 3, "type": "Unified", "bytes": 32 << 20, "shared_cpus": "0-1"}],
            "sysconf_caches": {"L1d": 32768, "L2": 1 << 20, "L3": 32 << 20},
            "fma_gflops_by_chains": {"8": fig(100.0)}, "fma_chains": 8, "fma_peak_gflops": fig(100.0),
            "read_bandwidth": [{"bytes": b, "gbps": fig(v)} for b, v in gbps.items()],
            "repeats": 1, "min_time_s": 0.01}


def test_bounds_from_made_up_figures(tmp_path):
    # 4 MiB is L3 here, 64 MiB beyond it: memory.
    measured = made_up({32768: 200.0, 262144: 100.0, 4 << 20: 50.0, 64 << 20: 20.0})
    path = tmp_path / "m.json"
    path.write_text(json.dumps(measured))
    proc = subprocess.run([sys.executable, str(SCRIPT), "--measured", str(path), "--out", str(tmp_path)],
                          capture_output=True, text=True, env=bench_env())
    assert proc.returncode == 0, proc.stderr
    rows = {b["batch"]: b for b in json.loads((tmp_path / "roofline.json").read_text())["bounds"]}
    # Batch 1: 12 nodes x 6 kB of weights from L2 (73728 B at 100 GB/s)
    # against 36864 FLOP at 100 GFLOP/s.
    assert rows[1]["limited_by"] == "L2" and rows[1]["bound_us"] == pytest.approx(0.73728)
    assert rows[1]["flop_us"] == pytest.approx(0.36864)
    assert rows[1]["dense_flop_us"] == pytest.approx(2 * 4095 * 1536 / 100e3)
    # Batch 16384: the L2 link carries x 12 times, y and the weights' share.
    l2 = (12 * 3072 + 3072 + 4095 * 6144 * (1 - (1 - 2 ** -11) ** 16384) / 16384) / 100e3
    assert rows[16384]["us_by_resource"]["L2"] == pytest.approx(l2, rel=1e-3)
    assert rows[16384]["us_by_resource"]["memory"] == pytest.approx(6144 / 20e3)
    text = (tmp_path / "roofline.md").read_text()
    assert "| 1 | ≤ 0.65 | **0.737** | L2 | 0.88 |" in text
    assert "| read bandwidth, 64 MiB buffer (memory) | 20.0 (20.0-20.0) GB/s |" in text


def test_runs_combine_into_the_median(tmp_path):
    paths = []
    for i, l2 in enumerate((90.0, 100.0, 120.0)):
        paths.append(tmp_path / f"m{i}.json")
        paths[-1].write_text(json.dumps(made_up({32768: 200.0, 262144: l2, 64 << 20: 20.0})))
    proc = subprocess.run([sys.executable, str(SCRIPT), "--measured", *map(str, paths),
                           "--out", str(tmp_path)], capture_output=True, text=True, env=bench_env())
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "roofline.json").read_text())
    assert data["measured"]["runs"] == 3
    assert data["measured"]["read_bandwidth"][1]["gbps"] == {"median": 100.0, "min": 90.0, "max": 120.0}
    assert data["levels"]["L2"]["best"] == 100.0


def test_fff_roofline_prints_its_figures():
    binary = tools_dir() / "fff-roofline"
    if not binary.is_file():
        pytest.skip("fff-roofline is not built")
    out = subprocess.run([str(binary), "--min-time", "0.001", "--repeats", "1", "--mem-mib", "64"],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    data = json.loads(out)
    assert data["fma_peak_gflops"]["median"] > 0 and data["vector_bits"] in (128, 256, 512)
    assert [r["bytes"] for r in data["read_bandwidth"]][-1] == 64 << 20
    assert all(r["gbps"]["median"] > 0 for r in data["read_bandwidth"])
