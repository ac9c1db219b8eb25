"""What fff-compile states about itself: `fff-compile --list-json`.

The flags' defaults, the C ABI's status codes and the weight operand names
are defined once in C++ (include/fff/Pipelines/PipelineOptions.def,
include/fff/Target/CStatus.def, include/fff/Dialect/FFF/IR/FFFWeights.def);
the package reads them here instead of spelling them again. The listing is
read once per process, when first needed.
"""
from __future__ import annotations

import functools
import json
import subprocess

from .paths import tool


@functools.lru_cache(maxsize=None)
def listing() -> dict:
    """The whole listing (version, abi_version, flags, status_codes, weights)."""
    compiler = tool("fff-compile")
    proc = subprocess.run([str(compiler), "--list-json"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{compiler} --list-json failed (a build older than this package? "
                           f"rebuild with scripts/setup.sh):\n{proc.stderr}")
    return json.loads(proc.stdout)


def default(flag: str):
    """fff-compile's default for `--flag` (e.g. "group-rows" -> 4)."""
    return listing()["flags"][flag]["default"]


def status_messages() -> dict:
    """{code: message} of the C ABI's status codes (fff_status_string)."""
    return {s["code"]: s["message"] for s in listing()["status_codes"]}


def status_code(name: str) -> int:
    """The code of a status by its C name, e.g. "FFF_ERROR_GPU" -> 4."""
    return next(s["code"] for s in listing()["status_codes"] if s["name"] == name)


def weight_names(op: str) -> list:
    """The weight operand names of an fff op, in operand order (the master
    leaf's are "fff.leaf_mlp.master")."""
    return listing()["weights"][op]
