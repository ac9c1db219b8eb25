"""Compiled layers against the numpy reference: a seeded randomized differential
test over every fff-cpu-pipeline variant, and the MNIST fixtures' accuracies
through the same variants. The cases and the oracle are in compiled_cases.py.
"""
import numpy as np
import pytest

from conftest import require_fixture, require_torch
from fff_mlir import ACTIVATIONS, TIE_RULES, LeafMLP, MasterLeaf, PathNeuron, load_layer
from fff_mlir.jobs.mnist import load_test_set
from fff_mlir.native import CompileOptions, compile_layers, run_layer
from fff_mlir.verify import near_tie_rows
from compiled_cases import CASES, MNIST_MODELS, NUM_CASES, check_against_reference, exact_routes

# Path-neuron walks take two levels a step by default (walk-step=2); the
# "-step1" variants keep the one-level step.
VARIANTS = {
    "fused-v8": CompileOptions(fuse=True, vector_width=8, row_block=1, group_rows=0),
    "fused-scalar-rb4-step1": CompileOptions(fuse=True, vector_width=0, row_block=4, group_rows=0,
                                             walk_step=1),
    "fused-v16-rb3": CompileOptions(fuse=True, vector_width=16, row_block=3, group_rows=0),
    "unfused-scalar": CompileOptions(fuse=False, vector_width=0, group_rows=0),
    "unfused-v4": CompileOptions(fuse=False, vector_width=4, group_rows=0),
    "fused-v16-openmp": CompileOptions(fuse=True, vector_width=16, openmp=True, group_rows=0),
    "fused-v8-interleave3": CompileOptions(fuse=True, vector_width=8, interleave=3, group_rows=0),
    "fused-scalar-interleave2": CompileOptions(fuse=True, vector_width=0, interleave=2, group_rows=0),
    # Rows grouped by leaf (leaf MLP) or subtree (path neuron). With the
    # default min batch (64), smaller batches take the fused branch: the
    # cases' batches (1-1000) cover both sides of that dispatch.
    # Tiles of 5 rows: path neurons with several trees go tile by tile.
    "grouped-v8-rows4-tile5": CompileOptions(vector_width=8, group_rows=4,
                                             extra=("--group-tile-rows=5",)),
    "grouped-v16-rows1-always-step1": CompileOptions(vector_width=16, group_rows=1, group_min_batch=0,
                                                     walk_step=1),
    "grouped-scalar-rows3-always": CompileOptions(vector_width=0, group_rows=3, group_min_batch=0),
    "grouped-v8-openmp-always": CompileOptions(vector_width=8, openmp=True, group_min_batch=0),
    # Level-synchronous walks with fff.bucket and fff.grouped_matmul
    # (fff-bucket-rows): register blocks of 1-8 rows, tiles of 5 rows (most
    # cases span several tiles; a 2^(depth+1) <= 5 tree buckets by leaf),
    # scalar and vector kernels, and the min-batch dispatch. The path-neuron
    # tiles are an scf.forall: with OpenMP, tiles of 5 rows run on several
    # threads at once.
    "bucketed-v16-r4-always": CompileOptions(vector_width=16, bucket_rows=True, bucket_min_batch=0),
    "bucketed-v8-r3-tile5-openmp": CompileOptions(vector_width=8, bucket_rows=True, bucket_min_batch=0,
                                                  bucket_tile_rows=5, register_rows=3, openmp=True),
    "bucketed-scalar-r1-tile64": CompileOptions(vector_width=0, bucket_rows=True, bucket_min_batch=0,
                                                bucket_tile_rows=64, register_rows=1),
    "bucketed-v4-r8-dispatch": CompileOptions(vector_width=4, bucket_rows=True, register_rows=8),
    # The CUDA target's kernel code (convert-fff-to-gpu), run on the CPU with
    # one lane per row: checks its routing and arithmetic without a GPU.
    "gpu-kernels-on-host": CompileOptions(extra=("--gpu-kernels-on-host",)),
}


_modules = {}


def compiled(variant, tmp_path_factory):
    if variant not in _modules:
        layers = {f"case{i}": layer for i, (layer, _, _) in enumerate(CASES)}
        _modules[variant] = compile_layers(layers, VARIANTS[variant], tmp_path_factory.mktemp(variant))
    return _modules[variant]


@pytest.mark.parametrize("case", range(NUM_CASES))
@pytest.mark.parametrize("variant", VARIANTS)
def test_random_layer_matches_reference(variant, case, tmp_path_factory):
    layer, x, desc = CASES[case]
    got = run_layer(compiled(variant, tmp_path_factory), f"case{case}", layer, x)
    try:
        check_against_reference(layer, x, got, exact_routes=exact_routes(case))
    except AssertionError as e:
        raise AssertionError(f"case {case} ({desc}) under {variant}: {e}") from None


def _zero_width_layers():
    """Layers with no input or no output columns (the random cases have at
    least one of each): every logit is its bias, so routes are exact."""
    rng = np.random.default_rng([SEED_ZERO, 0])
    w = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731
    layers = {}
    for trees, depth, d_in, d_out in [(2, 3, 0, 6), (1, 2, 0, 3), (3, 1, 0, 5), (2, 2, 4, 0)]:
        tn = trees * (2 ** (depth + 1) - 1)
        layers[f"path_t{trees}_in{d_in}_out{d_out}"] = PathNeuron(w(tn, d_in), w(tn), w(d_out, tn),
                                                                  trees, depth)
    for depth, d_in, width, d_out, master in [(2, 0, 3, 4, False), (3, 0, 2, 5, True), (1, 3, 2, 0, False)]:
        n = 2**depth
        extra = MasterLeaf(w(d_in, 2), w(2), w(2, d_out), w(d_out), k=0.3) if master else None
        layers[f"leaf_d{depth}_in{d_in}_out{d_out}"] = LeafMLP(
            w(n - 1, d_in), w(n - 1), w(n, d_in, width), w(n, width), w(n, width, d_out), w(n, d_out), extra)
    return layers


SEED_ZERO = 20261204


@pytest.mark.parametrize("variant", VARIANTS)
def test_zero_width_layers_match_reference(variant, tmp_path):
    """Width 0 compiles through every variant (it once made fff-group-rows and
    fff-bucket-rows build an out-of-bounds tensor.extract_slice) and runs."""
    layers = _zero_width_layers()
    library = compile_layers(layers, VARIANTS[variant], tmp_path)
    for name, layer in layers.items():
        for batch in (1, 7, 70):
            x = np.zeros((batch, layer.d_in), np.float32)
            got = run_layer(library, name, layer, x)
            check_against_reference(layer, x, got, exact_routes=True)


SEED_GROUPED = 20261207
GROUPED_BATCHES = (0, 1, 3, 17, 1000, 4097)


def check_integer_batches(library, layers, rng, batches):
    """Every layer of `library` on small-integer rows (exact ties), zero rows
    and NaN rows at each batch size, against the reference exactly."""
    for name, layer in layers.items():
        for batch in batches:
            x = rng.integers(-2, 3, size=(batch, layer.d_in)).astype(np.float32)
            x[rng.random(batch) < 0.2] = 0
            x[rng.random(batch) < 0.05, 0] = np.nan
            got = run_layer(library, name, layer, x)
            try:
                check_against_reference(layer, x, got, exact_routes=True)
            except AssertionError as e:
                raise AssertionError(f"{name} batch {batch}: {e}") from None


@pytest.mark.parametrize("rows", [1, 3, 4])
def test_grouped_path_neuron_every_batch_size(rows, tmp_path):
    """fff-group-rows walks `rows` positions of the subtree order together,
    then the positions left over alone: batches that are not multiples of
    `rows` (or empty, or one row), subtrees that no row reaches (4097 rows
    cannot miss any of 8 subtrees, 3 rows must), exact ties (integer weights
    and inputs, zero rows) and NaN rows all match the reference exactly."""
    rng = np.random.default_rng([SEED_GROUPED, rows])
    layers = {}
    for trees, depth, d_in, d_out, activation, tie in [(1, 1, 5, 3, "relu", "ge"),
                                                       (1, 6, 17, 9, "gelu", "gt"),
                                                       (2, 4, 33, 7, "identity", "ge")]:
        tn = trees * (2 ** (depth + 1) - 1)
        w = lambda *s: rng.integers(-2, 3, size=s).astype(np.float32)  # noqa: E731
        layers[f"path_t{trees}_d{depth}"] = PathNeuron(w(tn, d_in), w(tn), w(d_out, tn), trees, depth,
                                                       activation=activation, tie=tie)
    options = CompileOptions(vector_width=8, group_rows=rows, group_min_batch=0)
    library = compile_layers(layers, options, tmp_path)
    check_integer_batches(library, layers, rng, GROUPED_BATCHES)


@pytest.mark.parametrize("family", ["path", "leaf"])
def test_default_interleave_on_wide_layers(family, tmp_path):
    """Under fff-compile's defaults the fused loop (batches below
    group-min-batch) walks four rows together in layers at least 256 wide
    (interleave=0, chosen per layer) and one row at a time in narrower ones:
    both sides of the threshold, depth 0, batches around the group of four,
    exact ties (integer weights and inputs, zero rows) and NaN rows match
    the reference exactly."""
    rng = np.random.default_rng([SEED_GROUPED, 256, family == "leaf"])
    w = lambda *s: rng.integers(-2, 3, size=s).astype(np.float32)  # noqa: E731
    layers = {}
    for d_in in (255, 256, 301):
        for depth in (0, 3, 6):
            if family == "path":
                tn = 2 * (2 ** (depth + 1) - 1)
                layers[f"p{d_in}_d{depth}"] = PathNeuron(w(tn, d_in), w(tn), w(7, tn), 2, depth,
                                                         activation="gelu", tie="ge")
            else:
                n = 2**depth
                master = MasterLeaf(w(d_in, 3), w(3), w(3, 5), w(5), k=0.25) if depth == 3 else None
                layers[f"l{d_in}_d{depth}"] = LeafMLP(w(n - 1, d_in), w(n - 1), w(n, d_in, 4), w(n, 4),
                                                      w(n, 4, 5), w(n, 5), master, activation="relu", tie="gt")
    library = compile_layers(layers, CompileOptions(), tmp_path)
    check_integer_batches(library, layers, rng, (0, 1, 3, 4, 5, 17, 63, 100))


def test_cases_cover_the_issue_matrix():
    """The seeded cases span what they claim: depths 0..12, both families,
    masters, T > 1, every activation and tie rule, batch 1 and large, NaN,
    exact ties."""
    descs = [d for _, _, d in CASES]
    assert {c[0].depth for c in CASES} == set(range(13))
    assert any("master=True" in d for d in descs) and any("master=False" in d for d in descs)
    assert any(isinstance(c[0], PathNeuron) and c[0].trees > 1 for c in CASES)
    assert all(any(f" {a} " in d for d in descs) for a in ACTIVATIONS)
    assert all(any(f"tie={t}" in d for d in descs) for t in TIE_RULES)
    batches = [len(c[1]) for c in CASES]
    assert min(batches) == 1 and max(batches) > 500
    assert sum(np.isnan(c[1]).any() for c in CASES) >= 10
    ties = 0
    for i, (layer, x, _) in enumerate(CASES):
        if i % 5 == 0 and isinstance(layer, LeafMLP) and layer.depth > 0:
            s = x[~np.isnan(x).any(axis=1)] @ layer.node_weights[0] + layer.node_biases[0]
            ties += int(np.sum(s == 0))
    assert ties > 50, "integer-mode cases should produce many exact ties at the root"
    # Rows left out of the value check (near a threshold) stay rare.
    normal = [(layer, x) for i, (layer, x, _) in enumerate(CASES) if i % 5]
    skipped = sum(int(near_tie_rows(layer, x).sum()) for layer, x in normal)
    assert skipped <= 0.01 * sum(len(x) for _, x in normal)


# ----------------------------------------------------------------------------
# MNIST fixtures: compiled through every variant, on the full test set.
# ----------------------------------------------------------------------------

_mnist = {}


@pytest.mark.parametrize("model,correct", MNIST_MODELS)
@pytest.mark.parametrize("variant", VARIANTS)
def test_mnist_compiled_accuracy_exact(variant, model, correct, tmp_path_factory):
    mnist = require_fixture("mnist")
    require_torch()
    if variant not in _mnist:
        layers = {m: load_layer(mnist / "models" / f"{m}.pt") for m, _ in MNIST_MODELS}
        module = compile_layers(layers, VARIANTS[variant], tmp_path_factory.mktemp("mnist-" + variant))
        _mnist[variant] = (layers, module)
    layers, module = _mnist[variant]
    x, labels = load_test_set(mnist)
    logits = run_layer(module, model, layers[model], x)
    assert int(np.sum(np.argmax(logits, axis=1) == labels)) == correct
