"""The checkpoint importer on byte-mutated files: a seeded fuzzer (byte
flips, truncations, insertions, 2^62-sized integers written over headers) of
a valid leaf-MLP checkpoint in both formats. Every mutant either loads into
a layer that runs, or raises CheckpointError naming the file; anything else
(NotImplementedError from zipfile, MemoryError from a huge shape, ...) is a
failure, and the mutant is kept in the test's folder to reproduce it."""
import numpy as np
import pytest

from conftest import require_torch
from fff_mlir import CheckpointError, load_layer, load_state_dict

MUTANTS = 1500  # per format; about 5 s each


def _state_dict():
    rng = np.random.default_rng(1)
    n, d, w, o = 4, 6, 3, 4
    shapes = {"node_weights": (n - 1, d), "node_biases": (n - 1, 1), "w1s": (n, d, w),
              "b1s": (n, w), "w2s": (n, w, o), "b2s": (n, o)}
    return {k: rng.standard_normal(s).astype(np.float32) for k, s in shapes.items()}


def _mutate(data: bytes, rng) -> bytes:
    b = bytearray(data)
    for _ in range(rng.integers(1, 6)):
        op = rng.integers(0, 4)
        if op == 0 and b:
            b[rng.integers(len(b))] = int(rng.integers(256))
        elif op == 1:
            b = b[:rng.integers(len(b) + 1)]
        elif op == 2:
            i = rng.integers(len(b) + 1)
            b[i:i] = rng.bytes(int(rng.integers(1, 16)))
        elif op == 3 and b:
            i = rng.integers(len(b))
            b[i:i + 8] = (2**62 + int(rng.integers(1000))).to_bytes(8, "little")
    return bytes(b)


@pytest.mark.parametrize("fmt", ["npz", "pt"])
def test_mutated_checkpoints_load_or_raise_checkpoint_error(fmt, tmp_path):
    sd = _state_dict()
    base = tmp_path / f"base.{fmt}"
    if fmt == "npz":
        np.savez(base, **sd)
    else:
        torch = require_torch()
        torch.save({k: torch.from_numpy(v) for k, v in sd.items()}, base)
    data = base.read_bytes()
    rng = np.random.default_rng([20261204, len(fmt)])
    loaded = 0
    for i in range(MUTANTS):
        path = tmp_path / f"mutant{i}.{fmt}"
        path.write_bytes(_mutate(data, rng))
        try:
            layer = load_layer(load_state_dict(path))
        except CheckpointError as e:
            assert str(path) in str(e) or "expected" in str(e) or "missing" in str(e), e
            path.unlink()
            continue
        except Exception as e:
            raise AssertionError(f"{path}: {type(e).__name__}: {e}") from e
        out = layer.forward(np.zeros((2, layer.d_in), np.float32))
        assert out.shape == (2, layer.d_out)
        loaded += 1
        path.unlink()
    # Some mutants only touch data bytes and still load: the loop saw both outcomes.
    assert 0 < loaded < MUTANTS
