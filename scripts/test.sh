#!/usr/bin/env bash
# Installs what is missing, builds, and runs every suite:
#   1. with the clang build (build/): lit (IR tests and the GoogleTest unit
#      tests, what `ninja check-fff` runs) and pytest;
#   2. with a GCC build (build-gcc/): lit again, then
#      scripts/compare_compilers.py, which checks that both builds emit the
#      same bytes on every test input (the IR must not depend on the compiler
#      that built fff-mlir).
#   3. with a sanitizer build (build-asan/: ASan + UBSan, assertions on):
#      lit again, and each fuzz target for FFF_FUZZ_RUNS inputs; then the
#      whole pytest suite with that build's tools, every library it
#      compiles instrumented (fff-compile --sanitize=address) and the ASan
#      runtime preloaded into Python.
# FFF_COMPILERS=clang skips the GCC stage, FFF_SANITIZERS=off the sanitizer
# stage. Ends with one line
# 'N passed, N failed[, N skipped]' over all of them and exits non-zero if
# anything failed.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FFF_BUILD_DIR:-$root/build}
gcc_build=${FFF_GCC_BUILD_DIR:-$root/build-gcc}
asan_build=${FFF_ASAN_BUILD_DIR:-$root/build-asan}
compilers=${FFF_COMPILERS:-clang gcc}
results=$build/test-results
lit=/usr/lib/llvm-22/bin/lit

bash "$root/scripts/setup.sh" || { echo "0 passed, 1 failed"; exit 1; }
rm -rf "$results" && mkdir -p "$results"
reports=()

echo "== lit: $build/test"
$lit -sv --xunit-xml-output "$results/lit.xml" "$build/test"
rc=$?
reports+=("$results/lit.xml")

# pytest runs in a venv over Debian's packages (torch, numpy, pytest) that
# adds the real fastfeedforward package from PyPI, which the importer is
# tested against (python/tests/test_fastfeedforward.py); --no-deps, so that
# it cannot pull a second torch. Without PyPI its tests skip (fail under CI).
venv=$build/test-venv
python=/usr/bin/python3
if [ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$venv"; then
  python=$venv/bin/python
  "$python" -c "import fastfeedforward" 2>/dev/null ||
    "$python" -m pip install -q --no-deps fastfeedforward==0.2.1 ||
    echo "warning: could not install fastfeedforward from PyPI"
fi
echo "== pytest: python/tests ($python)"
FFF_BUILD_DIR=$build PYTHONPATH="$root/python${PYTHONPATH:+:$PYTHONPATH}" \
  "$python" -m pytest -q -p no:cacheprovider "$root/python/tests" \
  --junitxml="$results/pytest.xml"
# pytest exits 5 when it collected nothing: that is a failure here too.
[ $? -eq 0 ] || rc=1
reports+=("$results/pytest.xml")

if [[ " $compilers " == *" gcc "* ]]; then
  echo "== GCC build: $gcc_build"
  if FFF_COMPILER=gcc FFF_BUILD_DIR=$gcc_build bash "$root/scripts/setup.sh"; then
    echo "== lit (GCC build): $gcc_build/test"
    $lit -sv --xunit-xml-output "$results/lit-gcc.xml" "$gcc_build/test" || rc=1
    echo "== same output from the clang and GCC builds"
    /usr/bin/python3 "$root/scripts/compare_compilers.py" "$build" "$gcc_build" \
      --junit "$results/compare-compilers.xml" || rc=1
  else
    rc=1
  fi
  reports+=("$results/lit-gcc.xml" "$results/compare-compilers.xml")
fi

# 3. The sanitizer build (build-asan/): ASan + UBSan, assertions on, and the
#    fuzz targets linked with libFuzzer; lit again, whose test/Fuzz tests
#    fuzz each stage for FFF_FUZZ_RUNS inputs (default 15000, at most
#    FFF_FUZZ_SECONDS, default 90). FFF_SANITIZERS=off skips it.
if [[ "${FFF_SANITIZERS:-on}" != off ]]; then
  echo "== sanitizer build (ASan + UBSan, assertions, libFuzzer): $asan_build"
  if FFF_ASAN_BUILD_DIR=$asan_build bash "$root/scripts/sanitizer_build.sh"; then
    echo "== lit (sanitizer build): $asan_build/test"
    $lit -sv --xunit-xml-output "$results/lit-asan.xml" "$asan_build/test" || rc=1
  else
    rc=1
  fi
  reports+=("$results/lit-asan.xml")
  # The whole pytest suite again, under the sanitizers: the tools and the
  # host runtime come from the sanitizer build (ASan + UBSan, assertions
  # on), and every library the tests compile is instrumented too
  # (FFF_SANITIZE=address: fff-compile --sanitize=address). Python is not
  # instrumented, so the runtime is preloaded (the build links that same
  # runtime), and Python's own allocations at exit are not leaks of ours
  # (detect_leaks=0; the C tests of test/Integration check leaks).
  # allocator_may_return_null: the tests that ask for more memory than
  # exists expect a status, not a report.
  asan_runtime=$(/usr/lib/llvm-22/bin/clang -print-file-name=libclang_rt.asan-x86_64.so)
  echo "== pytest under ASan + UBSan: python/tests ($asan_build, $asan_runtime preloaded)"
  LD_PRELOAD=$asan_runtime FFF_SANITIZE=address \
    ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1:halt_on_error=1:allow_user_poisoning=0 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    FFF_BUILD_DIR=$asan_build PYTHONPATH="$root/python${PYTHONPATH:+:$PYTHONPATH}" \
    "$python" -m pytest -q -p no:cacheprovider "$root/python/tests" \
    --junitxml="$results/pytest-asan.xml" || rc=1
  reports+=("$results/pytest-asan.xml")
fi

/usr/bin/python3 "$root/scripts/summarize_tests.py" "${reports[@]}"
summary_rc=$?
[ $rc -eq 0 ] && [ $summary_rc -eq 0 ]
