"""Prints one line 'N passed, N failed[, N skipped]' over JUnit XML reports.

Exits 1 when a report is missing or unreadable, or anything failed, or no
test ran at all, so a broken suite cannot pass silently.
"""
import sys
import xml.etree.ElementTree as ET


def count(path):
    """(passed, failed, skipped) of one JUnit XML report."""
    passed = failed = skipped = 0
    for case in ET.parse(path).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
    return passed, failed, skipped


def main(paths):
    passed = failed = skipped = 0
    for path in paths:
        try:
            p, f, s = count(path)
        except (OSError, ET.ParseError) as err:
            print(f"no test report {path}: {err}", file=sys.stderr)
            p, f, s = 0, 1, 0
        passed, failed, skipped = passed + p, failed + f, skipped + s
    line = f"{passed} passed, {failed} failed"
    print(line + (f", {skipped} skipped" if skipped else ""))
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
