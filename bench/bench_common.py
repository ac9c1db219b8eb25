"""What the benchmarks share: the layer shapes, the weights file and command
line of fff-bench (bench/fff_bench.cpp), and PyTorch's FFF-by-gather.

bench/run.py, bench/call_overhead.py and bench/gpu/run.py import it with
bench/ on the module path (scripts/bench.sh sets PYTHONPATH).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fff_mlir import LeafMLP, MasterLeaf
from fff_mlir.jobs.examples import ultrafastbert_layer
from fff_mlir.mlir_text import layer_weights
from fff_mlir.paths import tool

BATCHES = (1, 16, 128, 1024, 16384)


@dataclass
class Shape:
    name: str
    family: str  # path_neuron | leaf_mlp
    d_in: int
    d_out: int
    depth: int
    trees: int = 1
    leaf_width: int = 0
    master: int = 0
    batches: tuple = BATCHES

    def layer(self, seed: int = 1):
        if self.family == "path_neuron":
            layer = ultrafastbert_layer(seed, self.trees, self.depth, self.d_in)
            if self.d_out != self.d_in:
                raise ValueError("path-neuron shapes here are square")
            return layer
        rng = np.random.default_rng(seed)
        n, w = 2 ** self.depth, self.leaf_width

        def normal(*s, fan_in=1):
            return (rng.standard_normal(s) / np.sqrt(fan_in)).astype(np.float32)
        master = None
        if self.master:
            m = self.master
            master = MasterLeaf(normal(self.d_in, m, fan_in=self.d_in), normal(m) / 10,
                                normal(m, self.d_out, fan_in=m), normal(self.d_out) / 10, k=0.5)
        return LeafMLP(normal(n - 1, self.d_in, fan_in=self.d_in), normal(n - 1) / 10,
                       normal(n, self.d_in, w, fan_in=self.d_in), normal(n, w) / 10,
                       normal(n, w, self.d_out, fan_in=w), normal(n, self.d_out) / 10,
                       master, activation="relu", tie="ge")

    def fff_flops(self) -> float:
        """Multiply-adds x 2 per row of the conditional computation."""
        if self.family == "path_neuron":
            return self.trees * (self.depth + 1) * 2 * (self.d_in + self.d_out)
        leaf = 2 * self.depth * self.d_in + 2 * self.leaf_width * (self.d_in + self.d_out)
        return leaf + 2 * self.master * (self.d_in + self.d_out)

    def dense_hidden(self) -> int:
        if self.family == "path_neuron":
            return self.trees * (2 ** (self.depth + 1) - 1)
        return 2 ** self.depth * self.leaf_width + self.master

    def dense_flops(self) -> float:
        return 2 * self.dense_hidden() * (self.d_in + self.d_out)

    def fff_bytes(self) -> float:
        """Bytes of weights and activations one row touches."""
        return 4 * (self.fff_flops() / 2 + self.d_in + self.d_out)

    def dense_bytes(self, batch: int) -> float:
        return 4 * (self.dense_flops() / 2 / batch + self.d_in + self.d_out + self.dense_hidden())


SHAPES = [
    Shape("UltraFastBERT-1x11", "path_neuron", 768, 768, 11, trees=1),
    Shape("UltraFastBERT-4x9", "path_neuron", 768, 768, 9, trees=4),
    Shape("UltraFastBERT-16x7", "path_neuron", 768, 768, 7, trees=16),
    Shape("vision leaf-MLP l8 d10", "leaf_mlp", 768, 768, 10, leaf_width=8),
    Shape("vision leaf-MLP l16 d9", "leaf_mlp", 768, 768, 9, leaf_width=16),
    Shape("vision leaf-MLP l32 d8", "leaf_mlp", 768, 768, 8, leaf_width=32),
    Shape("MNIST lb_l8_d1", "leaf_mlp", 784, 10, 1, leaf_width=8),
    Shape("MNIST lb_l2_d3", "leaf_mlp", 784, 10, 3, leaf_width=2),
    Shape("MNIST ml_l4_d2", "leaf_mlp", 784, 10, 2, leaf_width=4, master=8),
    Shape("MNIST ml_l8_d4", "leaf_mlp", 784, 10, 4, leaf_width=8, master=8),
]
QUICK = [Shape("quick path-neuron 64 d4", "path_neuron", 64, 64, 4, batches=(1, 16)),
         Shape("quick leaf-MLP 32 d3", "leaf_mlp", 32, 8, 3, leaf_width=4, master=4, batches=(1, 16))]


def write_weights(layer, path: Path) -> Path:
    """The layer's weights as float32 arrays back to back, in operand order
    (what fff-bench and fff-gpu-bench read)."""
    ins, master = layer_weights(layer)
    with open(path, "wb") as f:
        for _, a in ins + master:
            f.write(np.ascontiguousarray(a, dtype="<f4").tobytes())
    return path


def fff_bench_command(shape: Shape, layer, weights: Path, min_time: float) -> list:
    """fff-bench's arguments for `shape` (add --batches and the --impl flags)."""
    return [str(tool("fff-bench")), "--family", shape.family,
            "--d-in", str(shape.d_in), "--d-out", str(shape.d_out), "--depth", str(shape.depth),
            "--trees", str(shape.trees), "--leaf-width", str(shape.leaf_width),
            "--master", str(shape.master), "--act", layer.activation, "--tie", layer.tie,
            "--weights", str(weights), "--min-time", str(min_time)]


def torch_path_neuron_by_gather(torch, layer, shape: Shape, device: str = "cpu"):
    """PyTorch's FFF-by-gather for a path-neuron layer: per tree and level,
    each row gathers its node's weight rows (bench/run.py on the CPU, bench/gpu/run.py on the GPU)."""
    w_in = torch.from_numpy(layer.w_in).to(device)
    b_in = torch.from_numpy(layer.b_in).to(device)
    w_out_rows = torch.from_numpy(np.ascontiguousarray(layer.w_out.T)).to(device)
    per_tree = 2 ** (shape.depth + 1) - 1

    def fff(x):
        y = torch.zeros(x.shape[0], shape.d_out, device=device)
        for t in range(shape.trees):
            n = torch.zeros(x.shape[0], dtype=torch.long, device=device)
            for _ in range(shape.depth + 1):
                node = t * per_tree + n
                z = (x * w_in[node]).sum(1) + b_in[node]
                y += torch.nn.functional.gelu(z)[:, None] * w_out_rows[node]
                n = 2 * n + 1 + (z > 0).long()
        return y
    return fff
