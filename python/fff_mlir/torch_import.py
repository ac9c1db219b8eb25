"""PyTorch modules -> one MLIR module (torch.fx), FFF submodules as fff ops.

    from fff_mlir.torch_import import import_module, trace_module
    text = import_module(model.eval(), (example_x,))   # MLIR text, @forward
    imported = trace_module(model.eval(), (ids, mask), weights="arguments")

What it takes (see docs/user-guide.md, "Compile a whole model"): modules
traced by torch.fx whose inputs are float32 or int64 tensors, with:
- FFF layers, recognised by their parameters, as `fff.path_neuron`
  (UltraFastBERT: `linear_in`/`linear_out`, with `depth` and `n_trees` /
  `parallel_size` attributes when the shapes alone are ambiguous) or
  `fff.leaf_mlp` (the `fastfeedforward` layout: `node_weights`, `w1s`, ...;
  the master leaf too), over the last dimension of any rank;
- `nn.Linear` (with and without bias), `nn.LayerNorm` over the last
  dimension, `nn.Embedding` of an int64 model input (the entry point checks
  every index against the table), ReLU, GELU (erf and tanh), SiLU, Tanh,
  Sigmoid, softmax over any dimension, `nn.Dropout`/`nn.Identity`;
- matmul / `@` / bmm, elementwise + - * / with numpy-style broadcasting,
  view / reshape / permute / transpose / contiguous / unsqueeze / flatten,
  slicing with `[...]` (None adds a dimension), mean over one dimension,
  `x.shape` / `x.size()` as sizes, parameters and buffers (`get_attr`).

Sizes: each input's dimensions are dynamic except a float input's last
(its features), and they are named by position (`batch`, `sequence`, ...)
across inputs, so that an attention mask must have the sizes of the
`input_ids` beside it: the entry point checks that (fff.sizes) and every
slice bound (fff.max_sizes). `sizes=` overrides the names.

Anything else is one `TorchImportError` naming the node, its op and the
source line that made it; the importer never guesses.
"""
from __future__ import annotations

import inspect
import math
import operator
import re
from dataclasses import dataclass, field
from typing import Optional, Union

import numpy as np

from .checkpoint import CheckpointError, leaf_mlp_from_state_dict, path_neuron_from_state_dict
from .mlir_text import check_c_name, dense_literal, layer_op_lines, layer_weights


class TorchImportError(ValueError):
    """A module the importer cannot express; the message names the node."""


def _leaf_activation(module) -> str:
    """The fff activation of a leaf-MLP module: its `activation_name`, or
    what its `activation` module is (fastfeedforward's FFF keeps one)."""
    name = getattr(module, "activation_name", None)
    if name is not None:
        return name
    activation = getattr(module, "activation", None)
    if activation is None:
        return "relu"
    import torch.nn as nn
    if isinstance(activation, nn.GELU):
        return {"none": "gelu", "tanh": "gelu_tanh"}[activation.approximate]
    for cls, name in ((nn.ReLU, "relu"), (nn.SiLU, "silu"), (nn.Identity, "identity")):
        if isinstance(activation, cls):
            return name
    raise TorchImportError(f"{type(module).__name__}: leaf activation {activation!r} has no fff "
                           "equivalent (ReLU, GELU, GELU(approximate='tanh'), SiLU or Identity)")


def _fff_layer(module):
    """The LeafMLP or PathNeuron that `module` is, or None."""
    names = dict(module.named_parameters(recurse=True))
    # Floats as float32 (bf16 has no numpy type); integers (fastfeedforward's
    # `depth`) stay integers.
    sd = {k: (v.detach().cpu().float() if v.is_floating_point() else v.detach().cpu()).numpy()
          for k, v in module.state_dict().items()}
    try:
        if "node_weights" in names and "w1s" in names:
            return leaf_mlp_from_state_dict(sd, "", activation=_leaf_activation(module))
        if set(names) >= {"linear_in.weight", "linear_out.weight"} and \
                {"linear_in", "linear_out"} <= {n for n, _ in module.named_children()}:
            depth = getattr(module, "depth", None)
            trees = getattr(module, "n_trees", getattr(module, "trees", getattr(module, "parallel_size", None)))
            return path_neuron_from_state_dict(sd, "", depth=_int_or_none(depth), trees=_int_or_none(trees))
    except CheckpointError as e:
        raise TorchImportError(f"{type(module).__name__} looks like an FFF layer but: {e}") from None
    return None


def _f32(v) -> str:
    """An MLIR f32 literal for `v`, exact after rounding to float32."""
    v = float(np.float32(v))
    if math.isinf(v):
        return "0x7F800000" if v > 0 else "0xFF800000"
    return "0x7FC00000" if math.isnan(v) else f"{v:.9e}"


def _int_or_none(v) -> Optional[int]:
    try:
        return None if v is None else int(v)
    except (TypeError, ValueError):
        return None


def _where(node) -> str:
    """The user's source line that made `node` (from fx's recorded stack)."""
    trace = getattr(node, "stack_trace", None) or ""
    found = re.findall(r'File "([^"]+)", line (\d+)', trace)
    return f" (from {found[0][0]}:{found[0][1]})" if found else ""


def _target_name(node) -> str:
    t = node.target
    return t if isinstance(t, str) else getattr(t, "__name__", repr(t))


# A dimension is an int (static) or a str: the SSA name of the index value
# holding it. Tensors are values of the function being written.
Dim = Union[int, str]


@dataclass
class T:
    ssa: str
    shape: tuple
    dtype: str = "f32"

    @property
    def type(self) -> str:
        return _type(self.shape, self.dtype)


def _type(shape, dtype="f32") -> str:
    return "tensor<" + "".join(("?" if isinstance(d, str) else str(d)) + "x" for d in shape) + dtype + ">"


@dataclass
class Imported:
    """What trace_module made: the MLIR text of `@func_name`, and with
    weights="arguments" the weights it takes after the model's inputs."""
    text: str
    inputs: list            # the model inputs' names, in order
    weights: list = field(default_factory=list)  # (name, float32 array) after them
    results: int = 1
    row_wise: bool = True   # no op mixes rows: any leading shape may be flattened


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
# Elementwise arithmetic as Python operators and tensor methods (by name);
# _binary_ops adds the torch functions where torch is imported.
_BINARY = {operator.add: "arith.addf", operator.sub: "arith.subf", operator.mul: "arith.mulf",
           operator.truediv: "arith.divf", "add": "arith.addf", "sub": "arith.subf",
           "mul": "arith.mulf", "div": "arith.divf"}
_POSITION_NAMES = ("batch", "sequence")


def _binary_ops(torch) -> dict:
    return {**_BINARY, torch.add: "arith.addf", torch.sub: "arith.subf", torch.mul: "arith.mulf",
            torch.div: "arith.divf"}


class _Emitter:
    """Writes the function body: SSA values, sizes and their products."""

    def __init__(self, weights: str):
        self.lines: list = []
        self.count = 0
        self.weights_mode = weights
        self.weights: list = []       # (arg name, array, T) in arguments mode
        self.constants: dict = {}     # (id of the source, key) -> T, each weight once
        self.indices: dict = {}       # static index -> ssa
        self.products: dict = {}      # size ssa -> (coefficient, sorted base names)
        self.product_ssa: dict = {}   # (coefficient, names) -> ssa
        self.origin: dict = {}        # base size ssa -> (input index, dim)
        self.max_sizes: dict = {}     # (input index, dim) -> the largest size allowed

    def fresh(self, hint: str) -> str:
        self.count += 1
        return f"v{self.count}_{re.sub(r'[^A-Za-z0-9_]', '_', hint)[:40]}"

    # -- sizes ---------------------------------------------------------------
    def index(self, n: int) -> str:
        if n not in self.indices:
            self.indices[n] = f"c{n}"
            self.lines.append(f"  %c{n} = arith.constant {n} : index")
        return self.indices[n]

    def key(self, d: Dim) -> tuple:
        """(coefficient, base names): what a size is a product of."""
        return (d, ()) if isinstance(d, int) else self.products[d]

    def from_key(self, coef: int, names: tuple) -> Dim:
        if not names:
            return coef
        if (coef, names) not in self.product_ssa:
            # Built from the product of all but the last name, so that each
            # partial product is computed once too.
            head = self.from_key(coef, names[:-1]) if len(names) > 1 or coef != 1 else None
            head = self.index(head) if isinstance(head, int) else head
            value = names[-1] if head is None else self._muli(head, names[-1])
            self.product_ssa[(coef, names)] = value
            self.products.setdefault(value, (coef, names))
        return self.product_ssa[(coef, names)]

    def _muli(self, a: str, b: str) -> str:
        out = self.fresh("size")
        self.lines.append(f"  %{out} = arith.muli %{a}, %{b} : index")
        return out

    def mul(self, a: Dim, b: Dim) -> Dim:
        (ca, na), (cb, nb) = self.key(a), self.key(b)
        return self.from_key(ca * cb, tuple(sorted(na + nb)))

    def div(self, a: Dim, b: Dim) -> Optional[Dim]:
        """a / b when it is a product of the same kind, else None."""
        (ca, na), (cb, nb) = self.key(a), self.key(b)
        rest = list(na)
        for n in nb:
            if n not in rest:
                return None
            rest.remove(n)
        if cb == 0 or ca % cb:
            return None
        return self.from_key(ca // cb, tuple(rest))

    def product(self, dims) -> Dim:
        out: Dim = 1
        for d in dims:
            out = self.mul(out, d)
        return out

    def base_size(self, name: str, input_index: int, dim: int):
        self.products[name] = (1, (name,))
        self.product_ssa[(1, (name,))] = name
        self.origin[name] = (input_index, dim)

    # -- tensors -------------------------------------------------------------
    def empty(self, shape, dtype="f32") -> T:
        name = self.fresh("init")
        dyn = ", ".join(f"%{d}" for d in shape if isinstance(d, str))
        self.lines.append(f"  %{name} = tensor.empty({dyn}) : {_type(shape, dtype)}")
        return T(name, tuple(shape), dtype)

    def filled(self, shape, value: float) -> T:
        init = self.empty(shape)
        zero, name = self.fresh("cst"), self.fresh("fill")
        self.lines += [f"  %{zero} = arith.constant {_f32(value)} : f32",
                       f"  %{name} = linalg.fill ins(%{zero} : f32) outs(%{init.ssa} : {init.type})"
                       f" -> {init.type}"]
        return T(name, init.shape)

    def weight(self, hint: str, source, key, make) -> T:
        """A weight (`make()` gives its float32 array) as a constant, or as
        an argument in arguments mode; each one once."""
        memo = (id(source), key)
        if memo not in self.constants:
            a = np.ascontiguousarray(make(), dtype=np.float32)
            name = self.fresh(hint)
            t = T(name, a.shape)
            if self.weights_mode == "arguments":
                self.weights.append((hint, a, t))
            else:
                self.lines.append(f"  %{name} = arith.constant {dense_literal(a)} : {t.type}")
            self.constants[memo] = (t, source)
        return self.constants[memo][0]

    def generic(self, hint: str, shape, operands, body, reduce_dims=(), init: Optional[T] = None,
                out_dtype="f32") -> T:
        """linalg.generic over the loops of `shape` (a reduction over
        `reduce_dims`): operands are (T, loop dim of each of its dims);
        `body` uses %a0, %a1, ..., the output's value as %o, and defines
        %r. The result has the shape minus `reduce_dims`."""
        rank = len(shape)
        out_shape = tuple(d for i, d in enumerate(shape) if i not in reduce_dims)
        out = init or self.empty(out_shape, out_dtype)
        loops = ", ".join(f"d{i}" for i in range(rank))

        def amap(dims):
            return f"affine_map<({loops}) -> ({', '.join(f'd{i}' for i in dims)})>"
        maps = [amap(dims) for _, dims in operands] + [amap([i for i in range(rank) if i not in reduce_dims])]
        iters = ", ".join('"reduction"' if i in reduce_dims else '"parallel"' for i in range(rank))
        name = self.fresh(hint)
        ins = ", ".join(f"%{t.ssa}" for t, _ in operands)
        tys = ", ".join(t.type for t, _ in operands)
        args = ", ".join([f"%a{i}: {t.dtype}" for i, (t, _) in enumerate(operands)] + [f"%o: {out.dtype}"])
        ins_text = f"ins({ins} : {tys}) " if operands else ""
        self.lines += [
            f"  %{name} = linalg.generic {{indexing_maps = [{', '.join(maps)}], iterator_types = [{iters}]}}",
            f"      {ins_text}outs(%{out.ssa} : {out.type}) {{",
            f"    ^bb0({args}):",
            *[f"      {line}" for line in body],
            f"      linalg.yield %r : {out.dtype}",
            f"  }} -> {out.type}",
        ]
        return T(name, out.shape, out.dtype)

    def reshape(self, x: T, groups, shape) -> T:
        """collapse_shape (every group of x's dims -> one) or expand_shape
        (each of x's dims -> a group of `shape`)."""
        name = self.fresh("reshape")
        reassoc = "[" + ", ".join("[" + ", ".join(map(str, g)) + "]" for g in groups) + "]"
        if len(shape) < len(x.shape):
            self.lines.append(f"  %{name} = tensor.collapse_shape %{x.ssa} {reassoc} : {x.type} into "
                              f"{_type(shape, x.dtype)}")
        else:
            sizes = ", ".join(f"%{d}" if isinstance(d, str) else str(d) for d in shape)
            self.lines.append(f"  %{name} = tensor.expand_shape %{x.ssa} {reassoc} output_shape [{sizes}]"
                              f" : {x.type} into {_type(shape, x.dtype)}")
        return T(name, tuple(shape), x.dtype)

    def rows(self, x: T) -> T:
        """x as a (rows, last) matrix."""
        if len(x.shape) == 2:
            return x
        return self.reshape(x, [list(range(len(x.shape) - 1)), [len(x.shape) - 1]],
                            (self.product(x.shape[:-1]), x.shape[-1]))

    def unrows(self, y: T, lead) -> T:
        """The (rows, n) matrix `y` with the leading dims `lead` again."""
        if len(lead) == 1:
            return y
        return self.reshape(y, [list(range(len(lead))), [len(lead)]], (*lead, y.shape[-1]))


def _OneLayer(layer):
    """A module whose forward is `layer` (an FFF module) on one input: fx
    traces into a module's forward, and an FFF layer must stay one call."""
    import torch

    class OneLayer(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = layer

        def forward(self, x):
            return self.layer(x)
    return OneLayer().eval()


def trace_module(module, example_inputs, func_name: str = "forward", weights: str = "constants",
                 sizes=None) -> Imported:
    """`module` (in eval mode) as `@func_name(inputs...[, weights...]) ->
    results`. `example_inputs` give each input's dtype, rank and static
    sizes. weights="constants" writes the parameters into the IR;
    "arguments" makes them arguments after the inputs (Imported.weights),
    which a big model needs. `sizes`: per input, a name or None per
    dimension (None: static, the example's size); dims with one name must
    be equal."""
    import torch
    import torch.fx

    if weights not in ("constants", "arguments"):
        raise TorchImportError(f"weights must be 'constants' or 'arguments', got {weights!r}")
    check_c_name(func_name)
    if module.training:
        raise TorchImportError("the module is in training mode; call .eval() first "
                               "(dropout and batch statistics differ in training)")
    fff_modules = {}
    if _fff_layer(module) is not None:
        module = _OneLayer(module)  # traced as the wrapper's one call

    class Tracer(torch.fx.Tracer):
        def is_leaf_module(self, m, qualname):
            layer = _fff_layer(m)
            if layer is not None:
                fff_modules[qualname] = layer  # built once, emitted later
                return True
            return super().is_leaf_module(m, qualname)

    tracer = Tracer()
    tracer.record_stack_traces = True
    tracer.proxy_buffer_attributes = True  # buffers (positions) as get_attr nodes too
    inputs = list(example_inputs)
    try:
        # Parameters after the example inputs keep their defaults (e.g. an
        # optional mask left None).
        params = list(inspect.signature(module.forward).parameters.values())[len(inputs):]
        concrete = {p.name: p.default for p in params if p.default is not inspect.Parameter.empty}
        graph = tracer.trace(module, concrete_args=concrete or None)
    except Exception as e:  # fx's own errors (data-dependent control flow, ...)
        raise TorchImportError(f"torch.fx cannot trace {type(module).__name__}: {e}") from None
    em = _Emitter(weights)
    cx = _Context(em, dict(module.named_modules()), fff_modules, module)
    args, names = [], []
    results = None

    for node in graph.nodes:
        if node.op == "placeholder":
            i = len(args)
            if i >= len(inputs):
                cx.fail(node, "no example input for this argument")
            x = inputs[i]
            if not isinstance(x, torch.Tensor) or x.dtype not in (torch.float32, torch.int64) or x.dim() < 1:
                cx.fail(node, f"example input {i} must be a float32 or int64 tensor of rank >= 1, got "
                              f"{getattr(x, 'dtype', type(x).__name__)} {tuple(getattr(x, 'shape', ()))}")
            dtype = "f32" if x.dtype == torch.float32 else "i64"
            dims = _input_dims(x, dtype, sizes[i] if sizes is not None else None, node, cx)
            # The size names stand for the dynamic dims (str: dynamic).
            t = T(em.fresh(node.name), tuple(int(x.shape[d]) if n is None else n for d, n in enumerate(dims)),
                  dtype)
            for d, size in enumerate(t.shape):
                if isinstance(size, int):
                    continue
                if size in em.origin:  # named before: the entry point checks they agree
                    cx.same_sizes.append((i, d, em.origin[size]))
                else:
                    em.lines.append(f"  %{size} = tensor.dim %{t.ssa}, %{em.index(d)} : {t.type}")
                    em.base_size(size, i, d)
            args.append(t)
            names.append(node.name)
            cx.values[node.name] = t
            cx.inputs[t.ssa] = i
        elif node.op == "get_attr":
            cx.values[node.name] = cx.attribute(node)
        elif node.op == "call_module":
            cx.values[node.name] = cx.call_module(node)
        elif node.op in ("call_function", "call_method"):
            cx.values[node.name] = cx.call(node)
        elif node.op == "output":
            results = cx.outputs(node)
        else:
            cx.fail(node, "not supported")
    if len(args) != len(inputs):
        raise TorchImportError(f"{len(inputs)} example inputs for {len(args)} arguments")

    def attrs(i, name):
        a = [f'fff.name = "{name}"']
        if i in cx.index_bounds:
            a.append(f"fff.index_bound = {cx.index_bounds[i]} : i64")
        same = [(d, other) for j, d, other in cx.same_sizes if j == i]
        if same:
            a.append("fff.same_sizes = [" + ", ".join(f"[{d}, {o[0]}, {o[1]}]" for d, o in same) + "]")
        bounds = [em.max_sizes.get((i, d), -1) for d in range(len(args[i].shape))]
        if any(b >= 0 for b in bounds):
            a.append("fff.max_sizes = array<i64: " + ", ".join(map(str, bounds)) + ">")
        return "{" + ", ".join(a) + "}"

    weights = [(_c_name(n, k), a, t) for k, (n, a, t) in enumerate(em.weights)]
    params = [f"%{t.ssa}: {t.type} {attrs(i, n)}" for i, (t, n) in enumerate(zip(args, names))]
    params += [f'%{t.ssa}: {t.type} {{fff.name = "{n}"}}' for n, _, t in weights]
    result_types = ", ".join(t.type for t, _ in results)
    result_attrs = [f' {{fff.name = "{n}"}}' if n else "" for _, n in results]
    signature = ", ".join(t.type + a for (t, _), a in zip(results, result_attrs))
    header = f"func.func @{func_name}({', '.join(params)}) -> ({signature}) {{"
    ret = f"  return {', '.join('%' + t.ssa for t, _ in results)} : {result_types}"
    text = "\n".join([header] + em.lines + [ret, "}"]) + "\n"
    return Imported(text, names, [(n, a) for n, a, _ in weights], len(results), cx.row_wise)


def import_module(module, example_inputs, func_name: str = "forward", sizes=None) -> str:
    """`module` (in eval mode) as MLIR text, its weights as constants
    (trace_module for the details and for weights as arguments)."""
    return trace_module(module, example_inputs, func_name, "constants", sizes).text


def _c_name(hint: str, k: int) -> str:
    """A weight argument's C name: its parameter's path, made a C identifier."""
    return f"w{k}_" + re.sub(r"[^A-Za-z0-9_]", "_", hint)


def _input_dims(x, dtype, given, node, cx) -> list:
    """A name (dynamic) or None (static) per dimension of input `x`."""
    rank = x.dim()
    if given is not None:
        if len(given) != rank:
            cx.fail(node, f"sizes gives {len(given)} names for a tensor of rank {rank}")
        for n in given:
            if n is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(n)):
                cx.fail(node, f"size name {n!r} is not an identifier")
        return [None if n is None else f"s_{n}" for n in given]
    dynamic = rank if dtype == "i64" else rank - 1
    return [(f"s_{_POSITION_NAMES[d]}" if d < len(_POSITION_NAMES) else f"s_dim{d}") if d < dynamic
            else None for d in range(rank)]


class _Context:
    """The fx graph's values as they are written: T for tensors, int / str
    for sizes, tuples of those, Python numbers."""

    def __init__(self, em, modules, fff_modules, root):
        self.em, self.modules, self.fff_modules, self.root = em, modules, fff_modules, root
        self.values: dict = {}
        self.inputs: dict = {}        # ssa of an input -> its index
        self.index_bounds: dict = {}  # input index -> the embedding table's size
        self.same_sizes: list = []    # (input, dim, (input, dim)) that must agree
        self.row_wise = True          # cleared by any op that mixes rows

    def fail(self, node, why):
        raise TorchImportError(f"node {node.name!r} ({node.op} {_target_name(node)}): {why}{_where(node)}")

    def value(self, node, arg):
        import torch.fx
        if isinstance(arg, torch.fx.Node):
            if arg.name not in self.values:
                self.fail(node, f"argument {arg.name!r} was not computed before it")
            return self.values[arg.name]
        if isinstance(arg, (tuple, list)):
            return type(arg)(self.value(node, a) for a in arg)
        if isinstance(arg, slice):
            return slice(*(self.value(node, a) for a in (arg.start, arg.stop, arg.step)))
        return arg

    def tensor(self, node, arg, dtype="f32") -> T:
        v = self.value(node, arg)
        if not isinstance(v, T):
            self.fail(node, f"expected a tensor, got {v!r}")
        if dtype and v.dtype != dtype:
            self.fail(node, f"expected a {dtype} tensor, got {v.dtype} (int64 tensors only index embeddings)")
        return v

    def dim_index(self, node, d, rank) -> int:
        if not isinstance(d, int) or not -rank <= d < rank:
            self.fail(node, f"dimension {d!r} out of range for rank {rank}")
        return d % rank

    # -- graph nodes ----------------------------------------------------------
    def attribute(self, node) -> T:
        import torch
        obj = self.root
        for part in node.target.split("."):
            obj = getattr(obj, part)
        if not isinstance(obj, torch.Tensor) or not obj.is_floating_point():
            self.fail(node, f"attribute {node.target} is a {type(obj).__name__}, not a float tensor")
        return self.em.weight(node.target, obj, "value", lambda: obj.detach().cpu().float().numpy())

    def outputs(self, node) -> list:
        out = node.args[0]
        if isinstance(out, dict):
            items = list(out.items())
        elif isinstance(out, (tuple, list)):
            items = [(None, o) for o in out]
        else:
            items = [(None, out)]
        results = []
        for name, o in items:
            t = self.value(node, o)
            if not isinstance(t, T):
                self.fail(node, f"result {name or len(results)} is not a tensor")
            if name is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                name = None
            results.append((t, name))
        if not results:
            self.fail(node, "the module returns nothing")
        return results

    def call_module(self, node):
        import torch.nn as nn
        m = self.modules[node.target]
        if len(node.args) != 1 or node.kwargs:
            self.fail(node, "a module call takes one tensor here")
        em = self.em
        if isinstance(m, nn.Embedding):
            return self.embedding(node, m)
        x = self.tensor(node, node.args[0])
        width = x.shape[-1]
        if node.target in self.fff_modules:
            layer = self.fff_modules[node.target]
            if layer.d_in != width:
                self.fail(node, f"the FFF layer takes {layer.d_in} features, its input has {width}")
            ins, master = layer_weights(layer)
            names = {short: em.weight(f"{node.target}.{short}", m, short, lambda a=a: a).ssa
                     for short, a in ins + master}
            rows = em.rows(x)
            init = em.empty((rows.shape[0], layer.d_out))
            out = em.fresh(node.name)
            em.lines += layer_op_lines(layer, rows.ssa, out, init.ssa, names)
            return em.unrows(T(out, init.shape), x.shape[:-1])
        if isinstance(m, (nn.Dropout, nn.Identity)):
            return x
        if isinstance(m, nn.Linear):
            if m.in_features != width:
                self.fail(node, f"Linear takes {m.in_features} features, its input has {width}")
            w = em.weight(f"{node.target}.weight", m.weight, "T", lambda: m.weight.detach().cpu().float().numpy().T)
            b = None if m.bias is None else em.weight(f"{node.target}.bias", m.bias, "value",
                                                      lambda: m.bias.detach().cpu().float().numpy())
            return self.linear(node, x, w, b)
        if isinstance(m, nn.LayerNorm):
            if tuple(m.normalized_shape) != (width,):
                self.fail(node, f"LayerNorm over {tuple(m.normalized_shape)}, but the last dimension is {width}")
            w = None if m.weight is None else em.weight(f"{node.target}.weight", m.weight, "value",
                                                        lambda: m.weight.detach().cpu().float().numpy())
            b = None if m.bias is None else em.weight(f"{node.target}.bias", m.bias, "value",
                                                      lambda: m.bias.detach().cpu().float().numpy())
            return self.layer_norm(node.name, x, float(m.eps), w, b)
        act = {nn.ReLU: "relu", nn.Tanh: "tanh", nn.Sigmoid: "sigmoid", nn.SiLU: "silu"}.get(type(m))
        if isinstance(m, nn.GELU):
            act = "gelu_tanh" if m.approximate == "tanh" else "gelu"
        if act:
            return self.elementwise(node, [x], _ACTIVATIONS[act])
        if isinstance(m, nn.Softmax):
            return self.softmax(node, x, m.dim)
        self.fail(node, f"module {type(m).__name__} is not supported")

    def call(self, node):
        import torch
        import torch.nn.functional as F

        t, em = node.target, self.em
        args, kwargs = node.args, node.kwargs
        binary = _binary_ops(torch)
        if t in (operator.mul, operator.floordiv, operator.add, operator.sub) and \
                not any(isinstance(self.value(node, a), T) for a in args):
            return self.size_arith(node, t, *(self.value(node, a) for a in args))
        if t in binary:
            return self.binary(node, binary[t])
        if t is F.gelu:
            act = "gelu_tanh" if kwargs.get("approximate", "none") == "tanh" else "gelu"
            return self.elementwise(node, [self.tensor(node, args[0])], _ACTIVATIONS[act])
        acts = {F.relu: "relu", torch.relu: "relu", torch.tanh: "tanh", torch.sigmoid: "sigmoid",
                F.silu: "silu", "relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid"}
        if t in acts:
            if len(args) != 1 or any(v for v in kwargs.values()):
                self.fail(node, "only the one-argument form is supported")
            return self.elementwise(node, [self.tensor(node, args[0])], _ACTIVATIONS[acts[t]])
        if t in (F.softmax, torch.softmax, "softmax"):
            dim = kwargs.get("dim", args[1] if len(args) > 1 else None)
            if dim is None:
                self.fail(node, "softmax needs its dimension")
            return self.softmax(node, self.tensor(node, args[0]), dim)
        if t in (F.dropout, "contiguous"):
            return self.tensor(node, args[0], dtype=None)
        if t in (torch.matmul, operator.matmul, torch.bmm, "matmul", "bmm"):
            return self.matmul(node, self.tensor(node, args[0]), self.tensor(node, args[1]))
        if t in ("transpose", torch.transpose):
            x = self.tensor(node, args[0])
            a, b = (self.dim_index(node, d, len(x.shape)) for d in args[1:3])
            perm = list(range(len(x.shape)))
            perm[a], perm[b] = perm[b], perm[a]
            return self.transpose(x, perm)
        if t in ("permute", torch.permute):
            x = self.tensor(node, args[0])
            dims = args[1] if len(args) == 2 and isinstance(args[1], (tuple, list)) else args[1:]
            perm = [self.dim_index(node, d, len(x.shape)) for d in dims]
            if sorted(perm) != list(range(len(x.shape))):
                self.fail(node, f"{list(dims)} is not a permutation of {len(x.shape)} dimensions")
            return self.transpose(x, perm)
        if t in ("view", "reshape", torch.reshape):
            x = self.tensor(node, args[0], dtype=None)
            shape = args[1] if len(args) == 2 and isinstance(args[1], (tuple, list)) else args[1:]
            return self.view(node, x, list(self.value(node, shape)))
        if t in ("flatten", torch.flatten):
            x = self.tensor(node, args[0], dtype=None)
            rank = len(x.shape)
            start = self.dim_index(node, kwargs.get("start_dim", args[1] if len(args) > 1 else 0), rank)
            end = self.dim_index(node, kwargs.get("end_dim", args[2] if len(args) > 2 else -1), rank)
            shape = [*x.shape[:start], em.product(x.shape[start:end + 1]), *x.shape[end + 1:]]
            return self.view(node, x, shape)
        if t in ("unsqueeze", torch.unsqueeze):
            x = self.tensor(node, args[0], dtype=None)
            d = self.dim_index(node, args[1], len(x.shape) + 1)
            return self.view(node, x, [*x.shape[:d], 1, *x.shape[d:]])
        if t in ("mean", torch.mean):
            return self.mean(node)
        if t is getattr and args[1] == "shape" or t == "size":
            x = self.tensor(node, args[0], dtype=None)
            self.row_wise = False
            if t == "size" and len(args) > 1:
                return x.shape[self.dim_index(node, args[1], len(x.shape))]
            return tuple(x.shape)
        if t is operator.getitem:
            base = self.value(node, args[0])
            if isinstance(base, tuple):
                return base[args[1]]
            return self.slice(node, self.tensor(node, args[0], dtype=None), args[1])
        self.fail(node, "not supported")

    # -- ops ----------------------------------------------------------------
    def broadcast(self, node, ts):
        """The broadcast shape of `ts`, and each one as an operand of a
        generic over it (unit dims that broadcast are collapsed away)."""
        em = self.em
        rank = max(len(t.shape) for t in ts)
        shape = [1] * rank
        for t in ts:
            for i, d in enumerate(t.shape):
                j = rank - len(t.shape) + i
                if shape[j] == 1:
                    shape[j] = d
                elif d != 1 and d != shape[j]:
                    self.fail(node, f"shapes {[_shape_text(u.shape) for u in ts]} do not broadcast "
                                    f"(dimension {j}: {_dim_text(shape[j])} and {_dim_text(d)})")
        operands = []
        for t in ts:
            off = rank - len(t.shape)
            keep = [i for i, d in enumerate(t.shape) if d == shape[off + i]]
            if len(keep) < len(t.shape):
                t = self.drop_unit_dims(t, keep)
            operands.append((t, [off + i for i in keep]))
        return tuple(shape), operands

    def drop_unit_dims(self, t, keep) -> T:
        """t without its unit dims not in `keep` (collapse_shape)."""
        groups, current = [], []
        for i in range(len(t.shape)):
            current.append(i)
            if i in keep:
                groups.append(current)
                current = []
        if current:
            if groups:
                groups[-1] += current
            # else: all dims go: a rank-0 tensor
        if not groups:
            name = self.em.fresh("scalar")
            self.em.lines.append(f"  %{name} = tensor.collapse_shape %{t.ssa} [] : {t.type} into "
                                 f"{_type((), t.dtype)}")
            return T(name, (), t.dtype)
        return self.em.reshape(t, groups, tuple(t.shape[i] for i in keep))

    def elementwise(self, node, ts, body) -> T:
        shape, operands = self.broadcast(node, ts)
        return self.em.generic(node.name, shape, operands, body)

    def binary(self, node, op):
        if node.kwargs:
            self.fail(node, f"keyword arguments {sorted(node.kwargs)} are not supported")
        a, b = (self.value(node, v) for v in node.args)
        tensors, refs = [], []
        for v in (a, b):
            if isinstance(v, T):
                if v.dtype != "f32":
                    self.fail(node, "arithmetic on int64 tensors is not supported")
                refs.append(f"%a{len(tensors)}")
                tensors.append(v)
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                refs.append(f"%k{len(refs)}")
            else:
                self.fail(node, f"operand {v!r} is neither a tensor nor a number")
        consts = [f"%k{i} = arith.constant {_f32(v)} : f32" for i, v in enumerate((a, b)) if not isinstance(v, T)]
        return self.elementwise(node, tensors, consts + [f"%r = {op} {refs[0]}, {refs[1]} : f32"])

    def size_arith(self, node, op, a, b):
        """Arithmetic on sizes (x.shape[0] * 2, ...): a Python int when both
        are static, a product of sizes, or a product divided exactly."""
        if isinstance(a, int) and isinstance(b, int):
            return op(a, b)
        if op is operator.mul and isinstance(a, (int, str)) and isinstance(b, (int, str)):
            return self.em.mul(a, b)
        if op is operator.floordiv and isinstance(b, (int, str)):
            q = self.em.div(a, b)
            if q is not None:
                return q
        self.fail(node, f"size arithmetic {_target_name(node)}({_dim_text(a)}, {_dim_text(b)}) is not "
                        "supported on dynamic sizes (only products and exact quotients; -1 in view() "
                        "infers a size)")

    def linear(self, node, x, w, b) -> T:
        em = self.em
        rows = em.rows(x)
        n = w.shape[1]
        init = em.filled((rows.shape[0], n), 0.0)
        y = em.fresh(node.name)
        em.lines.append(f"  %{y} = linalg.matmul ins(%{rows.ssa}, %{w.ssa} : {rows.type}, {w.type})"
                        f" outs(%{init.ssa} : {init.type}) -> {init.type}")
        y = T(y, init.shape)
        if b is not None:
            y = em.generic(f"{node.name}_bias", y.shape, [(y, [0, 1]), (b, [1])],
                           ["%r = arith.addf %a0, %a1 : f32"])
        return em.unrows(y, x.shape[:-1])

    def matmul(self, node, a, b) -> T:
        em = self.em
        if len(a.shape) < 2 or len(b.shape) < 2:
            self.fail(node, "matmul of vectors is not supported (both operands need rank >= 2)")
        if a.shape[-1] != b.shape[-2]:
            self.fail(node, f"matmul of {_shape_text(a.shape)} and {_shape_text(b.shape)}: inner sizes differ")
        if len(b.shape) == 2:
            rows = em.rows(a)
            init = em.filled((rows.shape[0], b.shape[1]), 0.0)
            y = em.fresh(node.name)
            em.lines.append(f"  %{y} = linalg.matmul ins(%{rows.ssa}, %{b.ssa} : {rows.type}, {b.type})"
                            f" outs(%{init.ssa} : {init.type}) -> {init.type}")
            return em.unrows(T(y, init.shape), a.shape[:-1])
        if a.shape[:-2] != b.shape[:-2]:
            self.fail(node, f"batched matmul of {_shape_text(a.shape)} and {_shape_text(b.shape)}: "
                            "the batch dimensions differ (broadcasting is not supported)")
        lead = a.shape[:-2]
        self.row_wise = False

        def batched(t):
            if len(t.shape) == 3:
                return t
            k = len(t.shape)
            return em.reshape(t, [list(range(k - 2)), [k - 2], [k - 1]], (em.product(lead), *t.shape[-2:]))
        a3, b3 = batched(a), batched(b)
        init = em.filled((a3.shape[0], a3.shape[1], b3.shape[2]), 0.0)
        y = em.fresh(node.name)
        em.lines.append(f"  %{y} = linalg.batch_matmul ins(%{a3.ssa}, %{b3.ssa} : {a3.type}, {b3.type})"
                        f" outs(%{init.ssa} : {init.type}) -> {init.type}")
        y = T(y, init.shape)
        if len(lead) == 1:
            return y
        return em.reshape(y, [list(range(len(lead))), [len(lead)], [len(lead) + 1]],
                          (*lead, a.shape[-2], b.shape[-1]))

    def transpose(self, x, perm) -> T:
        em = self.em
        self.row_wise = False
        if perm == list(range(len(perm))):
            return x
        init = em.empty(tuple(x.shape[p] for p in perm), x.dtype)
        name = em.fresh("transpose")
        em.lines.append(f"  %{name} = linalg.transpose ins(%{x.ssa} : {x.type}) outs(%{init.ssa} : {init.type})"
                        f" permutation = [{', '.join(map(str, perm))}]")
        return T(name, init.shape, x.dtype)

    def view(self, node, x, shape) -> T:
        """x reshaped to `shape` (ints, sizes, at most one -1): one
        collapse_shape and/or expand_shape, grouping dims by their products."""
        em = self.em
        self.row_wise = False
        shape = list(shape)
        for d in shape:
            if not (isinstance(d, str) or (isinstance(d, int) and d >= -1)):
                self.fail(node, f"size {d!r} is not supported in a view")
        total = em.product(x.shape)
        if shape.count(-1) > 1:
            self.fail(node, "more than one -1 in a view")
        if -1 in shape:
            known = em.product([d for d in shape if d != -1])
            rest = em.div(total, known)
            if rest is None:
                self.fail(node, f"cannot infer -1 in {shape} from {_shape_text(x.shape)}")
            shape[shape.index(-1)] = rest
        if em.key(em.product(shape)) != em.key(total):
            self.fail(node, f"cannot view {_shape_text(x.shape)} as {_shape_text(shape)}")
        groups = self.view_groups(node, x.shape, shape)
        if all(len(o) == 1 and len(n) == 1 for o, n in groups):
            return x
        mid = tuple(em.product([x.shape[i] for i in o]) for o, _ in groups)
        y = x
        if any(len(o) > 1 for o, _ in groups) or not groups:
            y = em.reshape(x, [o for o, _ in groups], mid)
        if any(len(n) > 1 for _, n in groups):
            y = em.reshape(y, [n for _, n in groups], tuple(shape))
        return y

    def view_groups(self, node, old, new) -> list:
        """Pairs (old dims, new dims) of equal products, in order."""
        em = self.em
        groups, i, j = [], 0, 0
        while i < len(old) or j < len(new):
            if i == len(old) or j == len(new):
                # trailing unit dims join the last group
                if not groups:
                    self.fail(node, f"cannot view {_shape_text(old)} as {_shape_text(new)}")
                rest_old, rest_new = list(range(i, len(old))), list(range(j, len(new)))
                if any(old[k] != 1 for k in rest_old) or any(new[k] != 1 for k in rest_new):
                    self.fail(node, f"cannot view {_shape_text(old)} as {_shape_text(new)}")
                groups[-1][0].extend(rest_old)
                groups[-1][1].extend(rest_new)
                break
            go, gn = [i], [j]
            po, pn = old[i], new[j]
            i, j = i + 1, j + 1
            while em.key(po) != em.key(pn):
                if em.div(po, pn) is not None and j < len(new):
                    pn = em.mul(pn, new[j])
                    gn.append(j)
                    j += 1
                elif em.div(pn, po) is not None and i < len(old):
                    po = em.mul(po, old[i])
                    go.append(i)
                    i += 1
                else:
                    self.fail(node, f"cannot view {_shape_text(old)} as {_shape_text(new)} "
                                    "(the sizes do not regroup)")
            groups.append((go, gn))
        return groups

    def softmax(self, node, x, dim) -> T:
        d = self.dim_index(node, dim, len(x.shape))
        self.row_wise = self.row_wise and d == len(x.shape) - 1
        em = self.em
        out = em.empty(x.shape)
        name = em.fresh(node.name)
        em.lines.append(f"  %{name} = linalg.softmax dimension({d}) ins(%{x.ssa} : {x.type})"
                        f" outs(%{out.ssa} : {out.type}) -> {out.type}")
        return T(name, x.shape)

    def size_as_f32(self, d) -> str:
        """An f32 SSA value (outside any region) holding size `d`."""
        em = self.em
        name = em.fresh("n")
        if isinstance(d, int):
            em.lines.append(f"  %{name} = arith.constant {_f32(d)} : f32")
        else:
            i = em.fresh("n_i64")
            em.lines += [f"  %{i} = arith.index_cast %{d} : index to i64",
                         f"  %{name} = arith.sitofp %{i} : i64 to f32"]
        return name

    def sum(self, hint, x, d, term=None, extra=()) -> T:
        """The sum over dim `d` of x (or of `term`, which body lines compute
        from %a0 = x and %a1.. = the `extra` (T, dims) operands)."""
        em = self.em
        rank = len(x.shape)
        init = em.filled(tuple(s for i, s in enumerate(x.shape) if i != d), 0.0)
        body = list(term or []) + [f"%r = arith.addf {'%t' if term else '%a0'}, %o : f32"]
        return em.generic(hint, x.shape, [(x, list(range(rank))), *extra], body, reduce_dims=(d,), init=init)

    def mean(self, node) -> T:
        x = self.tensor(node, node.args[0])
        dim = node.kwargs.get("dim", node.args[1] if len(node.args) > 1 else None)
        keepdim = node.kwargs.get("keepdim", node.args[2] if len(node.args) > 2 else False)
        if isinstance(dim, (tuple, list)) and len(dim) == 1:
            dim = dim[0]
        if not isinstance(dim, int) or node.kwargs.get("dtype") is not None:
            self.fail(node, "mean over one dimension is supported (mean(x, dim))")
        d = self.dim_index(node, dim, len(x.shape))
        self.row_wise = self.row_wise and d == len(x.shape) - 1
        total = self.sum(f"{node.name}_sum", x, d)
        n = self.size_as_f32(x.shape[d])
        # %n is defined outside the region: a generic's body may use it.
        y = self.em.generic(node.name, total.shape, [(total, list(range(len(total.shape))))],
                            [f"%r = arith.divf %a0, %{n} : f32"])
        if keepdim:
            y = self.view(node, y, [*x.shape[:d], 1, *x.shape[d + 1:]])
        return y

    def layer_norm(self, hint, x, eps, weight, bias) -> T:
        """(x - mean) / sqrt(var + eps) over the last dim, * weight + bias."""
        em = self.em
        rank, last = len(x.shape), len(x.shape) - 1
        lead = list(range(last))
        n = self.size_as_f32(x.shape[-1])
        total = self.sum(f"{hint}_sum", x, last)
        sq = self.sum(f"{hint}_sq", x, last, term=[f"%mean = arith.divf %a1, %{n} : f32",
                                                    "%d = arith.subf %a0, %mean : f32",
                                                    "%t = arith.mulf %d, %d : f32"],
                      extra=[(total, lead)])
        operands = [(x, list(range(rank))), (total, lead), (sq, lead)]
        body = [f"%eps = arith.constant {_f32(eps)} : f32",
                f"%mean = arith.divf %a1, %{n} : f32", f"%var = arith.divf %a2, %{n} : f32",
                "%ve = arith.addf %var, %eps : f32", "%inv = math.rsqrt %ve : f32",
                "%d = arith.subf %a0, %mean : f32"]
        # (x - mean) * inv, then * weight, then + bias: the last one is %r.
        steps = [("%d", "mulf", "%inv")] + [("", what, t) for what, t in (("mulf", weight), ("addf", bias))
                                            if t is not None]
        for k, (lhs, what, rhs) in enumerate(steps):
            if isinstance(rhs, T):
                operands.append((rhs, [last]))
                rhs = f"%a{len(operands) - 1}"
            result = "%r" if k == len(steps) - 1 else f"%r{k}"
            body.append(f"{result} = arith.{what} {lhs or f'%r{k - 1}'}, {rhs} : f32")
        return em.generic(hint, x.shape, operands, body)

    def embedding(self, node, m) -> T:
        """table[ids] for int64 `ids`, a model input whose every entry the
        entry point checks against the table's size (fff.index_bound)."""
        em = self.em
        ids = self.tensor(node, node.args[0], dtype="i64")
        if ids.ssa not in self.inputs:
            self.fail(node, "the indices of an Embedding must be a model input (int64), so that the "
                            "entry point can check them")
        if m.max_norm is not None:
            self.fail(node, "Embedding with max_norm is not supported")
        table = em.weight(f"{node.target}.weight", m.weight, "value", lambda: m.weight.detach().cpu().float().numpy())
        vocab, width = table.shape
        self.index_bounds[self.inputs[ids.ssa]] = vocab
        rank = len(ids.shape)
        body = [f"%i = arith.index_cast %a0 : i64 to index", f"%j = linalg.index {rank} : index",
                f"%r = tensor.extract %{table.ssa}[%i, %j] : {table.type}"]
        return em.generic(node.name, (*ids.shape, width), [(ids, list(range(rank)))], body)

    def slice(self, node, x, index) -> T:
        """x[index]: slices of step 1, ints, None (a new unit dim), `...`."""
        em = self.em
        self.row_wise = False
        if not isinstance(index, tuple):
            index = (index,)
        index = tuple(self.value(node, list(index)))
        if index.count(Ellipsis) > 1:
            self.fail(node, "more than one ... in an index")
        used = sum(1 for i in index if i is not None and i is not Ellipsis)
        if used > len(x.shape):
            self.fail(node, f"{used} indices for a tensor of rank {len(x.shape)}")
        if Ellipsis in index:
            k = index.index(Ellipsis)
            index = index[:k] + (slice(None),) * (len(x.shape) - used) + index[k + 1:]
        index = index + (slice(None),) * (len(x.shape) - sum(1 for i in index if i is not None))
        offsets, sizes, out, dropped, dim = [], [], [], [], 0
        for item in index:
            if item is None:
                out.append(("new", None))
                continue
            size = x.shape[dim]
            if isinstance(item, int) and not isinstance(item, bool):
                if isinstance(size, str) or not -size <= item < size:
                    self.fail(node, f"index {item} out of range for dimension {dim} of {_shape_text(x.shape)}")
                offsets.append(item % size)
                sizes.append(1)
                dropped.append(len(offsets) - 1)
            elif isinstance(item, slice):
                if item.step not in (None, 1):
                    self.fail(node, "slices with a step are not supported")
                start = 0 if item.start is None else item.start
                if not isinstance(start, int) or start < 0:
                    self.fail(node, f"slice start {start!r} is not supported (a non-negative int)")
                stop = item.stop
                if stop is None or (stop == size and not start):
                    length = max(size - start, 0) if isinstance(size, int) else size
                    if isinstance(size, str) and start:
                        self.fail(node, "slices of dynamic dimensions are not supported")
                elif isinstance(stop, str):
                    if isinstance(size, str):
                        self.fail(node, "a slice of a dynamic dimension by a dynamic size is not supported")
                    if start:
                        self.fail(node, "a slice with a start and a dynamic stop is not supported")
                    self.bound(node, stop, size)
                    length = stop
                elif isinstance(stop, int):
                    if isinstance(size, str):
                        if start or stop != size:
                            self.fail(node, "slices of dynamic dimensions are not supported")
                        length = size
                    else:
                        stop = max(min(stop if stop >= 0 else size + stop, size), start)
                        length = stop - start
                else:
                    self.fail(node, f"slice stop {stop!r} is not supported")
                offsets.append(start)
                sizes.append(length)
                out.append(("keep", len(sizes) - 1))
            else:
                self.fail(node, f"index {item!r} is not supported")
            dim += 1
        y = x
        if any(o != 0 for o in offsets) or any(s != d for s, d in zip(sizes, x.shape)):
            name = em.fresh(node.name)
            t = _type(sizes, x.dtype)
            dyn_sizes = ", ".join(f"%{s}" if isinstance(s, str) else str(s) for s in sizes)
            em.lines.append(f"  %{name} = tensor.extract_slice %{x.ssa}[{', '.join(map(str, offsets))}]"
                            f" [{dyn_sizes}] [{', '.join('1' for _ in sizes)}] : {x.type} to {t}")
            y = T(name, tuple(sizes), x.dtype)
        shape = [sizes[k] if kind == "keep" else 1 for kind, k in out]
        if dropped or len(shape) != len(sizes):
            y = self.view(node, y, shape)
        return y

    def bound(self, node, size: str, limit: int):
        """Records that input size `size` may be at most `limit`."""
        if size not in self.em.origin:
            self.fail(node, "a slice may end at a static size or at a model input's size")
        key = self.em.origin[size]
        self.em.max_sizes[key] = min(self.em.max_sizes.get(key, limit), limit)


def _dim_text(d) -> str:
    return "?" if isinstance(d, str) else str(d)


def _shape_text(shape) -> str:
    return "(" + ", ".join(_dim_text(d) for d in shape) + ")"
