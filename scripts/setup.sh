#!/usr/bin/env bash
# Installs every Debian package fff-mlir needs that is missing, then configures
# and builds the project. Safe to re-run: installed packages are skipped and the
# build is incremental.
#
#   scripts/setup.sh            install + build (clang-22)
#   FFF_BUILD_DIR=dir scripts/setup.sh
#   FFF_COMPILER=gcc FFF_BUILD_DIR=build-gcc scripts/setup.sh   (Debian's g++)
#   FFF_CMAKE_ARGS="-DLLVM_USE_SANITIZER=Address;Undefined ..." scripts/setup.sh
#                                 (more CMake settings, e.g. scripts/sanitizer_build.sh's)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FFF_BUILD_DIR:-$root/build}

# Debian 12 packages; everything else the project uses comes with them.
packages=(
  build-essential cmake ninja-build git python3 python3-numpy python3-pytest
  libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools clang-22 lld-22
  libgtest-dev pybind11-dev python3-dev python3-torch libopenblas-dev
  python3-matplotlib libomp-22-dev python3-venv libclang-rt-22-dev
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The compiler that builds fff-mlir; the IR it emits must not depend on it
# (scripts/compare_compilers.py checks).
case "${FFF_COMPILER:-clang}" in
  clang) cc=clang-22 cxx=clang++-22 ;;
  gcc) cc=gcc cxx=g++ ;;
  *) echo "FFF_COMPILER must be clang or gcc, got '$FFF_COMPILER'" >&2; exit 2 ;;
esac

echo "== configuring and building in $build with $cxx"
cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=$cc -DCMAKE_CXX_COMPILER=$cxx \
  -DLLVM_USE_LINKER=lld \
  -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
  -DPython3_EXECUTABLE=/usr/bin/python3 ${FFF_CMAKE_ARGS:-} >/dev/null
cmake --build "$build"
echo "== built: $build/bin/fff-opt"
