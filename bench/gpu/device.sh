#!/usr/bin/env bash
# Runs on the GPU machine (the device tool), from the repository root, with
# build/gpu-bench carried (python3 bench/gpu/run.py prepare made it here):
# builds fff-gpu-bench with the CUDA toolkit there, checks every compiled
# layer against the reference and times the benchmark shapes. Results go to
# $OUT/gpu-results.json and $OUT/gpu-log.txt.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${OUT:-/tmp/fff-gpu-out}
mkdir -p "$out"
export PATH=/usr/local/cuda/bin:$PATH PYTHONUNBUFFERED=1
{
  nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  cmake -S "$root/bench/gpu" -B /tmp/fff-gpu-bench -G Ninja -DCMAKE_BUILD_TYPE=Release &&
    ninja -C /tmp/fff-gpu-bench &&
    PYTHONPATH="$root/python:$root/python/tests:$root/bench" python3 "$root/bench/gpu/run.py" device \
      --libs "$root/build/gpu-bench" --bench /tmp/fff-gpu-bench/fff-gpu-bench --out "$out"
} 2>&1 | tee "$out/gpu-log.txt"
