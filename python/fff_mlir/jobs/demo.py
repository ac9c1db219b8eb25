"""The demo (`python3 -m fff_mlir demo`): fff-opt parses, verifies and
canonicalizes each shipped example layer, the numpy reference runs the same
layer (read back from the file) on seeded rows, float32 against the float64
oracle, and the layer is compiled by fff-compile (fused and unfused) and run
on the same rows."""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np

from ..mlir_text import from_mlir
from ..native import CompileOptions, compile_mlir
from ..paths import tool
from .examples import EXAMPLES, EXAMPLES_DIR, example_input


def _fff_opt(path, *flags) -> str:
    result = subprocess.run([str(tool("fff-opt")), str(path), *flags],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"fff-opt rejected {path}:\n{result.stderr}")
    return result.stdout


def run_demo() -> int:
    print("fff-mlir demo: the fff dialect (fff-opt) and the numpy reference\n")
    for i, name in enumerate(EXAMPLES, 1):
        path = EXAMPLES_DIR / name
        layer = from_mlir(path.read_text())
        print(f"[{i}/{len(EXAMPLES)}] examples/{name}: {layer.describe()}")
        ir = _fff_opt(path, "--canonicalize", "--mlir-elide-elementsattrs-if-larger=4")
        print("  fff-opt --canonicalize (parsed and verified; weights elided):")
        print("\n".join("    " + line for line in ir.splitlines() if "fff." in line or "func" in line))
        x = example_input(layer)
        y32, y64 = layer.forward(x), layer.forward(x, dtype=np.float64)
        err = float(np.max(np.abs(y32 - y64)) / max(np.max(np.abs(y64)), 1e-30))
        routes = layer.route(x)
        routes = routes if isinstance(routes, np.ndarray) else routes[0]
        print(f"  reference on {len(x)} seeded rows: routes {routes.tolist()}")
        print(f"  output row 0: {np.array2string(y32[0], precision=4, max_line_width=100)}")
        print(f"  float32 vs float64: max relative error {err:.1e}")
        if err > 1e-5:
            print("error: float32 reference disagrees with float64")
            return 1
        for options in (CompileOptions(fuse=True), CompileOptions(fuse=False)):
            with tempfile.TemporaryDirectory() as tmp:
                y = compile_mlir(path.read_text(), Path(tmp) / "layer.so", options)["layer"](x)
            cerr = float(np.max(np.abs(y - y64)) / max(np.max(np.abs(y64)), 1e-30))
            print(f"  compiled (fff-compile --fuse={str(options.fuse).lower()}): "
                  f"max relative error {cerr:.1e}")
            if cerr > 1e-5:
                print("error: compiled layer disagrees with the reference")
                return 1
        print()
    print("demo ok: every example parsed, verified, compiled fused and unfused; "
          "compiled code and float32 reference match float64")
    return 0
