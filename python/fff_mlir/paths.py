"""Where things live outside the package: the repository, its build (for
fff-opt and later tools) and the shared data fixtures, which are never copied
into the repository. An installed copy takes its tools from the install
prefix, and the repository (examples, docs, ../shared/fixtures) is the
checkout it was installed from."""
from __future__ import annotations

import os
from pathlib import Path

try:  # a copy installed by `cmake --install` (python/CMakeLists.txt)
    from ._installed import SOURCE_ROOT as REPO_ROOT, TOOLS_DIR as _INSTALLED_TOOLS_DIR
except ImportError:
    REPO_ROOT = Path(__file__).resolve().parents[2]  # python/fff_mlir/ -> repo root
    _INSTALLED_TOOLS_DIR = None
FIXTURES_ENV_VAR = "FFF_FIXTURES_DIR"


def build_dir() -> Path:
    """$FFF_BUILD_DIR if set, else <repo root>/build."""
    return Path(os.environ.get("FFF_BUILD_DIR", REPO_ROOT / "build"))


def tools_dir() -> Path:
    """$FFF_BUILD_DIR/bin if set; else <prefix>/bin for a copy installed by
    `cmake --install`; else <repo root>/build/bin."""
    if _INSTALLED_TOOLS_DIR is not None and "FFF_BUILD_DIR" not in os.environ:
        return _INSTALLED_TOOLS_DIR
    return build_dir() / "bin"


def tool(name: str) -> Path:
    """Path of a built tool such as fff-opt; FileNotFoundError saying how to build it."""
    path = tools_dir() / name
    if not path.is_file():
        raise FileNotFoundError(f"{name} not found at {path}: build it with scripts/setup.sh "
                                "or point FFF_BUILD_DIR at your build directory")
    return path


def fixtures_dir() -> Path:
    """$FFF_FIXTURES_DIR if set, else <repo root>/../shared/fixtures."""
    env = os.environ.get(FIXTURES_ENV_VAR)
    return Path(env) if env else REPO_ROOT.parent / "shared" / "fixtures"
