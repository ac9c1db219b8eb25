import os
import sys
from pathlib import Path

import pytest

# Make the package importable without installing it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fff_mlir import fixtures_dir  # noqa: E402


def require_fixture(*parts) -> Path:
    """Path to a shared fixture; skip when absent, but fail under CI=true."""
    path = fixtures_dir().joinpath(*parts)
    if not path.exists():
        msg = f"fixture {path} not found (set FFF_FIXTURES_DIR)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return path


@pytest.fixture
def mnist_dir() -> Path:
    return require_fixture("mnist")
