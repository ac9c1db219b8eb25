#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpus: every `// -----` chunk of the lit
tests' and examples' .mlir files, without their RUN/CHECK comments, one
file per distinct chunk (named by its hash, so reruns are stable).

    make_corpus.py <fff-mlir source root> <output dir> [--max-bytes N]
"""
import argparse
import hashlib
import pathlib
import re

COMMENT = re.compile(r"^\s*//.*$", re.M)


def chunks(root: pathlib.Path):
    for folder in ("test", "examples"):
        for path in sorted((root / folder).rglob("*.mlir")):
            for chunk in re.split(r"^// -----\s*$", path.read_text(errors="replace"), flags=re.M):
                chunk = COMMENT.sub("", chunk).strip()
                if chunk:
                    yield chunk + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=pathlib.Path)
    parser.add_argument("output", type=pathlib.Path)
    parser.add_argument("--max-bytes", type=int, default=16384,
                        help="leave out chunks longer than this (the fuzzers' -max_len)")
    args = parser.parse_args()
    args.output.mkdir(parents=True, exist_ok=True)
    written = 0
    for chunk in chunks(args.root):
        data = chunk.encode()
        if len(data) > args.max_bytes:
            continue
        name = args.output / hashlib.sha1(data).hexdigest()
        if not name.exists():
            name.write_bytes(data)
            written += 1
    if written == 0 and not any(args.output.iterdir()):
        raise SystemExit(f"no .mlir chunks under {args.root}/test or /examples")
    print(f"{written} seed inputs in {args.output}")


if __name__ == "__main__":
    main()
