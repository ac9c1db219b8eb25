"""The references in docs/generated are what the build generates from the
committed ODS files (the build writes its own copies to <build>/docs/generated
and never touches the source tree), and docs/walkthrough.md is what the passes
emit."""
import re
import subprocess

import pytest

from fff_mlir.paths import REPO_ROOT, build_dir

GENERATED = "docs/generated/FFFDialect.md"
REFRESH = "run `cmake --build build --target fff-update-docs` and commit docs/generated/"
# The committed references (docs/CMakeLists.txt lists what the build generates).
REFERENCES = sorted(p.relative_to(REPO_ROOT).as_posix()
                    for p in (REPO_ROOT / "docs" / "generated").glob("*.md"))


def test_generated_references_are_current():
    built_dir = build_dir() / "docs" / "generated"
    if not built_dir.is_dir():
        pytest.fail(f"{built_dir} is missing: build first (scripts/setup.sh)")
    built = sorted(p.name for p in built_dir.glob("*.md"))
    assert built == [p.rsplit("/", 1)[1] for p in REFERENCES], \
        f"docs/generated/ does not hold what the build generates ({built}): {REFRESH}"
    for name in built:
        assert (built_dir / name).read_text() == (REPO_ROOT / "docs/generated" / name).read_text(), \
            f"docs/generated/{name} is stale: {REFRESH}"


def test_walkthrough_is_current():
    from fff_mlir.jobs import walkthrough
    committed = (REPO_ROOT / "docs/walkthrough.md").read_text()
    assert walkthrough.render() == committed, "run `python3 -m fff_mlir walkthrough` and commit docs/walkthrough.md"


def declared_passes():
    """Every pass the .td files declare (the one list of them)."""
    names = []
    for td in sorted((REPO_ROOT / "include").rglob("Passes.td")):
        names += re.findall(r'Pass<"([\w-]+)"', td.read_text())
    return names


def test_every_pass_is_documented():
    names = declared_passes()
    assert {"fff-expand-layers", "convert-fff-to-gpu"} <= set(names)
    text = "".join((REPO_ROOT / p).read_text() for p in REFERENCES if "Passes" in p)
    passes_md = (REPO_ROOT / "docs/passes.md").read_text()
    for name in names:
        assert f"`-{name}`" in text, f"{name} missing from the generated pass reference"
        assert f"`{name}`" in passes_md, f"{name} missing from docs/passes.md"
    for name in ("fff-cpu-pipeline", "fff-gpu-pipeline"):
        assert name in passes_md


def test_reference_documents_every_op_with_an_example():
    text = (REPO_ROOT / GENERATED).read_text()
    for op in ("fff.route", "fff.route_path", "fff.cmm", "fff.leaf_mlp", "fff.path_neuron"):
        section = text.split(f"### `{op}`", 1)
        assert len(section) == 2, f"{op} missing from {GENERATED}"
        body = section[1].split("\n### ", 1)[0]
        assert "```mlir" in body and f"= {op} " in body, f"{op} has no example"


def _blocks(text, language):
    return [b.split("```", 1)[0] for b in text.split(f"```{language}\n")[1:]]


def test_user_guide_commands_run(tmp_path):
    """Every `sh` and `python` block of docs/user-guide.md runs, in order, from
    the repository root (build/ stands for the build directory)."""
    import os
    import sys
    from conftest import require_fixture, require_torch
    require_fixture("mnist")
    require_torch()
    text = (REPO_ROOT / "docs/user-guide.md").read_text()
    shell, python = _blocks(text, "sh"), _blocks(text, "python")
    assert len(shell) >= 7 and len(python) == 4
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT / "python"), FFF_BUILD_DIR=str(build_dir()))
    script = "set -euo pipefail\n" + "\n".join(shell).replace("build/bin/", f"{build_dir()}/bin/")
    proc = subprocess.run(["bash", "-c", script], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "libmnist.so: 9510 of 10000 correct" in proc.stdout
    assert "int32_t fff_layer(const float *x, int64_t x_dim0, float *result);" in proc.stdout
    assert "max relative difference to plain C" in proc.stdout and "\nok\n" in proc.stdout
    assert proc.stdout.rstrip().endswith("\n1"), "the GPU header states device pointers once"
    proc = subprocess.run([sys.executable, "-c", python[0]], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "func.func @layer(%x: tensor<?x784xf32>" in proc.stdout and "max error" in proc.stdout
    proc = subprocess.run([sys.executable, "-c", python[1]], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "(5, 10) True True\n"
    proc = subprocess.run([sys.executable, "-c", python[2]], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "True\n"  # the compiled encoder matches PyTorch
    proc = subprocess.run([sys.executable, "-c", python[3]], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("True .so\n")


def test_user_guide_lists_every_fff_compile_option():
    """The guide's option table names every option `fff-compile --help` shows."""
    import re
    help_text = subprocess.run([str(build_dir() / "bin/fff-compile"), "--help"],
                               capture_output=True, text=True).stdout
    options = set(re.findall(r"^\s+(-{1,2}[\w-]+)", help_text.split("fff-compile options:")[1], re.M))
    guide = (REPO_ROOT / "docs/user-guide.md").read_text()
    assert len(options) >= 14
    missing = [o for o in options if f"`{o}" not in guide and f", {o}" not in guide and o != "-O"]
    assert not missing, f"options missing from docs/user-guide.md: {missing}"
    assert "`-O0..3`" in guide
