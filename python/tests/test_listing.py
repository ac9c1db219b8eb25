"""The package takes fff-compile's defaults, status codes and weight names
from `fff-compile --list-json` (listing.py) instead of spelling them again."""
import numpy as np
import pytest
from conftest import skip_unless_ci
from random_layers import random_leaf_mlp, random_path_neuron

from fff_mlir import listing
from fff_mlir.mlir_text import operand_names
from fff_mlir.native import CompileOptions


@pytest.fixture(autouse=True)
def fff_compile_built():
    try:
        listing.listing()
    except FileNotFoundError as err:
        skip_unless_ci(str(err))


def test_read_once_per_process():
    listing.listing()
    hits = listing.listing.cache_info().hits
    CompileOptions(), CompileOptions(group_rows=2)
    info = listing.listing.cache_info()
    assert info.misses == 1 and info.hits > hits


def test_compile_options_take_fff_compile_defaults():
    options = CompileOptions()
    assert (options.group_rows, options.group_min_batch) == (4, 64)
    assert (options.fuse, options.row_block, options.interleave, options.openmp) == (True, 1, 0, False)
    assert (options.target_cpu, options.opt_level) == ("host", 2)
    assert (options.gpu_chip, options.warps_per_block) == ("sm_90", 4)
    assert options.vector_width is None and not any("--vector-width" in f for f in options.flags())
    # Given values win; the rest stay fff-compile's.
    flags = CompileOptions(group_rows=0, row_block=2).flags()
    assert {"--group-rows=0", "--row-block=2", "--interleave=0", "--openmp=false"} <= set(flags)


def test_compile_signature_defaults_are_none():
    import inspect

    from fff_mlir.compiler import compile
    params = inspect.signature(compile).parameters
    assert all(params[p].default is None for p in ("group_rows", "group_min_batch", "row_block"))


def test_status_codes():
    assert listing.status_messages()[3] == "argument sizes break a shape rule of the model"
    assert listing.status_code("FFF_OK") == 0 and listing.status_code("FFF_ERROR_GPU") == 4


def test_operand_names_from_the_listing():
    rng = np.random.default_rng(0)
    leaf = operand_names(random_leaf_mlp(rng, 2, master=True))
    assert leaf == {"nw": "node_weights", "nb": "node_biases", "w1": "w1", "b1": "b1", "w2": "w2",
                    "b2": "b2", "mw1": "magic_w1", "mb1": "magic_b1", "mw2": "magic_w2",
                    "mb2": "magic_b2", "k": "k"}
    path = operand_names(random_path_neuron(rng, 1, 2))
    assert path == {"w_in": "node_weights", "b_in": "node_biases", "w_out": "output_weights"}
