#!/usr/bin/env bash
# Fuzzes every stage of the compiler for as long as asked, with ASan, UBSan
# and assertions on (docs/reliability.md):
#
#   scripts/fuzz.sh [SECONDS per target, default 600] [target ...]
#
# Targets: parse cpu-pipeline gpu-pipeline llvm-ir (default: all). Builds
# build-asan/ (scripts/sanitizer_build.sh), seeds each target's corpus
# (build-asan/fuzz/<target>/, kept between runs) from the lit tests and
# examples, and prints each target's executions. Crash reproducers go to
# build-asan/fuzz/<target>-crash-*; replay one with
#   build-asan/bin/fff-fuzz-<target> <file>
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FFF_ASAN_BUILD_DIR:-$root/build-asan}
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parse cpu-pipeline gpu-pipeline llvm-ir)

bash "$root/scripts/sanitizer_build.sh"
seeds=$build/fuzz/seeds
/usr/bin/python3 "$root/tools/fff-fuzz/make_corpus.py" "$root" "$seeds"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allow_user_poisoning=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for target in "${targets[@]}"; do
  corpus=$build/fuzz/$target
  mkdir -p "$corpus"
  echo "== fff-fuzz-$target for $seconds s"
  "$build/bin/fff-fuzz-$target" "$corpus" "$seeds" "$root/test/Fuzz/Inputs/regressions" \
    -dict="$root/tools/fff-fuzz/fff.dict" -max_total_time="$seconds" \
    -max_len=16384 -timeout=60 -rss_limit_mb=4096 \
    -artifact_prefix="$build/fuzz/$target-" -print_final_stats=1 \
    2> "$build/fuzz/$target.log" || status=1
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb|ERROR|SUMMARY" \
    "$build/fuzz/$target.log" | sed "s/^/fff-fuzz-$target: /"
done
exit $status
