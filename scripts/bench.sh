#!/usr/bin/env bash
# The CPU benchmark: install what is missing, build, then run bench/run.py,
# which rewrites docs/performance/ (results.json, results.md, one PNG per
# shape). Extra arguments go to bench/run.py (--quick, --shapes TEXT,
# --threads 1,2, --out DIR, --variants TEXT, --before BUILD_DIR). Takes about
# 15 minutes on 2 cores.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FFF_BUILD_DIR:-$root/build}
bash "$root/scripts/setup.sh"
FFF_BUILD_DIR=$build PYTHONPATH="$root/python:$root/bench" /usr/bin/python3 "$root/bench/run.py" "$@"
