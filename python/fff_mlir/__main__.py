"""Command line of fff_mlir.

  python3 -m fff_mlir demo       fff-opt and the reference on the shipped examples
  python3 -m fff_mlir examples   rewrite examples/*.mlir from their seeds
  python3 -m fff_mlir walkthrough  rewrite docs/walkthrough.md from fff-opt's output
"""
from __future__ import annotations

import argparse
import sys

from . import demo


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m fff_mlir", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="parse, verify and canonicalize the shipped example layers "
                                "with fff-opt and run the numpy reference on them")
    sub.add_parser("examples", help="regenerate examples/*.mlir from their seeds")
    sub.add_parser("walkthrough", help="regenerate docs/walkthrough.md (one layer, stage by stage)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo.run_demo()
    if args.command == "walkthrough":
        from . import walkthrough
        walkthrough.write()
        return 0
    return demo.write_examples()


if __name__ == "__main__":
    sys.exit(main())
