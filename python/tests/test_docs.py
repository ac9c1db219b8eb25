"""The dialect reference in docs/generated is what the build generates from
the ODS files that are committed (the build rewrites it; a stale copy shows
up here as an uncommitted change)."""
import shutil
import subprocess

import pytest

from fff_mlir.paths import REPO_ROOT, build_dir

GENERATED = "docs/generated/FFFDialect.md"


def test_generated_dialect_reference_is_committed():
    if shutil.which("git") is None or not (REPO_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    built = build_dir() / "docs/Dialects/FFFDialect.md"
    if built.is_file():
        assert built.read_text() == (REPO_ROOT / GENERATED).read_text(), "rebuild to refresh docs/"
    diff = subprocess.run(["git", "diff", "--stat", "HEAD", "--", GENERATED],
                          cwd=REPO_ROOT, capture_output=True, text=True)
    assert diff.returncode == 0 and diff.stdout == "", \
        f"{GENERATED} differs from the committed copy: commit it with the .td change\n{diff.stdout}"


def test_reference_documents_every_op_with_an_example():
    text = (REPO_ROOT / GENERATED).read_text()
    for op in ("fff.route", "fff.route_path", "fff.cmm", "fff.leaf_mlp", "fff.path_neuron"):
        section = text.split(f"### `{op}`", 1)
        assert len(section) == 2, f"{op} missing from {GENERATED}"
        body = section[1].split("\n### ", 1)[0]
        assert "```mlir" in body and f"= {op} " in body, f"{op} has no example"
