#!/usr/bin/env bash
# The end-to-end benchmark (bench/encoder.py): install what is missing,
# build, put ONNX Runtime (a benchmark-only peer from PyPI) in a venv that
# sees Debian's torch and numpy, then run it. Extra arguments go to
# bench/encoder.py (--quick, --layers N, --threads 1,2, --out DIR).
# Writes docs/performance/encoder.{json,md,png}; about 10 minutes on 2 cores.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FFF_BUILD_DIR:-$root/build}
bash "$root/scripts/setup.sh"
venv=$build/bench-venv
if [ ! -x "$venv/bin/python" ]; then
  /usr/bin/python3 -m venv --system-site-packages "$venv"
fi
# Pin numpy to Debian's: torch was built against it.
numpy=$(/usr/bin/python3 -c "import numpy; print(numpy.__version__)")
"$venv/bin/pip" install -q onnxruntime onnx "numpy==$numpy"
FFF_BUILD_DIR=$build PYTHONPATH="$root/python" "$venv/bin/python" "$root/bench/encoder.py" "$@"
