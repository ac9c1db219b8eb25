"""An UltraFastBERT-shaped encoder as a plain torch module, seeded weights.

The architecture follows crammed BERT with an FFF feedforward
(pbelcak/UltraFastBERT, training/cramming/architectures/crammed_bert.py and
config/arch/crammed-bert-fff.yaml): pre-LayerNorm (eps 1e-12, affine),
attention and output projections without biases, scaled-sinusoidal
positions, an embedding LayerNorm and a final norm, and UltraFastBERT's FFF
(`linear_in` with its bias, `linear_out` without) where BERT has its
feedforward block. The state_dict keys follow the published layout
(`encoder.layers.<i>.ffn.linear_in.weight`, ...). Two differences that do
not change the function: the layout is batch first ([B, S, H], where
crammed BERT transposes to [S, B, H] for its attention kernel), and the
attention is written out (softmax(q k^T / sqrt(d) + mask) v).

    model = build(Config(layers=16), seed=0)          # the 1x11 model
    hidden = model(input_ids, attention_mask)          # [B, S, 768]

`ffn="dense"` gives BERT itself (a 3072-wide GELU block) and
`ffn="gather"` the same FFF computed by gathering each row's path. Run as
a script it compiles a small model with fff_mlir and compares it with
PyTorch (scripts/main.sh runs that).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass(frozen=True)
class Config:
    layers: int = 16
    hidden: int = 768
    heads: int = 12
    vocab: int = 32768
    max_sequence: int = 128
    depth: int = 11          # FFF tree depth (UltraFastBERT-1x11: 4095 nodes)
    trees: int = 1           # `intermed_size` (parallel trees)
    intermediate: int = 3072  # the dense block's width (ffn="dense")
    eps: float = 1e-12
    ffn: str = "fff"         # "fff" (UltraFastBERT's masking forward), "gather" or "dense"


class FFF(nn.Module):
    """UltraFastBERT's FFF: `linear_in` holds every node's neuron (with a
    bias), `linear_out` their output weights. Its forward is the masking
    one its users run: all node logits, then a mask of each row's path."""

    def __init__(self, width: int, depth: int, trees: int = 1):
        super().__init__()
        self.input_width = self.output_width = width
        self.depth, self.parallel_size = depth, trees
        self.n_nodes = 2 ** (depth + 1) - 1
        self.linear_in = nn.Linear(width, trees * self.n_nodes, bias=True)
        self.linear_out = nn.Linear(trees * self.n_nodes, width, bias=False)
        self.activation = nn.GELU()

    def path_mask(self, logits):
        """1.0 on each row's path (ties go left: logit > 0 goes right)."""
        batch = logits.shape[0]
        decisions = (logits > 0).long().view(batch, self.parallel_size, self.n_nodes)
        node = torch.zeros(batch, self.parallel_size, dtype=torch.long)
        mask = torch.zeros(batch, self.parallel_size, self.n_nodes)
        mask.scatter_(2, node.unsqueeze(-1), 1.0)
        for _ in range(self.depth):
            node = 2 * node + 1 + torch.gather(decisions, 2, node.unsqueeze(2)).squeeze(2)
            mask.scatter_(2, node.unsqueeze(-1), 1.0)
        return mask

    def forward(self, x):
        rows = x.reshape(-1, self.input_width)
        logits = self.linear_in(rows)
        mask = self.path_mask(logits).flatten(1, 2)
        return self.linear_out(self.activation(logits) * mask).reshape_as(x)


class GatherFFF(FFF):
    """The same FFF computed by gathering each row's path nodes: depth+1
    dot products per tree, no dense pass over all nodes."""

    def forward(self, x):
        rows = x.reshape(-1, self.input_width)
        w_in, b_in = self.linear_in.weight, self.linear_in.bias
        w_out = self.linear_out.weight.T
        y = torch.zeros(rows.shape[0], self.output_width)
        for tree in range(self.parallel_size):
            node = torch.zeros(rows.shape[0], dtype=torch.long)
            for _ in range(self.depth + 1):
                index = tree * self.n_nodes + node
                z = (rows * w_in[index]).sum(1) + b_in[index]
                y = y + self.activation(z)[:, None] * w_out[index]
                node = 2 * node + 1 + (z > 0).long()
        return y.reshape_as(x)


class DenseFFN(nn.Module):
    """BERT's feedforward block (crammed BERT's FFNComponent)."""

    def __init__(self, width: int, intermediate: int):
        super().__init__()
        self.dense_in = nn.Linear(width, intermediate)
        self.nonlin = nn.GELU()
        self.dense_out = nn.Linear(intermediate, width)

    def forward(self, x):
        return self.dense_out(self.nonlin(self.dense_in(x)))


class ScaledSinusoidal(nn.Module):
    """Sinusoidal positions times a learned scale (cramming's ScaledSinosoidal)."""

    def __init__(self, width: int, max_sequence: int):
        super().__init__()
        position = torch.arange(max_sequence, dtype=torch.float32).unsqueeze(1)
        div = torch.exp(torch.arange(0, width, 2, dtype=torch.float32) * (-math.log(10000.0) / width))
        pe = torch.zeros(max_sequence, width)
        pe[:, 0::2] = torch.sin(position * div)
        pe[:, 1::2] = torch.cos(position * div)
        self.register_buffer("pe", pe.unsqueeze(0))
        self.scale_factor = nn.Parameter(torch.tensor([1.0 / width ** 0.5]))

    def forward(self, input_ids):
        return self.scale_factor * self.pe[:, :input_ids.shape[1], :]


class Embedding(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.word_embedding = nn.Embedding(c.vocab, c.hidden)
        self.pos_embedding = ScaledSinusoidal(c.hidden, c.max_sequence)
        self.dropout = nn.Dropout(0.1)
        self.norm = nn.LayerNorm(c.hidden, eps=c.eps)

    def forward(self, input_ids):
        embeds = self.word_embedding(input_ids) + self.pos_embedding(input_ids)
        return self.dropout(self.norm(embeds))


class SelfAttention(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.heads, self.head_width = c.heads, c.hidden // c.heads
        self.query_key_value = nn.Linear(c.hidden, 3 * c.hidden, bias=False)

    def forward(self, x, mask):
        batch, sequence = x.shape[0], x.shape[1]
        qkv = self.query_key_value(x).view(batch, sequence, 3, self.heads, self.head_width)
        qkv = qkv.permute(2, 0, 3, 1, 4)  # [3, B, heads, S, head_width]
        q, k, v = qkv[0], qkv[1], qkv[2]
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_width) + mask
        context = F.softmax(scores, dim=-1) @ v
        return context.transpose(1, 2).reshape(batch, sequence, self.heads * self.head_width)


class Attention(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.self_attention = SelfAttention(c)
        self.dense = nn.Linear(c.hidden, c.hidden, bias=False)

    def forward(self, x, mask):
        return self.dense(self.self_attention(x, mask))


class TransformerLayer(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.dropout = nn.Dropout(0.1)
        self.norm1 = nn.LayerNorm(c.hidden, eps=c.eps)
        self.norm2 = nn.LayerNorm(c.hidden, eps=c.eps)
        self.attn = Attention(c)
        if c.ffn == "dense":
            self.ffn = DenseFFN(c.hidden, c.intermediate)
        else:
            self.ffn = (GatherFFF if c.ffn == "gather" else FFF)(c.hidden, c.depth, c.trees)

    def forward(self, states, mask):
        states = states + self.dropout(self.attn(self.norm1(states), mask))
        return states + self.dropout(self.ffn(self.norm2(states)))


class Encoder(nn.Module):
    """crammed BERT's ScriptableLM: embedding, layers, final norm."""

    def __init__(self, c: Config):
        super().__init__()
        self.embedding = Embedding(c)
        self.layers = nn.ModuleList(TransformerLayer(c) for _ in range(c.layers))
        self.final_norm = nn.LayerNorm(c.hidden, eps=c.eps)

    def forward(self, input_ids, attention_mask):
        # get_extended_attention_mask: 0 where attended, -10000 where masked.
        mask = (1.0 - attention_mask[:, None, None, :]) * -10000.0
        states = self.embedding(input_ids)
        for layer in self.layers:
            states = layer(states, mask)
        return self.final_norm(states)


class Model(nn.Module):
    """input_ids [B, S] (int64), attention_mask [B, S] (1.0 attend, 0.0
    not) -> hidden states [B, S, hidden]; keys `encoder.layers.<i>...`."""

    def __init__(self, c: Config):
        super().__init__()
        self.config = c
        self.encoder = Encoder(c)

    def forward(self, input_ids, attention_mask):
        return self.encoder(input_ids, attention_mask)


def build(c: Config = Config(), seed: int = 0) -> Model:
    """The model in eval mode with seeded random weights: normal(0, 0.02)
    matrices and embeddings (BERT's init), unit norms, and UltraFastBERT's
    own uniform FFF init."""
    g = torch.Generator().manual_seed(seed)
    model = Model(c)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if ".ffn.linear_in." in name:
                k = math.sqrt(1.0 / c.hidden)
                p.copy_(torch.rand(p.shape, generator=g) * 2 * k - k)
            elif ".ffn.linear_out." in name:
                k = math.sqrt(1.0 / ((c.depth + 1) * c.trees))
                p.copy_(torch.rand(p.shape, generator=g) * 2 * k - k)
            elif "norm" in name:
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g) if name.endswith("weight")
                        else 0.1 * torch.randn(p.shape, generator=g))
            elif name.endswith("scale_factor"):
                continue
            else:
                p.copy_(0.02 * torch.randn(p.shape, generator=g))
    return model.eval()


def example_inputs(c: Config, batch: int, sequence: int, seed: int = 1):
    """input_ids and an attention mask whose last rows are padded."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, c.vocab, (batch, sequence), generator=g)
    mask = torch.ones(batch, sequence)
    for b in range(1, batch):
        mask[b, sequence - b % sequence:] = 0.0
    return ids, mask


def relative_error(got, expected) -> float:
    """The largest difference, relative to each token's hidden-state RMS."""
    scale = expected.double().pow(2).mean(-1, keepdim=True).sqrt().clamp_min(1e-30)
    return float(((got.double() - expected.double()).abs() / scale).max()) if got.numel() else 0.0


def routing_margins(model: Model, input_ids, attention_mask):
    """The smallest |logit| of a routing decision on any row's path, per
    FFF layer: a flip within rounding would change the output."""
    margins = []
    hooks = []

    def hook(module, args, _out):
        x = args[0].reshape(-1, module.input_width)
        logits = module.linear_in(x).view(x.shape[0], module.parallel_size, module.n_nodes)
        node = torch.zeros(x.shape[0], module.parallel_size, dtype=torch.long)
        smallest = torch.full((x.shape[0], module.parallel_size), float("inf"))
        for _ in range(module.depth):  # the leaf's logit decides nothing
            z = torch.gather(logits, 2, node.unsqueeze(2)).squeeze(2)
            smallest = torch.minimum(smallest, z.abs())
            node = 2 * node + 1 + (z > 0).long()
        margins.append(float(smallest.min()) if smallest.numel() else float("inf"))
    for m in model.modules():
        if isinstance(m, FFF):
            hooks.append(m.register_forward_hook(hook))
    try:
        with torch.no_grad():
            model(input_ids, attention_mask)
    finally:
        for h in hooks:
            h.remove()
    return margins


def main():
    import sys
    import time
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))
    import fff_mlir.torch

    c = Config(layers=2, hidden=64, heads=4, vocab=1000, max_sequence=32, depth=5)
    model = build(c, seed=0)
    ids, mask = example_inputs(c, 2, 16)
    start = time.perf_counter()
    fast = fff_mlir.torch.compile(model, (ids, mask), sizes=[("batch", "sequence")] * 2, progress=print)
    print(f"compiled a {c.layers}-layer encoder (hidden {c.hidden}, FFF depth {c.depth}) "
          f"in {time.perf_counter() - start:.1f} s")
    with torch.no_grad():
        expected = model(ids, mask)
    got = fast(ids, mask)
    error = relative_error(got, expected)
    print(f"hidden states {tuple(got.shape)}: largest difference from PyTorch {error:.2e} of a token's RMS; "
          f"smallest routing margin {min(routing_margins(model, ids, mask)):.2e}")
    if error > 1e-4:
        raise SystemExit("the compiled encoder does not match PyTorch")


if __name__ == "__main__":
    main()
