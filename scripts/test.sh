#!/usr/bin/env bash
# Installs what is missing, builds, and runs every suite: lit (IR tests and
# the GoogleTest unit tests, what `ninja check-fff` runs) and pytest. Ends
# with one line 'N passed, N failed[, N skipped]' over all of them and exits
# non-zero if anything failed.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FFF_BUILD_DIR:-$root/build}
results=$build/test-results

bash "$root/scripts/setup.sh" || { echo "0 passed, 1 failed"; exit 1; }
rm -rf "$results" && mkdir -p "$results"

echo "== lit: $build/test"
/usr/lib/llvm-22/bin/lit -sv --xunit-xml-output "$results/lit.xml" "$build/test"
lit_rc=$?

echo "== pytest: python/tests"
FFF_BUILD_DIR=$build PYTHONPATH="$root/python${PYTHONPATH:+:$PYTHONPATH}" \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider "$root/python/tests" \
  --junitxml="$results/pytest.xml"
pytest_rc=$?
# pytest exits 5 when it collected nothing: that is a failure here too.

/usr/bin/python3 "$root/scripts/summarize_tests.py" "$results/lit.xml" "$results/pytest.xml"
summary_rc=$?
[ $lit_rc -eq 0 ] && [ $pytest_rc -eq 0 ] && [ $summary_rc -eq 0 ]
