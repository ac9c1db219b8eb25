#!/usr/bin/env bash
# Configures and builds fff-mlir with AddressSanitizer + UndefinedBehavior-
# Sanitizer, fff-mlir's assertions on, and the libFuzzer fuzz targets
# (tools/fff-fuzz), in build-asan/ (FFF_ASAN_BUILD_DIR). Installs what is
# missing first (scripts/setup.sh). Used by scripts/test.sh's sanitizer
# stage and scripts/fuzz.sh. -O1 with line tables: ASan's advice, and it
# builds faster than -O3 on two cores.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export FFF_BUILD_DIR=${FFF_ASAN_BUILD_DIR:-$root/build-asan}
export FFF_COMPILER=clang
export FFF_CMAKE_ARGS="-DLLVM_USE_SANITIZER=Address;Undefined -DLLVM_USE_SANITIZE_COVERAGE=ON
  -DFFF_ENABLE_ASSERTIONS=ON -DFFF_BUILD_FUZZERS=ON
  -DCMAKE_C_FLAGS_RELEASE=-O1 -DCMAKE_CXX_FLAGS_RELEASE=-O1
  -DCMAKE_C_FLAGS=-gline-tables-only -DCMAKE_CXX_FLAGS=-gline-tables-only"
bash "$root/scripts/setup.sh"
