from pathlib import Path

from fff_mlir import fixtures_dir


def test_default_is_shared_next_to_repo(monkeypatch):
    monkeypatch.delenv("FFF_FIXTURES_DIR", raising=False)
    repo_root = Path(__file__).resolve().parents[2]
    assert fixtures_dir() == repo_root.parent / "shared" / "fixtures"


def test_env_var_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("FFF_FIXTURES_DIR", str(tmp_path))
    assert fixtures_dir() == tmp_path
