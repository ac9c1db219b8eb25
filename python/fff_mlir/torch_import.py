"""PyTorch modules -> one MLIR module (torch.fx), FFF submodules as fff ops.

    from fff_mlir.torch_import import import_module
    text = import_module(model.eval(), (example_x,))   # MLIR text, @forward

What it takes (a first subset; see docs/user-guide.md): modules of one
input traced by torch.fx whose values are row batches, (rows, features)
float32 tensors, or token batches (batch, sequence, features) of ops that
work token by token (the tokens become the rows):
- FFF layers, recognised by their parameters, become `fff.path_neuron`
  (UltraFastBERT: `linear_in`/`linear_out`, with `depth` and `n_trees` or
  `trees` attributes when the shapes alone are ambiguous) or `fff.leaf_mlp`
  (the `fastfeedforward` layout: `node_weights`, `w1s`, ...; the master leaf
  too), their weights constants;
- `nn.Linear` (with and without bias), `nn.LayerNorm` over the features,
  ReLU, GELU (erf and tanh), SiLU, Tanh, Sigmoid, softmax over the
  features, `nn.Dropout` and `nn.Identity` (identities in eval mode), and
  elementwise +, -, * of two such tensors or of a tensor and a number.

Anything else is one `TorchImportError` naming the node, its op and the
source line that made it; the importer never guesses.
"""
from __future__ import annotations

import operator
import re
from typing import Optional

import numpy as np

from .checkpoint import CheckpointError, leaf_mlp_from_state_dict, path_neuron_from_state_dict
from .mlir_text import _tensor_type, dense_literal, layer_op_lines, layer_weights


class TorchImportError(ValueError):
    """A module the importer cannot express; the message names the node."""


def _fff_layer(module):
    """The LeafMLP or PathNeuron that `module` is, or None."""
    names = dict(module.named_parameters(recurse=True))
    sd = {k: v.detach().cpu().numpy() for k, v in module.state_dict().items()}
    try:
        if "node_weights" in names and "w1s" in names:
            return leaf_mlp_from_state_dict(sd, "", activation=getattr(module, "activation_name", "relu"))
        if set(names) >= {"linear_in.weight", "linear_out.weight"} and len(list(module.children())) == 2:
            depth = getattr(module, "depth", None)
            trees = getattr(module, "n_trees", getattr(module, "trees", None))
            return path_neuron_from_state_dict(sd, "", depth=_int_or_none(depth), trees=_int_or_none(trees))
    except CheckpointError as e:
        raise TorchImportError(f"{type(module).__name__} looks like an FFF layer but: {e}") from None
    return None


def _f32(v) -> str:
    """An MLIR f32 literal for `v`, exact after rounding to float32."""
    return f"{float(np.float32(v)):.9e}"


def _int_or_none(v) -> Optional[int]:
    if v is None:
        return None
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def _where(node) -> str:
    """The user's source line that made `node` (from fx's recorded stack)."""
    trace = getattr(node, "stack_trace", None) or ""
    # Innermost frame first: the forward() line that made the node.
    found = re.findall(r'File "([^"]+)", line (\d+)', trace)
    return f" (from {found[0][0]}:{found[0][1]})" if found else ""


class _Emitter:
    """Builds the function body: one SSA value per fx node."""

    def __init__(self):
        self.lines: list = []
        self.values: dict = {}   # fx node name -> (ssa name, features)
        self.count = 0
        self.rows = None         # the ssa name of the batch size

    def fresh(self, hint: str) -> str:
        self.count += 1
        return f"v{self.count}_{re.sub(r'[^A-Za-z0-9_]', '_', hint)}"

    def constant(self, hint: str, a: np.ndarray) -> str:
        name = self.fresh(hint)
        a = np.ascontiguousarray(a, dtype=np.float32)
        self.lines.append(f"  %{name} = arith.constant {dense_literal(a)} : {_tensor_type(a.shape)}")
        return name

    def empty(self, width: int) -> str:
        name = self.fresh("init")
        self.lines.append(f"  %{name} = tensor.empty(%{self.rows}) : tensor<?x{width}xf32>")
        return name

    def generic(self, hint: str, inputs: list, width: int, body: list) -> str:
        """An elementwise linalg.generic over (rows, width) of `inputs`
        ((ssa, kind) with kind 'row' for rows x width, 'col' for a vector
        over the features); `body` lines use %a0, %a1, ... and end by
        defining %r."""
        out = self.empty(width)
        name = self.fresh(hint)
        maps = ", ".join(["#id" if kind == "row" else "#col" for _, kind in inputs] + ["#id"])
        ins = ", ".join(f"%{v}" for v, _ in inputs)
        tys = ", ".join(f"tensor<?x{width}xf32>" if kind == "row" else f"tensor<{width}xf32>"
                        for _, kind in inputs)
        args = ", ".join(f"%a{i}: f32" for i in range(len(inputs)))
        self.lines += [
            f"  %{name} = linalg.generic {{indexing_maps = [{maps}], iterator_types = [\"parallel\", \"parallel\"]}}",
            f"      ins({ins} : {tys}) outs(%{out} : tensor<?x{width}xf32>) {{",
            f"    ^bb0({args}, %o: f32):",
            *[f"      {line}" for line in body],
            "      linalg.yield %r : f32",
            f"  }} -> tensor<?x{width}xf32>",
        ]
        return name

    def row_reduce(self, hint: str, x: str, width: int, body: list, extra: list = (),
                   term: str = "%t") -> str:
        """A (rows) vector: the sum over the features of `term`, which
        `body` computes from %a0 = x[i, j] and %a1.. = the `extra` row
        vectors."""
        zero = self.fresh("zero")
        self.lines.append(f"  %{zero} = arith.constant 0.0 : f32")
        empty = self.fresh("rows")
        self.lines.append(f"  %{empty} = tensor.empty(%{self.rows}) : tensor<?xf32>")
        init = self.fresh("fill")
        self.lines.append(f"  %{init} = linalg.fill ins(%{zero} : f32) outs(%{empty} : tensor<?xf32>) -> tensor<?xf32>")
        name = self.fresh(hint)
        maps = ", ".join(["#id"] + ["#row" for _ in extra] + ["#row"])
        ins = ", ".join([f"%{x}"] + [f"%{v}" for v in extra])
        tys = ", ".join([f"tensor<?x{width}xf32>"] + ["tensor<?xf32>" for _ in extra])
        args = ", ".join(f"%a{i}: f32" for i in range(1 + len(extra)))
        self.lines += [
            f"  %{name} = linalg.generic {{indexing_maps = [{maps}], iterator_types = [\"parallel\", \"reduction\"]}}",
            f"      ins({ins} : {tys}) outs(%{init} : tensor<?xf32>) {{",
            f"    ^bb0({args}, %acc: f32):",
            *[f"      {line}" for line in body],
            f"      %r = arith.addf {term}, %acc : f32",
            "      linalg.yield %r : f32",
            "  } -> tensor<?xf32>",
        ]
        return name


_ACTIVATIONS = {
    "relu": ["%zero = arith.constant 0.0 : f32", "%r = arith.maximumf %a0, %zero : f32"],
    "gelu": ["%h = arith.constant 0.5 : f32", "%one = arith.constant 1.0 : f32",
             "%s = arith.constant 0.70710678118654752 : f32", "%xs = arith.mulf %a0, %s : f32",
             "%e = math.erf %xs : f32", "%p = arith.addf %e, %one : f32",
             "%hx = arith.mulf %a0, %h : f32", "%r = arith.mulf %hx, %p : f32"],
    # 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
    "gelu_tanh": ["%h = arith.constant 0.5 : f32", "%one = arith.constant 1.0 : f32",
                  "%c = arith.constant 0.79788456080286536 : f32", "%k = arith.constant 0.044715 : f32",
                  "%x2 = arith.mulf %a0, %a0 : f32", "%x3 = arith.mulf %x2, %a0 : f32",
                  "%kx3 = arith.mulf %x3, %k : f32", "%in = arith.addf %a0, %kx3 : f32",
                  "%arg = arith.mulf %in, %c : f32", "%t = math.tanh %arg : f32",
                  "%p = arith.addf %t, %one : f32", "%hx = arith.mulf %a0, %h : f32",
                  "%r = arith.mulf %hx, %p : f32"],
    "tanh": ["%r = math.tanh %a0 : f32"],
    "sigmoid": ["%one = arith.constant 1.0 : f32", "%n = arith.negf %a0 : f32", "%e = math.exp %n : f32",
                "%d = arith.addf %e, %one : f32", "%r = arith.divf %one, %d : f32"],
    "silu": ["%one = arith.constant 1.0 : f32", "%n = arith.negf %a0 : f32", "%e = math.exp %n : f32",
             "%d = arith.addf %e, %one : f32", "%r = arith.divf %a0, %d : f32"],
}
# +, -, * as Python operators, as tensor methods (by name) and, added where
# torch is imported (_binary_ops), as torch functions.
_BINARY = {operator.add: "arith.addf", operator.sub: "arith.subf", operator.mul: "arith.mulf",
           "add": "arith.addf", "sub": "arith.subf", "mul": "arith.mulf"}


def _binary_ops(torch) -> dict:
    return {**_BINARY, torch.add: "arith.addf", torch.sub: "arith.subf", torch.mul: "arith.mulf"}


def import_module(module, example_inputs, func_name: str = "forward") -> str:
    """`module` (in eval mode) as MLIR text: `@func_name(x0, ...) -> y`, each
    input and the result a (rows, features) float32 tensor whose rows are
    the batch. `example_inputs` give the feature widths."""
    import torch
    import torch.fx

    if module.training:
        raise TorchImportError("the module is in training mode; call .eval() first "
                               "(dropout and batch statistics differ in training)")
    fff_modules = {}

    class Tracer(torch.fx.Tracer):
        def is_leaf_module(self, m, qualname):
            layer = _fff_layer(m)
            if layer is not None:
                fff_modules[qualname] = layer  # built once, emitted later
                return True
            return super().is_leaf_module(m, qualname)

    tracer = Tracer()
    tracer.record_stack_traces = True
    try:
        graph = tracer.trace(module)
    except Exception as e:  # fx's own errors (data-dependent control flow, ...)
        raise TorchImportError(f"torch.fx cannot trace {type(module).__name__}: {e}") from None
    modules = dict(module.named_modules())
    inputs = [t for t in example_inputs]
    if len(inputs) != 1:
        # Several inputs would need their row counts checked against each other.
        raise TorchImportError(f"modules of one input are supported for now, got {len(inputs)} example inputs")
    em = _Emitter()
    tokens = False  # a 3-D input: (batch, sequence, features) rows
    args, placeholder = [], 0
    result = None

    def fail(node, why):
        raise TorchImportError(f"node {node.name!r} ({node.op} {_target_name(node)}): {why}{_where(node)}")

    def value(node, arg):
        if not isinstance(arg, torch.fx.Node) or arg.name not in em.values:
            fail(node, f"argument {arg!r} is not a (rows, features) tensor computed before it")
        return em.values[arg.name]

    for node in graph.nodes:
        if node.op == "placeholder":
            if placeholder >= len(inputs):
                fail(node, "no example input for this argument")
            x = inputs[placeholder]
            if not isinstance(x, torch.Tensor) or x.dim() not in (2, 3) or x.dtype != torch.float32:
                fail(node, f"example input {placeholder} must be a float32 tensor (rows, features) or "
                           f"(batch, sequence, features), got "
                           f"{getattr(x, 'dtype', type(x).__name__)} {tuple(getattr(x, 'shape', ()))}")
            name = em.fresh(node.name)
            width = int(x.shape[-1])
            em.lines.append("  %c0 = arith.constant 0 : index")
            if x.dim() == 3:
                # Every supported op works row by row, so the tokens are the
                # rows: B x S collapses to B*S here and expands at the end.
                tokens = True
                args.append(f'%{name}: tensor<?x?x{width}xf32> {{fff.name = "{node.name}"}}')
                rows = em.fresh(f"{node.name}_rows")
                em.lines += ["  %c1 = arith.constant 1 : index",
                             f"  %batch = tensor.dim %{name}, %c0 : tensor<?x?x{width}xf32>",
                             f"  %sequence = tensor.dim %{name}, %c1 : tensor<?x?x{width}xf32>",
                             f"  %{rows} = tensor.collapse_shape %{name} [[0, 1], [2]]"
                             f" : tensor<?x?x{width}xf32> into tensor<?x{width}xf32>"]
                name = rows
            else:
                args.append(f'%{name}: tensor<?x{width}xf32> {{fff.name = "{node.name}"}}')
            em.rows = "rows"
            em.lines.append(f"  %rows = tensor.dim %{name}, %c0 : tensor<?x{width}xf32>")
            em.values[node.name] = (name, width)
            placeholder += 1
        elif node.op == "call_module":
            em.values[node.name] = _call_module(em, node, modules[node.target], fff_modules, value, fail)
        elif node.op == "call_function" or node.op == "call_method":
            em.values[node.name] = _call_function(em, node, value, fail)
        elif node.op == "output":
            out = node.args[0]
            if not isinstance(out, torch.fx.Node):
                fail(node, "the module must return one tensor")
            result = value(node, out)
        else:
            fail(node, "not supported")
    if placeholder != len(inputs):
        raise TorchImportError(f"{len(inputs)} example inputs for {placeholder} arguments")
    name, width = result
    result_type = f"tensor<?x{width}xf32>"
    if tokens:
        out = em.fresh("tokens")
        em.lines.append(f"  %{out} = tensor.expand_shape %{name} [[0, 1], [2]] output_shape [%batch, %sequence, {width}]"
                        f" : tensor<?x{width}xf32> into tensor<?x?x{width}xf32>")
        name, result_type = out, f"tensor<?x?x{width}xf32>"
    header = (["#id = affine_map<(i, j) -> (i, j)>", "#col = affine_map<(i, j) -> (j)>",
               "#row = affine_map<(i, j) -> (i)>",
               f"func.func @{func_name}({', '.join(args)}) -> {result_type} {{"])
    return "\n".join(header + em.lines + [f"  return %{name} : {result_type}", "}"]) + "\n"


def _target_name(node) -> str:
    t = node.target
    return t if isinstance(t, str) else getattr(t, "__name__", repr(t))


def _call_module(em, node, m, fff_modules, value, fail):
    import torch.nn as nn

    if len(node.args) != 1 or node.kwargs:
        fail(node, "a module call takes one tensor here")
    x, width = value(node, node.args[0])
    if node.target in fff_modules:
        layer = fff_modules[node.target]
        if layer.d_in != width:
            fail(node, f"the FFF layer takes {layer.d_in} features, its input has {width}")
        ins, master = layer_weights(layer)
        names = {short: em.constant(f"{node.name}_{short}", a) for short, a in ins + master}
        init = em.empty(layer.d_out)
        out = em.fresh(node.name)
        em.lines += layer_op_lines(layer, x, out, init, names)
        return out, layer.d_out
    if isinstance(m, (nn.Dropout, nn.Identity)):
        return x, width
    if isinstance(m, nn.Linear):
        if m.in_features != width:
            fail(node, f"Linear takes {m.in_features} features, its input has {width}")
        w = em.constant(f"{node.name}_weight", m.weight.detach().cpu().numpy().T)
        zero = em.fresh("zero")
        em.lines.append(f"  %{zero} = arith.constant 0.0 : f32")
        init = em.empty(m.out_features)
        filled = em.fresh("fill")
        n = m.out_features
        em.lines.append(f"  %{filled} = linalg.fill ins(%{zero} : f32) outs(%{init} : tensor<?x{n}xf32>)"
                        f" -> tensor<?x{n}xf32>")
        y = em.fresh(node.name)
        em.lines.append(f"  %{y} = linalg.matmul ins(%{x}, %{w} : tensor<?x{width}xf32>, tensor<{width}x{n}xf32>)"
                        f" outs(%{filled} : tensor<?x{n}xf32>) -> tensor<?x{n}xf32>")
        if m.bias is not None:
            b = em.constant(f"{node.name}_bias", m.bias.detach().cpu().numpy())
            y = em.generic(f"{node.name}_bias", [(y, "row"), (b, "col")], n, ["%r = arith.addf %a0, %a1 : f32"])
        return y, n
    if isinstance(m, nn.LayerNorm):
        if tuple(m.normalized_shape) != (width,):
            fail(node, f"LayerNorm over {tuple(m.normalized_shape)}, but the features are ({width},)")
        return _layer_norm(em, node.name, x, width, float(m.eps),
                           m.weight.detach().cpu().numpy() if m.weight is not None else None,
                           m.bias.detach().cpu().numpy() if m.bias is not None else None), width
    act = {nn.ReLU: "relu", nn.Tanh: "tanh", nn.Sigmoid: "sigmoid", nn.SiLU: "silu"}.get(type(m))
    if isinstance(m, nn.GELU):
        act = "gelu_tanh" if m.approximate == "tanh" else "gelu"
    if act:
        return em.generic(node.name, [(x, "row")], width, _ACTIVATIONS[act]), width
    if isinstance(m, nn.Softmax):
        if m.dim not in (1, -1):
            fail(node, f"softmax over dimension {m.dim}; only the features (1 or -1) are supported")
        return _softmax(em, node.name, x, width), width
    fail(node, f"module {type(m).__name__} is not supported")


def _call_function(em, node, value, fail):
    import torch
    import torch.nn.functional as F

    t = node.target
    binary = _binary_ops(torch)
    if t in binary:
        op = binary[t]
        if node.kwargs:
            fail(node, f"keyword arguments {sorted(node.kwargs)} are not supported")
        a, b = node.args
        if isinstance(a, torch.fx.Node) and isinstance(b, torch.fx.Node):
            (va, wa), (vb, wb) = value(node, a), value(node, b)
            if wa != wb:
                fail(node, f"operands of {wa} and {wb} features (broadcasting is not supported)")
            return em.generic(node.name, [(va, "row"), (vb, "row")], wa, [f"%r = {op} %a0, %a1 : f32"]), wa
        tensor_first = isinstance(a, torch.fx.Node)
        (v, w), k = (value(node, a), b) if tensor_first else (value(node, b), a)
        if not isinstance(k, (int, float)):
            fail(node, f"operand {k!r} is neither a tensor nor a number")
        lhs, rhs = ("%a0", "%k") if tensor_first else ("%k", "%a0")
        return em.generic(node.name, [(v, "row")], w,
                          [f"%k = arith.constant {_f32(k)} : f32", f"%r = {op} {lhs}, {rhs} : f32"]), w
    acts = {F.relu: "relu", torch.relu: "relu", torch.tanh: "tanh", torch.sigmoid: "sigmoid",
            F.silu: "silu", "relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid"}
    if t is F.gelu:
        (v, w) = value(node, node.args[0])
        act = "gelu_tanh" if node.kwargs.get("approximate", "none") == "tanh" else "gelu"
        return em.generic(node.name, [(v, "row")], w, _ACTIVATIONS[act]), w
    if t in acts:
        if len(node.args) != 1 or any(v for v in node.kwargs.values()):
            fail(node, "only the one-argument form is supported")
        (v, w) = value(node, node.args[0])
        return em.generic(node.name, [(v, "row")], w, _ACTIVATIONS[acts[t]]), w
    if t in (F.softmax, torch.softmax, "softmax"):
        dim = node.kwargs.get("dim", node.args[1] if len(node.args) > 1 else None)
        if dim not in (1, -1):
            fail(node, f"softmax over dimension {dim}; only the features (1 or -1) are supported")
        (v, w) = value(node, node.args[0])
        return _softmax(em, node.name, v, w), w
    if t in (F.dropout,):
        return value(node, node.args[0])
    fail(node, "not supported")


def _softmax(em, hint, x, width):
    out = em.empty(width)
    name = em.fresh(hint)
    em.lines.append(f"  %{name} = linalg.softmax dimension(1) ins(%{x} : tensor<?x{width}xf32>)"
                    f" outs(%{out} : tensor<?x{width}xf32>) -> tensor<?x{width}xf32>")
    return name


def _layer_norm(em, hint, x, width, eps, weight, bias):
    """(x - mean) / sqrt(var + eps) over the features, then * weight + bias."""
    n = float(width)
    total = em.row_reduce(f"{hint}_sum", x, width, [], term="%a0")
    sq = em.row_reduce(f"{hint}_sq", x, width,
                       [f"%n = arith.constant {_f32(n)} : f32", "%mean = arith.divf %a1, %n : f32",
                        "%d = arith.subf %a0, %mean : f32", "%t = arith.mulf %d, %d : f32"], extra=[total])
    extra = [em.constant(f"{hint}_{what}", a) for what, a in (("weight", weight), ("bias", bias))
             if a is not None]
    out = em.empty(width)
    name = em.fresh(hint)
    maps = ", ".join(["#id", "#row", "#row"] + ["#col" for _ in extra] + ["#id"])
    ins = ", ".join([f"%{x}", f"%{total}", f"%{sq}"] + [f"%{v}" for v in extra])
    tys = ", ".join([f"tensor<?x{width}xf32>", "tensor<?xf32>", "tensor<?xf32>"] +
                    [f"tensor<{width}xf32>" for _ in extra])
    args = ", ".join(["%a0: f32", "%s: f32", "%q: f32"] + [f"%e{i}: f32" for i in range(len(extra))])
    body = [f"%n = arith.constant {_f32(n)} : f32", f"%eps = arith.constant {_f32(eps)} : f32",
            "%mean = arith.divf %s, %n : f32", "%var = arith.divf %q, %n : f32",
            "%ve = arith.addf %var, %eps : f32", "%inv = math.rsqrt %ve : f32",
            "%d = arith.subf %a0, %mean : f32", "%r0 = arith.mulf %d, %inv : f32"]
    last, k = "%r0", 0
    if weight is not None:
        body.append(f"%r1 = arith.mulf {last}, %e{k} : f32")
        last, k = "%r1", k + 1
    if bias is not None:
        body.append(f"%r2 = arith.addf {last}, %e{k} : f32")
        last = "%r2"
    em.lines += [
        f"  %{name} = linalg.generic {{indexing_maps = [{maps}], iterator_types = [\"parallel\", \"parallel\"]}}",
        f"      ins({ins} : {tys}) outs(%{out} : tensor<?x{width}xf32>) {{",
        f"    ^bb0({args}, %o: f32):",
        *[f"      {line}" for line in body],
        f"      linalg.yield {last} : f32",
        f"  }} -> tensor<?x{width}xf32>",
    ]
    return name
