"""The UltraFastBERT-shaped encoder (examples/torch/ultrafastbert_encoder.py)
compiled whole, input_ids and mask in, hidden states out, against its own
PyTorch eval forward; its C ABI's checks on bad token ids, sizes and dtypes.

A routing decision whose logit lies within rounding of 0 could go either
way in float32 and flip a whole sequence's output through attention, so
every test first measures the margins of the inputs it uses and fails,
naming them, if one is that close (the seeds are chosen so none is)."""
import importlib.util
import sys

import numpy as np
import pytest

from conftest import require_torch
from fff_mlir.native import FFFRuntimeError
from fff_mlir.paths import REPO_ROOT
from fff_mlir.reference import ShapeError

torch = require_torch()
import fff_mlir.torch  # noqa: E402


def _load_example():
    path = REPO_ROOT / "examples" / "torch" / "ultrafastbert_encoder.py"
    spec = importlib.util.spec_from_file_location("ultrafastbert_encoder", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up
    spec.loader.exec_module(module)
    return module


enc = _load_example()
SMALL = enc.Config(layers=2, hidden=64, heads=4, vocab=1000, max_sequence=32, depth=5)
SIZES = [("batch", "sequence")] * 2
# float32 logits are exact to ~1e-6 of their size here; a margin above this
# cannot flip between PyTorch's and the compiled code's rounding.
MARGIN = 1e-4


def check_margins(model, ids, mask):
    margins = enc.routing_margins(model, ids, mask)
    close = [(i, m) for i, m in enumerate(margins) if m < MARGIN]
    assert not close, f"routing logits within {MARGIN} of the threshold (layer, |logit|): {close}"


def assert_matches(got, expected):
    """Within 1e-4 of each token's scale: its hidden vector's RMS (about 1
    after the final LayerNorm). Pointwise relative error is no measure at
    entries near 0, where float32 rounding of the sums dominates."""
    assert got.shape == expected.shape
    error = enc.relative_error(got, expected)
    assert error <= 1e-4, f"largest difference {error:.2e} of a token's RMS"


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    model = enc.build(SMALL, seed=0)
    ids, mask = enc.example_inputs(SMALL, 2, 16)
    out = tmp_path_factory.mktemp("encoder") / "encoder.so"
    return model, fff_mlir.torch.compile(model, (ids, mask), output=out, sizes=SIZES)


@pytest.mark.parametrize("batch,sequence", [(1, 1), (1, 16), (3, 7), (2, 32), (4, 5)])
def test_encoder_matches_pytorch(small, batch, sequence):
    model, fast = small
    ids, mask = enc.example_inputs(SMALL, batch, sequence, seed=batch * 100 + sequence)
    check_margins(model, ids, mask)
    with torch.no_grad():
        expected = model(ids, mask)
    got = fast(ids, mask)
    assert got.shape == (batch, sequence, SMALL.hidden) and got.dtype == torch.float32
    assert_matches(got, expected)


def test_ir_has_the_model(small):
    _, fast = small
    text = fast.mlir
    assert text.count("fff.path_neuron trees 1 depth 5 activation gelu tie gt") == SMALL.layers
    assert text.count("linalg.batch_matmul") == 2 * SMALL.layers
    assert "fff.index_bound = 1000 : i64" in text and "fff.max_sizes = array<i64: -1, 32>" in text
    assert "fff.same_sizes = [[0, 0, 0], [1, 0, 1]]" in text
    assert "linalg.softmax dimension(3)" in text and "tensor.extract %" in text


def test_state_dict_has_the_published_layout():
    keys = enc.build(SMALL, seed=0).state_dict().keys()
    for key in ("encoder.layers.0.ffn.linear_in.weight", "encoder.layers.0.ffn.linear_in.bias",
                "encoder.layers.1.ffn.linear_out.weight", "encoder.embedding.word_embedding.weight",
                "encoder.layers.0.attn.self_attention.query_key_value.weight",
                "encoder.layers.0.attn.dense.weight", "encoder.final_norm.weight"):
        assert key in keys
    assert "encoder.layers.0.attn.dense.bias" not in keys
    assert "encoder.layers.0.ffn.linear_out.bias" not in keys


def test_bad_token_ids_return_a_status(small):
    _, fast = small
    ids, mask = enc.example_inputs(SMALL, 2, 4)
    for bad in (SMALL.vocab, -1, 2 ** 40):
        wrong = ids.clone()
        wrong[1, 2] = bad
        # Python names the argument ...
        with pytest.raises(IndexError, match=r"input_ids holds indices in .* outside \[0, 1000\)"):
            fast(wrong, mask)
        # ... and the entry point itself refuses before reading the table.
        entry = fast.entry_point
        with pytest.raises(FFFRuntimeError, match="returned 5: an index argument is out of range"):
            entry._invoke([wrong.numpy(), mask.numpy()])


def test_bad_sizes_and_dtypes_are_named(small):
    _, fast = small
    ids, mask = enc.example_inputs(SMALL, 2, 33)
    with pytest.raises(ShapeError, match="a size bounded by the model"):
        fast(ids, mask)  # longer than the 32 positions
    with pytest.raises(FFFRuntimeError, match="returned 3"):
        fast.entry_point._invoke([ids.numpy(), mask.numpy()])
    ids, mask = enc.example_inputs(SMALL, 2, 8)
    with pytest.raises(ShapeError, match="argument sizes of one name must be equal"):
        fast(ids, mask[:, :7])
    with pytest.raises(ShapeError, match="expected shape"):
        fast(ids, mask[0])
    with pytest.raises(TypeError, match="2 input"):
        fast(ids)


def test_gather_and_masking_forwards_agree():
    """The two PyTorch FFF forwards the benchmark compares compute one function."""
    model = enc.build(SMALL, seed=0)
    gather = enc.build(enc.Config(**{**SMALL.__dict__, "ffn": "gather"}), seed=0)
    ids, mask = enc.example_inputs(SMALL, 2, 9)
    with torch.no_grad():
        np.testing.assert_allclose(gather(ids, mask).numpy(), model(ids, mask).numpy(), rtol=1e-4, atol=1e-5)


def test_weights_as_arguments_and_dense_model(tmp_path):
    """A dense BERT of the same shape, its weights passed at each call
    (what the 16-layer model needs) rather than compiled in."""
    config = enc.Config(**{**SMALL.__dict__, "ffn": "dense", "intermediate": 128, "layers": 1})
    model = enc.build(config, seed=3)
    ids, mask = enc.example_inputs(config, 3, 10)
    fast = fff_mlir.torch.compile(model, (ids, mask), output=tmp_path / "dense.so", sizes=SIZES,
                                  weights="arguments")
    assert "arith.constant dense<\"0x" not in fast.mlir
    assert len(fast.imported.weights) == len(list(model.parameters())) + 1  # + the position table
    with torch.no_grad():
        expected = model(ids, mask)
    assert_matches(fast(ids, mask), expected)


def test_bf16_state_dict(tmp_path):
    """bf16 weights in memory compile as float32 (their exact values)."""
    config = enc.Config(**{**SMALL.__dict__, "layers": 1})
    model = enc.build(config, seed=4).to(torch.bfloat16)
    ids, mask = enc.example_inputs(config, 2, 6)
    fast = fff_mlir.torch.compile(model, (ids, mask), output=tmp_path / "bf16.so", sizes=SIZES)
    reference = model.float()  # the same bf16-rounded values, in float32
    check_margins(reference, ids, mask)
    with torch.no_grad():
        expected = reference(ids, mask)
    assert_matches(fast(ids, mask), expected)
