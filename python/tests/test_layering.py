"""How the package's modules may import each other: the oracle imports no
other module of the package, and the API modules never import the jobs and
demos (fff_mlir/jobs/), which only the command line and users import."""
import ast
import subprocess
import sys

import pytest

from fff_mlir.paths import REPO_ROOT

PACKAGE = REPO_ROOT / "python" / "fff_mlir"
API_MODULES = sorted(p.name for p in PACKAGE.glob("*.py") if p.name != "__main__.py")


def imported_modules(path):
    """The fff_mlir modules that `path` imports, as paths relative to the package ('jobs.mnist')."""
    here = path.parent.relative_to(PACKAGE).parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(here[:len(here) - node.level + 1])
            elif node.module and node.module.split(".")[0] == "fff_mlir":
                base, node.module = [], node.module.partition(".")[2] or None
            else:
                continue
            parts = base + (node.module.split(".") if node.module else [])
            if node.module is None:
                found |= {".".join(parts + [a.name]) for a in node.names}
            else:
                found.add(".".join(parts))
        elif isinstance(node, ast.Import):
            found |= {a.name.partition(".")[2] for a in node.names if a.name.startswith("fff_mlir.")}
    return found


def test_the_oracle_imports_no_other_module_of_the_package():
    assert imported_modules(PACKAGE / "reference.py") == set()


def test_the_mlir_writer_depends_on_the_oracle_and_the_listing_only():
    # The listing holds fff-compile's one definition of the weight operand
    # names; it imports nothing of the package, so there is no cycle.
    assert imported_modules(PACKAGE / "mlir_text.py") == {"reference", "listing"}
    assert imported_modules(PACKAGE / "listing.py") <= {"paths"}


@pytest.mark.parametrize("name", API_MODULES)
def test_api_modules_never_import_the_jobs(name):
    jobs = {m for m in imported_modules(PACKAGE / name) if m == "jobs" or m.startswith("jobs.")}
    assert not jobs, f"{name} imports {sorted(jobs)}: the API must not depend on fff_mlir/jobs"


def test_importing_the_api_loads_no_job():
    code = "import sys, fff_mlir; print(sorted(m for m in sys.modules if m.startswith('fff_mlir.jobs')))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": str(PACKAGE.parent)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_layers_write_their_mlir_through_the_writer():
    import numpy as np
    from fff_mlir import to_mlir
    from fff_mlir.reference import PathNeuron
    layer = PathNeuron(np.ones((3, 2)), np.zeros(3), np.ones((2, 3)), trees=1, depth=1)
    assert layer.to_mlir("f", weights="arguments") == to_mlir(layer, "f", "arguments")
