"""Reads `fff-compile --list-json` on stdin and checks that each flag made
from a pipeline option has the option's default (target-cpu excepted)."""
import json
import sys

listing = json.load(sys.stdin)
flags = listing["flags"]
piped = {name: f for name, f in flags.items() if "pipeline_option" in f}
assert len(piped) >= 16, sorted(piped)
for name, flag in piped.items():
    if name == "target-cpu":
        assert (flag["default"], flag["pipeline_default"]) == ("host", "generic"), flag
    else:
        assert flag["default"] == flag["pipeline_default"], (name, flag)
codes = [s["code"] for s in listing["status_codes"]]
assert codes == list(range(len(codes))), codes
print("ok")
