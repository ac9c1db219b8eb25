import os
import sys
from pathlib import Path

import pytest

# Make the package importable without installing it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fff_mlir import fixtures_dir  # noqa: E402
from fff_mlir.paths import REPO_ROOT, build_dir  # noqa: E402


def bench_env() -> dict:
    """The environment the bench/ scripts run in (as scripts/bench.sh and
    bench/gpu/device.sh set it): fff_mlir, compiled_cases and bench_common
    on the module path."""
    path = [REPO_ROOT / "python", REPO_ROOT / "python" / "tests", REPO_ROOT / "bench"]
    return dict(os.environ, PYTHONPATH=os.pathsep.join(map(str, path)), FFF_BUILD_DIR=str(build_dir()))


def skip_unless_ci(msg: str):
    """Skip a test whose prerequisite is missing; under CI=true that is a failure."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(msg)
    pytest.skip(msg)


def require_fixture(*parts) -> Path:
    """Path to a shared fixture; skip when absent, but fail under CI=true."""
    path = fixtures_dir().joinpath(*parts)
    if not path.exists():
        skip_unless_ci(f"fixture {path} not found (set FFF_FIXTURES_DIR)")
    return path


def require_torch():
    """The torch module (Debian's python3-torch); skip when absent, fail under CI=true."""
    try:
        import torch
    except ImportError:
        skip_unless_ci("torch is not installed (apt-get install python3-torch)")
    return torch


@pytest.fixture
def mnist_dir() -> Path:
    return require_fixture("mnist")
