"""Uses the fff_mlir package as installed (PYTHONPATH=<prefix>/lib/python3/
dist-packages, FFF_BUILD_DIR unset): it must find the installed tools."""
import numpy as np

import fff_mlir
from fff_mlir import paths
from fff_mlir.jobs import examples

print("package:", fff_mlir.__file__)
print("compiler:", paths.tool("fff-compile"))
layer = examples.ultrafastbert_layer(seed=0, trees=1, depth=3, width=16)
fast = fff_mlir.compile(layer)
x = np.random.default_rng(0).standard_normal((5, layer.d_in)).astype(np.float32)
print("matches the reference:", fff_mlir.verify.compare(layer, x, fast(x)).ok)
