"""Where the shared data fixtures live (they are not copied into the repository)."""
from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "FFF_FIXTURES_DIR"


def fixtures_dir() -> Path:
    """$FFF_FIXTURES_DIR if set, else <repo root>/../shared/fixtures."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    repo_root = Path(__file__).resolve().parents[2]  # python/fff_mlir/ -> repo root
    return repo_root.parent / "shared" / "fixtures"
