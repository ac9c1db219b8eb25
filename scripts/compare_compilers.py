#!/usr/bin/env python3
"""Checks that two builds of fff-mlir (e.g. GCC's and clang's) emit the same
bytes on every test input.

The IR a pass emits must not depend on the compiler that built it. This runs
each input through both builds' fff-opt and fff-compile (the first build
twice, so that output that varies from run to run is told apart) and compares
stdout, stderr and exit status byte for byte:

- every lit RUN line whose first command is fff-opt or fff-compile writing to
  stdout (the part before the first pipe);
- every .mlir file of test/ and examples/ through each pipeline variant;
- random layers of both families (python/tests/random_layers.py), through
  each pipeline variant and fff-compile --emit=mlir.

  scripts/compare_compilers.py BUILD_A BUILD_B [--junit FILE]
Prints one line per difference and ends with 'N passed, N failed'.
"""

import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ("fff-opt", "fff-compile")
# Pipeline variants run on every input; each covers different lowerings.
VARIANTS = [
    ["fff-opt", "--split-input-file", "--fff-cpu-pipeline"],
    ["fff-opt", "--split-input-file", "--fff-cpu-pipeline=fuse=false vector-width=0"],
    ["fff-opt", "--split-input-file",
     "--fff-cpu-pipeline=group-rows=3 group-min-batch=0 group-tile-rows=5"],
    ["fff-opt", "--split-input-file", "--fff-cpu-pipeline=interleave=4 openmp=true"],
    ["fff-opt", "--split-input-file", "--fff-gpu-pipeline"],
]
COMPILE = [["fff-compile", "--emit=mlir", "--target-cpu=x86-64"],
           ["fff-compile", "--emit=mlir", "--target=cuda"],
           ["fff-compile", "--emit=header"]]


def run_lines(path: Path):
    """The RUN lines of a lit test, continuations joined."""
    lines, cur = [], ""
    for line in path.read_text(errors="replace").splitlines():
        m = re.search(r"RUN:(.*)$", line)
        if not m:
            continue
        part = m.group(1).strip()
        if part.endswith("\\"):
            cur += part[:-1] + " "
            continue
        lines.append(cur + part)
        cur = ""
    return lines


def first_command(line: str):
    """The tool invocation before the first pipe, if it writes to stdout."""
    head = line.split("|")[0].strip()
    if "&&" in head or ";" in head or ">" in head:
        return None
    words = shlex.split(head)
    while words and words[0] == "not":
        words = words[1:]
    if not words or words[0] not in TOOLS:
        return None
    if any(w == "-o" or w.startswith("-o") and w != "-o-" for w in words[1:]):
        return None
    return words


def substitute(words, path: Path, tmp: str):
    subs = {"%s": str(path), "%S": str(path.parent), "%p": str(path.parent),
            "%t": tmp, "%fff_src_root": str(ROOT)}
    out = []
    for w in words:
        for k in sorted(subs, key=len, reverse=True):
            w = w.replace(k, subs[k])
        out.append(w)
    return out


def cases(tmp: str):
    """(name, argv, input file) for every comparison."""
    files = sorted(p for d in ("test", "examples") for p in (ROOT / d).rglob("*")
                   if p.suffix in (".mlir", ".test") and "Inputs" not in p.parts)
    for f in files:
        for i, line in enumerate(run_lines(f)):
            words = first_command(line)
            if words:
                yield f"{f.relative_to(ROOT)} RUN#{i}", substitute(words, f, tmp), None
    for f in files:
        if f.suffix != ".mlir":
            continue
        for argv in VARIANTS:
            yield f"{f.relative_to(ROOT)} {' '.join(argv[2:])}", argv + [str(f)], None
    for name, text in random_layers():
        f = Path(tmp) / f"{name}.mlir"
        f.write_text(text)
        for argv in VARIANTS + COMPILE:
            yield f"{name} {' '.join(argv[1:])}", argv + [str(f)], None


def random_layers():
    """A spread of random layers: odd widths, depths 0-4, several trees."""
    sys.path.insert(0, str(ROOT / "python"))
    sys.path.insert(0, str(ROOT / "python" / "tests"))
    import numpy as np
    from random_layers import random_leaf_mlp, random_path_neuron
    rng = np.random.default_rng(7)
    for depth in range(5):
        for master in (False, True):
            layer = random_leaf_mlp(rng, depth, master=master)
            yield f"leaf_d{depth}_m{int(master)}", layer.to_mlir()
        for trees in (1, 3):
            layer = random_path_neuron(rng, trees, depth)
            yield f"path_t{trees}_d{depth}", layer.to_mlir()


def run(build: Path, argv, cwd: str):
    exe = str(build / "bin" / argv[0])
    p = subprocess.run([exe] + argv[1:], cwd=cwd, capture_output=True,
                       timeout=300, stdin=subprocess.DEVNULL)
    return p.returncode, normalize(p.stdout, build), normalize(p.stderr, build)


def normalize(text: bytes, build: Path) -> bytes:
    """Drops what is not IR: the build's own path in messages, and the time
    upstream's gpu-module-to-binary took (a property of each gpu.object)."""
    text = text.replace(str(build).encode(), b"<build>")
    return re.sub(rb"(\w+TimeInMs) = \d+", rb"\1 = _", text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build_a", type=Path)
    ap.add_argument("build_b", type=Path)
    ap.add_argument("--junit", type=Path)
    args = ap.parse_args()
    args.build_a, args.build_b = args.build_a.resolve(), args.build_b.resolve()
    passed, failed, report = 0, 0, []
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "t"), exist_ok=True)
        for name, argv, _ in cases(tmp):
            a = run(args.build_a, argv, tmp)
            again = run(args.build_a, argv, tmp)
            b = run(args.build_b, argv, tmp)
            ok = a == b == again
            passed += ok
            failed += not ok
            if a != again:  # not the compiler's doing: the output varies
                print(f"VARIES FROM RUN TO RUN: {name}: {shlex.join(argv)}")
            elif not ok:
                what = [k for k, x, y in zip(("status", "stdout", "stderr"), a, b) if x != y]
                print(f"DIFFERS ({', '.join(what)}): {name}: {shlex.join(argv)}")
            report.append((name, ok))
    if args.junit:
        with open(args.junit, "w") as out:
            out.write(f'<testsuite name="compare-compilers" tests="{len(report)}" '
                      f'failures="{failed}">\n')
            for name, ok in report:
                out.write(f"  <testcase classname=\"compare-compilers\" name={quoteattr(name)}>")
                out.write("" if ok else "<failure message=\"outputs differ\"/>")
                out.write("</testcase>\n")
            out.write("</testsuite>\n")
    print(f"compare-compilers: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
