"""Prints the MLIR that fff_mlir.torch_import writes for a model named on
the command line (test/Python/import-torch.test checks it)."""
import importlib.util
import sys
from pathlib import Path

import torch

root = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(root / "python"))
from fff_mlir.torch_import import TorchImportError, trace_module  # noqa: E402


def encoder():
    spec = importlib.util.spec_from_file_location("encoder", root / "examples/torch/ultrafastbert_encoder.py")
    enc = importlib.util.module_from_spec(spec)
    sys.modules["encoder"] = enc
    spec.loader.exec_module(enc)
    c = enc.Config(layers=1, hidden=8, heads=2, vocab=10, max_sequence=6, depth=1)
    return enc.build(c), enc.example_inputs(c, 1, 3), [("batch", "sequence")] * 2


class Pool(torch.nn.Module):
    """Mean pooling over the tokens and a slice of the features: two results."""

    def forward(self, x):
        return {"mean": x.mean(dim=1), "head": x[..., :2]}


class Cat(torch.nn.Module):
    def forward(self, x):
        return torch.cat([x, x], dim=1)


models = {
    "encoder": encoder,
    "pool": lambda: (Pool(), (torch.zeros(2, 3, 4),), None),
    "cat": lambda: (Cat(), (torch.zeros(2, 4),), None),
}

model, inputs, sizes = models[sys.argv[1]]()
try:
    print(trace_module(model.eval(), inputs, sizes=sizes,
                       weights="arguments" if sys.argv[1] == "encoder" else "constants").text)
except TorchImportError as e:
    print(f"error: {e}", file=sys.stderr)
    sys.exit(1)
