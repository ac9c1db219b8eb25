"""`python3 -m fff_mlir ...`: compile a checkpoint to a library + header, run
it on a .npy file, evaluate MNIST models on IDX files, the main job; and
the errors each command reports (exit code 1, one 'error:' line, no
traceback)."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import require_fixture, require_torch
from fff_mlir import load_layer
from fff_mlir.paths import build_dir

PYTHON_DIR = Path(__file__).resolve().parents[1]
MNIST = [("lb_l8_d1", 9346), ("lb_l2_d3", 9100), ("ml_l4_d2", 9473), ("ml_l8_d4", 9510)]


def cli(*args, cwd=None, ok=True):
    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR), FFF_BUILD_DIR=str(build_dir()))
    proc = subprocess.run([sys.executable, "-m", "fff_mlir", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, env=env)
    if ok:
        assert proc.returncode == 0, proc.stderr
    else:
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr and proc.stderr.startswith("error: "), proc.stderr
    return proc


@pytest.mark.parametrize("model,correct", MNIST)
def test_compile_then_eval_each_mnist_fixture(model, correct, tmp_path):
    mnist = require_fixture("mnist")
    require_torch()
    out = cli("compile", mnist / "models" / f"{model}.pt", "-o", tmp_path / f"lib{model}.so").stdout
    assert f"lib{model}.so and " in out and "C entry point: fff_layer" in out
    assert "int32_t fff_layer(const float *x, int64_t x_dim0, float *result);" in \
        (tmp_path / f"lib{model}.h").read_text()
    out = cli("eval-mnist", tmp_path / f"lib{model}.so", "--images", mnist / "t10k-images-idx3-ubyte.gz",
              "--labels", mnist / "t10k-labels-idx1-ubyte.gz").stdout
    assert f"lib{model}.so: {correct} of 10000 correct (accuracy {correct / 10000:.4f})" in out


def test_eval_mnist_from_a_checkpoint_with_weights_at_run_time(tmp_path):
    mnist = require_fixture("mnist")
    require_torch()
    ckpt = mnist / "models" / "ml_l8_d4.pt"
    out = cli("eval-mnist", ckpt, "--no-fuse", "--workdir", tmp_path).stdout
    assert "ml_l8_d4.pt: 9510 of 10000 correct" in out
    cli("compile", ckpt, "-o", tmp_path / "libargs.so", "--weights=arguments")
    assert "const float *magic_w1" in (tmp_path / "libargs.h").read_text()
    out = cli("eval-mnist", tmp_path / "libargs.so", "--checkpoint", ckpt).stdout
    assert "9510 of 10000 correct" in out
    err = cli("eval-mnist", tmp_path / "libargs.so", ok=False).stderr
    assert "libargs.so takes its weights at run time (compiled with --weights=arguments): pass --checkpoint" in err


def test_whole_ultrafastbert_checkpoint_layer_compiles_and_runs(tmp_path):
    torch = require_torch()
    rng = np.random.default_rng(5)
    sd = {"embeddings.word_embeddings.weight": rng.standard_normal((50, 24))}
    for i in range(3):
        p = f"encoder.layers.{i}.ffn."
        sd[p + "linear_in.weight"] = rng.standard_normal((31, 24)) / 5
        sd[p + "linear_in.bias"] = rng.standard_normal(31) / 10
        sd[p + "linear_out.weight"] = rng.standard_normal((24, 31))
    torch.save({k: torch.tensor(v, dtype=torch.float32) for k, v in sd.items()}, tmp_path / "bert.bin")
    out = cli("compile", tmp_path / "bert.bin", "--layer", 2, "-o", tmp_path / "libffn2.so").stdout
    assert "path-neuron 24 -> 24, 1 trees of depth 4, gelu, tie gt" in out
    x = rng.standard_normal((40, 24))
    np.save(tmp_path / "x.npy", x)  # float64: the CLI converts files to float32
    cli("run", tmp_path / "libffn2.so", tmp_path / "x.npy", "-o", tmp_path / "y.npy")
    layer = load_layer(tmp_path / "bert.bin", layer=2)
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), layer.reference(x.astype(np.float32)),
                               rtol=1e-5, atol=1e-5)
    out = cli("run", tmp_path / "libffn2.so", tmp_path / "x.npy").stdout
    assert "40 rows in" in out and "output (40, 24)" in out
    err = cli("compile", tmp_path / "bert.bin", "-o", tmp_path / "l.so", ok=False).stderr
    assert "several FFF layers found" in err and "pick one with layer=" in err


def test_cli_errors(tmp_path):
    layer_sd = {"linear_in.weight": np.ones((3, 4), np.float32), "linear_in.bias": np.ones(3, np.float32),
                "linear_out.weight": np.ones((2, 3), np.float32)}
    np.savez(tmp_path / "m.npz", **layer_sd)
    assert "no such checkpoint" in cli("compile", tmp_path / "none.pt", "-o", tmp_path / "l.so", ok=False).stderr
    bad = dict(layer_sd)
    del bad["linear_in.bias"]
    np.savez(tmp_path / "bad.npz", **bad)
    assert "missing tensor 'linear_in.bias'" in cli("compile", tmp_path / "bad.npz", "-o", tmp_path / "l.so",
                                                    ok=False).stderr
    err = cli("compile", tmp_path / "m.npz", "-o", tmp_path / "l.so", "--family", "leaf_mlp", ok=False).stderr
    assert "unsupported checkpoint: no leaf_mlp layer found" in err
    err = cli("compile", tmp_path / "m.npz", "-o", tmp_path / "l.so", "--vector-width", "100", ok=False).stderr
    assert "vector-width must be in [0, 64], got 100" in err
    cli("compile", tmp_path / "m.npz", "-o", tmp_path / "libm.so")
    np.save(tmp_path / "ints.npy", np.ones((2, 4), np.int32))
    np.save(tmp_path / "wide.npy", np.ones((2, 5), np.float32))
    (tmp_path / "junk.npy").write_bytes(b"not numpy")
    assert "expected a floating-point array, got dtype int32" in cli("run", tmp_path / "libm.so",
                                                                     tmp_path / "ints.npy", ok=False).stderr
    assert "expected rows of shape (batch, 4), got (2, 5)" in cli("run", tmp_path / "libm.so",
                                                                 tmp_path / "wide.npy", ok=False).stderr
    assert "junk.npy" in cli("run", tmp_path / "libm.so", tmp_path / "junk.npy", ok=False).stderr
    assert "no such input file" in cli("run", tmp_path / "libm.so", tmp_path / "no.npy", ok=False).stderr
    (tmp_path / "libm.json").unlink()
    assert "the description fff-compile wrote next to libm.so is missing" in cli(
        "run", tmp_path / "libm.so", tmp_path / "wide.npy", ok=False).stderr
    assert "no such IDX file" in cli("eval-mnist", tmp_path / "m.npz", "--images", tmp_path / "none.gz",
                                     ok=False).stderr


def test_main_job(tmp_path):
    """The README's first command after set-up: it must pass, print its table, and
    reproduce the MNIST accuracies when the fixtures are there (always under CI)."""
    proc = cli("main")
    out = proc.stdout
    assert "main job ok" in out
    assert "| UltraFastBERT-1x11 | 1 | ok |" in out and "| UltraFastBERT-1x11 | 1024 | ok |" in out
    assert "kernel" in out and "1 thread" in out
    if (Path(require_fixture("mnist")) / "models").is_dir():
        for model, correct in MNIST:
            assert f"| MNIST {model} | 10000 | {correct}/10000 ok |" in out
