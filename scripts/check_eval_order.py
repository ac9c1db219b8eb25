#!/usr/bin/env python3
"""Finds calls that take two or more op-building expressions as arguments.

C++ leaves the order in which a call's arguments are evaluated unspecified
(GCC goes right to left, clang left to right), so `f(create(b, ...),
create(b, ...))` emits its two ops in an order that depends on the compiler
that built fff-mlir. Such calls must bind each op to a variable first.

An argument counts as op-building when it contains a call that takes a
builder and a location (`f(b, loc, ...)`, `f(nb, nl, ...)`), a
`::create(` or `.create<`, or a call of a helper that builds through a
builder held elsewhere: a lambda or member function of the same file whose
body builds ops. Lambdas passed as arguments are not evaluated at the call
and do not count. This is a heuristic over text; the byte-identical check of
GCC- and clang-built tools (scripts/compare_compilers.py) is the proof.

  scripts/check_eval_order.py [files...]
      (default: lib/, tools/, include/, test/lib/, unittests/)
Exits 1 and lists file:line for every call found.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILDER = r"(?:[a-z]{0,2}b\d?|\w*[Bb]uilder|\w*[Rr]ewriter)"
LOCATION = r"(?:\w*[lL]oc\w*|[a-z]{0,2}l\d?|[\w.>-]+getLoc\(\))"
DIRECT = re.compile(
    r"::create\s*\(|\.create\s*<"
    r"|\b\w+\s*\(\s*" + BUILDER + r"\s*,\s*" + LOCATION + r"\s*[,)]"
    r"|\beb\s*\.\s*\w+\s*\(")


def strip(text: str) -> str:
    """Blanks comments, strings and char literals, keeping line numbers."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (j - i - 1) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def matching(text: str, i: int) -> int:
    """Index of the bracket closing the one at i."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack = [pairs[text[i]]]
    j = i + 1
    while j < len(text) and stack:
        c = text[j]
        if c in pairs:
            stack.append(pairs[c])
        elif c in ")]}":
            stack.pop()
        j += 1
    return j - 1


def split_args(text: str, start: int, end: int):
    """Top-level comma-separated arguments of text[start:end]."""
    args, depth, last = [], 0, start
    for j in range(start, end):
        c = text[j]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            args.append((last, j))
            last = j + 1
    if text[last:end].strip():
        args.append((last, end))
    return args


def helper_names(text: str) -> set:
    """Lambdas and functions of this file whose bodies build ops, directly or
    through each other."""
    bodies = {}
    for m in re.finditer(r"\b(\w+)\s*=\s*\[[^\]]*\]\s*\(", text):
        body = text.find("{", m.end())
        if body >= 0:
            bodies.setdefault(m.group(1), []).append((body, matching(text, body)))
    for m in re.finditer(r"[\w>*&]\s+(\w+)\s*\(", text):
        close = matching(text, m.end() - 1)
        rest = text[close + 1:close + 40].lstrip()
        if rest.startswith(("{", "const {")):
            body = text.find("{", close)
            bodies.setdefault(m.group(1), []).append((body, matching(text, body)))
    names = set()
    while True:
        calls = re.compile(r"\b(?:" + "|".join(map(re.escape, names)) +
                           r")\s*\(") if names else None
        grown = {n for n, spans in bodies.items() if n not in names and any(
            DIRECT.search(text, s, e) or (calls and calls.search(text, s, e))
            for s, e in spans)}
        if not grown:
            return names
        names |= grown


def builds(text: str, start: int, end: int, helpers) -> bool:
    arg = text[start:end].strip()
    if arg.startswith("["):  # a lambda: runs later, not at the call
        return False
    if DIRECT.search(arg):
        return True
    return any(re.search(r"\b" + re.escape(h) + r"\s*\(", arg) for h in helpers)


def scan(path: Path):
    text = strip(path.read_text())
    helpers = helper_names(text)
    found = []
    for m in re.finditer(r"\b\w+\s*(?:<[^;{}()]*>)?\s*\(", text):
        open_ = m.end() - 1
        if text[m.start():open_].split("<")[0].strip() in (
                "if", "for", "while", "switch", "return", "sizeof"):
            continue
        close = matching(text, open_)
        args = split_args(text, open_ + 1, close)
        if sum(builds(text, s, e, helpers) for s, e in args) >= 2:
            found.append(text.count("\n", 0, m.start()) + 1)
    return found


def main(argv):
    files = [Path(a) for a in argv] or sorted(
        p for d in ("lib", "tools", "include", "test/lib", "unittests")
        for p in (ROOT / d).rglob("*") if p.suffix in (".cpp", ".h"))
    bad = 0
    for f in files:
        for line in scan(f):
            name = f.relative_to(ROOT) if f.is_relative_to(ROOT) else f
            print(f"{name}:{line}: "
                  "two op-building arguments in one call (unspecified order)")
            bad += 1
    print(f"check_eval_order: {bad} call(s) found in {len(files)} files")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
