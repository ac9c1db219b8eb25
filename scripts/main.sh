#!/usr/bin/env bash
# The main job: install what is missing, build, then show fff-opt parsing,
# verifying and canonicalizing the shipped example layers and run the numpy
# reference on them (python3 -m fff_mlir demo).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FFF_BUILD_DIR:-$root/build}
bash "$root/scripts/setup.sh"
FFF_BUILD_DIR=$build PYTHONPATH="$root/python${PYTHONPATH:+:$PYTHONPATH}" \
  /usr/bin/python3 -m fff_mlir demo
