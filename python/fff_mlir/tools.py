"""Where the project's built tools are: $FFF_BUILD_DIR, else <repo>/build."""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def build_dir() -> Path:
    return Path(os.environ.get("FFF_BUILD_DIR", REPO_ROOT / "build"))


def tool(name: str) -> Path:
    """Path of a built tool such as fff-opt; FileNotFoundError saying how to build it."""
    path = build_dir() / "bin" / name
    if not path.is_file():
        raise FileNotFoundError(f"{name} not found at {path}: build it with scripts/setup.sh "
                                "or point FFF_BUILD_DIR at your build directory")
    return path
