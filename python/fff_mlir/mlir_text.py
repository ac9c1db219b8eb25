"""A layer as `fff` MLIR text, and back.

`to_mlir` writes one `func.func` that takes the input rows and returns the
layer's output: the weights are `arith.constant`s holding their exact float32
bits (hex dense literals), and the layer is one `fff.leaf_mlp` or
`fff.path_neuron` op. `from_mlir` reads exactly that form back, so a shipped
`.mlir` example and the numpy reference describe the same layer. It is not a
general MLIR parser: fff-opt is the tool for anything else.
"""
from __future__ import annotations

import re

import numpy as np

from .reference import LeafMLP, MasterLeaf, PathNeuron


def _tensor_type(shape) -> str:
    return "tensor<" + "".join(f"{d}x" for d in shape) + "f32>"


def dense_literal(a: np.ndarray) -> str:
    """The exact float32 bits of `a` (little-endian, row-major) as MLIR hex."""
    data = np.ascontiguousarray(a, dtype="<f4")
    return "dense<>" if data.size == 0 else f'dense<"0x{data.tobytes().hex().upper()}">'


def layer_weights(layer):
    """(name, array) of every weight operand, in the fff op's operand order.

    Returns (ins, master): the weights of `ins(...)` after the input, and the
    master leaf's (empty without one). Path-neuron output weights are the
    transpose of `linear_out.weight`, one row per node, as the op takes them.
    """
    if isinstance(layer, LeafMLP):
        ins = [("nw", layer.node_weights), ("nb", layer.node_biases), ("w1", layer.w1s),
               ("b1", layer.b1s), ("w2", layer.w2s), ("b2", layer.b2s)]
        master = []
        if layer.master is not None:
            m = layer.master
            master = [("mw1", m.w1), ("mb1", m.b1), ("mw2", m.w2), ("mb2", m.b2),
                      ("k", np.array(m.k, dtype=np.float32))]
        return ins, master
    if isinstance(layer, PathNeuron):
        return [("w_in", layer.w_in), ("b_in", layer.b_in), ("w_out", layer.w_out.T)], []
    raise TypeError(f"to_mlir takes a LeafMLP or PathNeuron, got {type(layer).__name__}")


def operand_names(layer) -> dict:
    """The fff op's operand name of each weight of `layer_weights` (what
    fff-weights-to-arguments names the parameter; the C entry points use
    them), from fff-compile's listing."""
    from .listing import weight_names
    ins, master = layer_weights(layer)
    op = "fff.leaf_mlp" if isinstance(layer, LeafMLP) else "fff.path_neuron"
    names = weight_names(op) + (weight_names("fff.leaf_mlp.master") if master else [])
    return {short: name for (short, _), name in zip(ins + master, names, strict=True)}


_C_KEYWORDS = frozenset("""auto break case char const continue default do double else enum extern
float for goto if inline int long register restrict return short signed sizeof static struct
switch typedef union unsigned void volatile while _Bool _Complex _Imaginary""".split())


def check_c_name(name) -> str:
    """`name` if it can be the C entry point's name (and an MLIR symbol as is)."""
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) \
            or name in _C_KEYWORDS:
        raise ValueError(f"name {name!r} cannot name the C entry point: use letters, digits and "
                         "'_', not starting with a digit, and not a C keyword")
    return name


def to_mlir(layer, func_name: str = "layer", weights: str = "constants") -> str:
    """`layer` (LeafMLP or PathNeuron) as a function `@func_name`.

    weights="constants": `@func_name(x) -> y` with the weights as exact
    float32 constants. weights="arguments": `@func_name(x, w...) -> y` taking
    the weights (in `layer_weights` order) as arguments. Arguments carry
    `fff.name` (x, then the op's operand names), which fff-compile uses to
    name the C parameters.
    """
    if weights not in ("constants", "arguments"):
        raise ValueError(f"weights must be 'constants' or 'arguments', got {weights!r}")
    check_c_name(func_name)
    ins, master = layer_weights(layer)
    x_type = f"tensor<?x{layer.d_in}xf32>"
    y_type = f"tensor<?x{layer.d_out}xf32>"
    types = {name: _tensor_type(np.shape(a)) for name, a in ins + master}
    x_arg = f'%x: {x_type} {{fff.name = "x"}}'
    if weights == "constants":
        lines = [f"func.func @{func_name}({x_arg}) -> {y_type} {{"]
        lines += [f"  %{n} = arith.constant {dense_literal(a)} : {types[n]}" for n, a in ins + master]
    else:
        names = operand_names(layer)
        args = ", ".join([x_arg, *(f'%{n}: {types[n]} {{fff.name = "{names[n]}"}}'
                                   for n, _ in ins + master)])
        lines = [f"func.func @{func_name}({args}) -> {y_type} {{"]
    lines += [
        "  %c0 = arith.constant 0 : index",
        f"  %rows = tensor.dim %x, %c0 : {x_type}",
        f"  %init = tensor.empty(%rows) : {y_type}",
        *layer_op_lines(layer, "x", "y", "init", {n: n for n, _ in ins + master}),
        f"  return %y : {y_type}",
        "}",
    ]
    return "\n".join(lines) + "\n"


def layer_op_lines(layer, x: str, result: str, init: str, weights: dict) -> list:
    """The lines of the fff op that computes `%result` from `%x` (rows x
    d_in) into `%init`, its weights the values `%weights[short name]` (the
    short names of `layer_weights`)."""
    ins, master = layer_weights(layer)
    if isinstance(layer, LeafMLP):
        head = f"fff.leaf_mlp depth {layer.depth} activation {layer.activation} tie {layer.tie}"
    else:
        head = (f"fff.path_neuron trees {layer.trees} depth {layer.depth} "
                f"activation {layer.activation} tie {layer.tie}")
    x_type = f"tensor<?x{layer.d_in}xf32>"
    y_type = f"tensor<?x{layer.d_out}xf32>"
    types = {name: _tensor_type(np.shape(a)) for name, a in ins + master}

    def group(keyword, entries, first=()):
        names = ", ".join([*first, *(f"%{weights[n]}" for n, _ in entries)])
        tys = ", ".join([*(x_type for _ in first), *(types[n] for n, _ in entries)])
        return f"{keyword}({names} : {tys})"

    lines = [f"  %{result} = {head}", f"      {group('ins', ins, first=(f'%{x}',))}"]
    if master:
        lines.append(f"      {group('master', master)}")
    lines.append(f"      outs(%{init} : {y_type})")
    return lines


_CONSTANT = re.compile(r'%(\w+) = arith\.constant dense<(?:"0x([0-9A-Fa-f]*)")?> : tensor<([0-9x]*)f32>')
_LAYER = re.compile(r"fff\.(leaf_mlp|path_neuron)\s+(?:trees (\d+)\s+)?depth (\d+)\s+"
                    r"activation (\w+)\s+tie (\w+)\s+ins\(([^:]*):[^)]*\)\s*(?:master\(([^:]*):)?")


def _shape(dims: str):
    return tuple(int(d) for d in dims.split("x") if d)


def from_mlir(text: str):
    """The layer that `to_mlir` wrote into `text` (a LeafMLP or PathNeuron)."""
    constants = {}
    for name, hexdata, dims in _CONSTANT.findall(text):
        data = np.frombuffer(bytes.fromhex(hexdata), dtype="<f4")
        constants[name] = data.reshape(_shape(dims)).astype(np.float32)
    match = _LAYER.search(text)
    if match is None:
        raise ValueError("no fff.leaf_mlp or fff.path_neuron op in the form to_mlir writes")
    family, trees, depth, activation, tie, ins, master = match.groups()

    def operands(group):
        names = [n.strip().lstrip("%") for n in group.split(",")] if group else []
        missing = [n for n in names if n not in constants]
        if missing:
            raise ValueError(f"fff.{family} operands {missing} are not dense f32 constants")
        return [constants[n] for n in names]

    weights = operands(ins.split(",", 1)[1])  # the first operand is the input
    if family == "leaf_mlp":
        extra = operands(master)
        leaf_master = MasterLeaf(*extra[:4], k=float(extra[4])) if extra else None
        return LeafMLP(*weights, master=leaf_master, activation=activation, tie=tie)
    w_in, b_in, w_out = weights
    return PathNeuron(w_in, b_in, w_out.T, trees=int(trees), depth=int(depth),
                      activation=activation, tie=tie)
