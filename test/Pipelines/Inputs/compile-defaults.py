"""Reads `fff-compile --list-json` on stdin and prints fff-cpu-pipeline's
options set to fff-compile's defaults, with the pipeline's own target-cpu
(fff-compile's is the host)."""
import json
import sys

flags = json.load(sys.stdin)["flags"]
options = []
for name, flag in flags.items():
    if flag.get("pipeline") != "fff-cpu-pipeline" or name == "target-cpu":
        continue
    value = flag["default"]
    if isinstance(value, bool):
        value = str(value).lower()
    if value != "":
        options.append(f"{flag['pipeline_option']}={value}")
print(" ".join(options))
