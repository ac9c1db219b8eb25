#!/usr/bin/env bash
# The main job: install what is missing, build, then compile the embedded
# default model (UltraFastBERT-1x11 shape, seeded weights) ahead of time with
# fff-compile, run it, check it against the reference and time it against
# its dense equivalent; the MNIST models too when ../shared/fixtures is
# there (python3 -m fff_mlir main), then a small UltraFastBERT-shaped encoder
# compiled whole (examples/torch/ultrafastbert_encoder.py).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FFF_BUILD_DIR:-$root/build}
bash "$root/scripts/setup.sh"
FFF_BUILD_DIR=$build PYTHONPATH="$root/python${PYTHONPATH:+:$PYTHONPATH}" \
  /usr/bin/python3 -m fff_mlir main
# Then a whole model: a small UltraFastBERT-shaped encoder (token ids and a
# mask in, hidden states out) compiled whole and checked against PyTorch.
PYTHONPATH="$root/python${PYTHONPATH:+:$PYTHONPATH}" FFF_BUILD_DIR=$build \
  /usr/bin/python3 "$root/examples/torch/ultrafastbert_encoder.py"
