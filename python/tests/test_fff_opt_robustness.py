"""fff-opt on mutated fff IR: every mutant is either accepted or rejected with
a diagnostic and exit code 1, never a crash, an abort or a hang; and every
mutant that verifies gets through every pass and pipeline (a lowering that
emits invalid IR for valid input fails here), unless a pass rejects it with
one of its own documented diagnostics. Mutations
change shapes, depths, attribute values, element types and operand lists of
the ops in the dialect's and the passes' lit tests, and each mutant runs
through canonicalization, every pass and all pipelines, so verifiers,
folders, patterns and lowerings all see malformed or unusual input."""
import random
import re
import subprocess

import pytest
from test_mlir_text import fff_opt

from fff_mlir.paths import REPO_ROOT

SOURCES = [REPO_ROOT / "test" / p for p in (
    "Dialect/FFF/ops.mlir", "Dialect/FFF/canonicalize.mlir", "Dialect/FFF/expand-layers.mlir",
    "Dialect/FFF/fuse-routing.mlir", "Conversion/FFFToLinalg/fff-to-linalg.mlir",
    "Conversion/FFFToGPU/fff-to-gpu.mlir")]
PIPELINES = [
    ["-canonicalize"],
    ["--fff-cpu-pipeline"],
    ["--fff-cpu-pipeline=fuse=false vector-width=0"],
    ["--fff-fuse-routing=vector-width=4 row-block=3", "-canonicalize"],
    ["--fff-expand-layers", "--convert-fff-to-linalg", "-canonicalize"],
    ["--fff-insert-shape-checks", "-canonicalize"],
    ["--convert-fff-to-gpu", "-canonicalize"],
    ["--fff-gpu-pipeline"],
    ["--convert-fff-to-gpu=emulate-on-host=true", "--fff-cpu-pipeline"],
]
NUMBERS = ["0", "1", "2", "3", "7", "11", "61", "62", "-1", "4096", "9223372036854775807"]
TYPES = ["f32", "f16", "bf16", "f64", "i0", "i1", "i8", "i32", "i64", "index"]
TOKEN = re.compile(r"\b(?:\d+|f16|bf16|f32|f64|i0|i1|i8|i32|i64|index)\b|%\w+|\?")


def functions():
    """Each func.func of the sources, comments dropped."""
    funcs = []
    for path in SOURCES:
        text = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("//"))
        funcs += re.findall(r"func\.func .*?\n}", text, re.S)
    return funcs


def mutate_type(func, rng):
    """Change one tensor type everywhere it occurs, so the mutant still parses
    and reaches the verifiers, folders and patterns."""
    types = sorted(set(re.findall(r"tensor<[^>]*>", func)))
    old = rng.choice(types)
    parts = old[len("tensor<"):-1].split("x")
    i = rng.randrange(len(parts))
    parts[i] = rng.choice(TYPES) if i == len(parts) - 1 else rng.choice(NUMBERS[:8] + ["?"])
    if rng.random() < 0.2:  # change the rank too
        parts.insert(rng.randrange(len(parts)), rng.choice(NUMBERS[:6]))
    return func.replace(old, "tensor<" + "x".join(parts) + ">")


def mutate_attribute(func, rng):
    """Change one depth, trees, tie or activation value."""
    attrs = list(re.finditer(r"\b(depth|trees|tie|activation) (\w+)", func))
    if not attrs:
        return func
    a = rng.choice(attrs)
    value = {"tie": ["ge", "gt", "lt"], "activation": ["relu", "gelu", "tanh", "identity"]}.get(
        a.group(1), NUMBERS)
    return func[:a.start(2)] + rng.choice(value) + func[a.end(2):]


def mutate_token(func, rng):
    """Replace or drop one token: mostly parse errors."""
    t = rng.choice(list(TOKEN.finditer(func)))
    word = t.group()
    if word[0].isdigit() or word == "?":
        new = rng.choice(NUMBERS + ["?"])
    elif word.startswith("%"):
        new = rng.choice(re.findall(r"%\w+", func) + [""])
    else:
        new = rng.choice(TYPES)
    return func[:t.start()] + new + func[t.end():]


def mutate_dynamic(func, rng):
    """Make every dimension of one tensor type dynamic (weights included)."""
    types = sorted(set(re.findall(r"tensor<[^>]*>", func)))
    old = rng.choice(types)
    parts = old[len("tensor<"):-1].split("x")
    return func.replace(old, "tensor<" + "x".join(["?"] * (len(parts) - 1) + parts[-1:]) + ">")


def mutate(func, rng):
    """`func` with 1-3 mutations."""
    for _ in range(rng.randint(1, 3)):
        func = rng.choices([mutate_type, mutate_attribute, mutate_token, mutate_dynamic],
                           [5, 3, 2, 2])[0](func, rng)
    return func


# Diagnostics a pass may legitimately give for IR that verifies.
ALLOWED_PASS_ERRORS = re.compile(
    r"index-bitwidth \d+ cannot hold this layer's indices"
    # The GPU target's documented limits (docs/passes.md).
    r"|has no GPU lowering: the GPU target compiles whole layers"
    r"|the GPU lowering supports f32 layers"
    r"|cannot be read by GPU kernels: pass the weights as function arguments"
    r"|would access device memory on the host")


def run_fff_opt(path, *flags):
    return subprocess.run([fff_opt(), str(path), "-split-input-file", *flags],
                          capture_output=True, text=True, timeout=300)


def valid_mutants(mutants, tmp_path):
    """The mutants that parse and verify (fff-opt prints an empty chunk for the others)."""
    path = tmp_path / "all.mlir"
    path.write_text("\n// -----\n".join(mutants))
    chunks = run_fff_opt(path).stdout.split("// -----")
    assert len(chunks) == len(mutants)
    return [m for m, out in zip(mutants, chunks) if out.strip()]


@pytest.mark.parametrize("pipeline", PIPELINES, ids=lambda p: " ".join(p))
@pytest.mark.parametrize("seed", range(3))
def test_mutants_never_crash_fff_opt(seed, pipeline, tmp_path):
    rng = random.Random(seed)
    funcs = functions()
    mutants = [mutate(rng.choice(funcs), rng) for _ in range(60)]
    # One file with a split per mutant: one fff-opt process checks them all.
    path = tmp_path / "mutants.mlir"
    path.write_text("\n// -----\n".join(mutants))
    result = run_fff_opt(path, *pipeline)
    assert result.returncode in (0, 1), result.stderr[-3000:]
    for marker in ("Stack dump", "LLVM ERROR", "Assertion", "PLEASE submit"):
        assert marker not in result.stderr, result.stderr[-3000:]

    # Valid input must lower: any error left is one a pass documents.
    valid = valid_mutants(mutants, tmp_path)
    assert len(valid) >= 5, "the mutator should leave some mutants valid"
    path.write_text("\n// -----\n".join(valid))
    result = run_fff_opt(path, *pipeline)
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    unexpected = [e for e in errors if not ALLOWED_PASS_ERRORS.search(e)]
    assert not unexpected, "\n".join(unexpected[:5]) + "\n" + result.stderr[-3000:]
