"""fff_mlir.torch_import: PyTorch modules traced with torch.fx, FFF layers
recognised as fff ops, compiled by fff-compile and run against the
module's own forward (float32, eval mode)."""
import numpy as np
import pytest

from conftest import require_torch
from fff_mlir import ShapeError
from fff_mlir.native import CompileOptions, Library, compile_mlir

torch = require_torch()
nn = torch.nn
F = torch.nn.functional

from fff_mlir.torch_import import TorchImportError, import_module  # noqa: E402


class UltraFastBertFFF(nn.Module):
    """UltraFastBERT's FFF layout (linear_in / linear_out, one tree), its
    forward written per SPEC.md: GELU, ties go left."""

    def __init__(self, d_in, depth, d_out):
        super().__init__()
        nodes = 2 ** (depth + 1) - 1
        self.linear_in = nn.Linear(d_in, nodes)
        self.linear_out = nn.Linear(nodes, d_out, bias=False)
        self.depth = depth

    def forward(self, x):
        node = torch.zeros(x.shape[0], dtype=torch.long)
        y = torch.zeros(x.shape[0], self.linear_out.out_features)
        for _ in range(self.depth + 1):
            z = (x * self.linear_in.weight[node]).sum(1) + self.linear_in.bias[node]
            y = y + F.gelu(z)[:, None] * self.linear_out.weight.T[node]
            node = 2 * node + 1 + (z > 0).long()
        return y


class LeafFFF(nn.Module):
    """The fastfeedforward layout (node_weights, w1s, ...), forward per
    SPEC.md: ReLU leaves, ties go right, b2s included."""

    def __init__(self, d_in, depth, width, d_out):
        super().__init__()
        leaves = 2 ** depth
        g = torch.Generator().manual_seed(depth)
        self.node_weights = nn.Parameter(torch.randn(leaves - 1, d_in, generator=g) / d_in ** 0.5)
        self.node_biases = nn.Parameter(torch.randn(leaves - 1, 1, generator=g) * 0.1)
        self.w1s = nn.Parameter(torch.randn(leaves, d_in, width, generator=g) / d_in ** 0.5)
        self.b1s = nn.Parameter(torch.randn(leaves, width, generator=g) * 0.1)
        self.w2s = nn.Parameter(torch.randn(leaves, width, d_out, generator=g) / width ** 0.5)
        self.b2s = nn.Parameter(torch.randn(leaves, d_out, generator=g) * 0.1)
        self.depth = depth

    def forward(self, x):
        node = torch.zeros(x.shape[0], dtype=torch.long)
        for _ in range(self.depth):
            z = (x * self.node_weights[node]).sum(1) + self.node_biases[node, 0]
            node = 2 * node + 1 + (z >= 0).long()
        leaf = node - (2 ** self.depth - 1)
        h = F.relu(torch.einsum("bi,biw->bw", x, self.w1s[leaf]) + self.b1s[leaf])
        return torch.einsum("bw,bwo->bo", h, self.w2s[leaf]) + self.b2s[leaf]


class Encoderish(nn.Module):
    """Layer norm, FFF, residual, GELU, projection, scaled softmax."""

    def __init__(self):
        super().__init__()
        self.norm = nn.LayerNorm(16)
        self.fff = UltraFastBertFFF(16, 3, 16)
        self.drop = nn.Dropout(0.1)
        self.proj = nn.Linear(16, 8)

    def forward(self, x):
        y = x + self.drop(self.fff(self.norm(x)))
        return F.softmax(self.proj(F.gelu(y)) * 0.5, dim=-1)


class Mixed(nn.Module):
    """The leaf-MLP family between bias-free linears, and the other
    activations as modules and as functions."""

    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(12, 10, bias=False)
        self.fff = LeafFFF(10, 2, 4, 10)
        self.acts = nn.Sequential(nn.Tanh(), nn.SiLU(), nn.Sigmoid(), nn.GELU(approximate="tanh"))
        self.out = nn.Linear(10, 5)

    def forward(self, x):
        h = self.inp(x)
        h = self.acts(self.fff(h)) - F.relu(h) * 0.25
        return self.out(torch.tanh(2.0 - h))


def compiled(module, width, out):
    text = import_module(module.eval(), (torch.zeros(1, width),))
    return Library(compile_mlir(text, out / "model.so", CompileOptions()).path)["forward"]


@pytest.fixture(scope="module")
def encoderish(tmp_path_factory):
    torch.manual_seed(1)
    model = Encoderish().eval()
    return model, compiled(model, 16, tmp_path_factory.mktemp("encoderish"))


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    torch.manual_seed(2)
    model = Mixed().eval()
    return model, compiled(model, 12, tmp_path_factory.mktemp("mixed"))


@pytest.mark.parametrize("batch", [0, 1, 3, 17, 300])
@pytest.mark.parametrize("which", ["encoderish", "mixed"])
def test_compiled_model_matches_torch(request, which, batch):
    model, fn = request.getfixturevalue(which)
    width = 16 if which == "encoderish" else 12
    x = torch.randn(batch, width, generator=torch.Generator().manual_seed(batch))
    with torch.no_grad():
        expected = model(x).numpy()
    np.testing.assert_allclose(fn(x.numpy()), expected, rtol=1e-4, atol=1e-5)


def test_fff_layers_become_fff_ops():
    text = import_module(Mixed().eval(), (torch.zeros(1, 12),))
    assert text.count("fff.leaf_mlp depth 2 activation relu tie ge") == 1
    assert text.count("linalg.matmul") == 2
    text = import_module(Encoderish().eval(), (torch.zeros(1, 16),))
    assert "fff.path_neuron trees 1 depth 3 activation gelu tie gt" in text
    assert "linalg.softmax dimension(1)" in text and "math.rsqrt" in text


class Unsupported(nn.Module):
    def forward(self, x):
        return torch.cat([x, x], dim=1)


def test_unsupported_node_is_named_with_its_source_line():
    with pytest.raises(TorchImportError) as e:
        import_module(Unsupported().eval(), (torch.zeros(1, 4),))
    message = str(e.value)
    assert "'cat'" in message and "call_function" in message and "not supported" in message
    assert "test_torch_import.py:" in message


def test_training_mode_is_refused():
    with pytest.raises(TorchImportError, match="training mode"):
        import_module(Encoderish().train(), (torch.zeros(1, 16),))


@pytest.mark.parametrize("x", [torch.zeros(()), torch.zeros(2, 16, dtype=torch.float64),
                               torch.zeros(2, 16, dtype=torch.int32)],
                         ids=["rank-0", "float64", "int32"])
def test_inputs_must_be_float32_or_int64(x):
    with pytest.raises(TorchImportError, match="must be a float32 or int64 tensor of rank >= 1"):
        import_module(Encoderish().eval(), (x,))


def test_width_mismatch_is_named():
    with pytest.raises(TorchImportError, match="Linear takes 16 features, its input has 12"):
        import_module(nn.Sequential(nn.Linear(16, 4)).eval(), (torch.zeros(1, 12),))


def test_torch_compile_takes_any_leading_shape(tmp_path):
    import fff_mlir.torch
    torch.manual_seed(3)
    model = Encoderish().eval()
    fast = fff_mlir.torch.compile(model, (torch.zeros(1, 16),), output=tmp_path / "m.so")
    x = torch.randn(2, 3, 16, generator=torch.Generator().manual_seed(4))
    y = fast(x)
    assert isinstance(y, torch.Tensor) and y.dtype == torch.float32 and y.shape == (2, 3, 8)
    with torch.no_grad():
        expected = model(x.reshape(6, 16)).reshape(2, 3, 8)
    np.testing.assert_allclose(y.numpy(), expected.numpy(), rtol=1e-4, atol=1e-5)
    # float64 and non-contiguous inputs are converted first.
    xt = torch.randn(16, 5, dtype=torch.float64).T
    with torch.no_grad():
        expected = model(xt.float())
    np.testing.assert_allclose(fast(xt).numpy(), expected.numpy(), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match=r"\(\.\.\., 16\)"):
        fast(torch.zeros(4, 15))


def test_torch_compile_writes_into_the_callers_tensor(tmp_path):
    """out=: the compiled code writes the result into the caller's own
    tensor (no copy, no allocation); bad ones are refused by name."""
    import fff_mlir.torch
    torch.manual_seed(3)
    model = Encoderish().eval()
    fast = fff_mlir.torch.compile(model, (torch.zeros(1, 16),), output=tmp_path / "m.so")
    x = torch.randn(2, 3, 16, generator=torch.Generator().manual_seed(9))
    out = torch.full((2, 3, 8), float("nan"))
    pointer = out.data_ptr()
    assert fast(x, out=out) is out and out.data_ptr() == pointer
    with torch.no_grad():
        expected = model(x.reshape(6, 16)).reshape(2, 3, 8)
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match=r"out\[0\]: expected a tensor of shape \(2, 3, features\)"):
        fast(x, out=torch.empty(6, 8))
    with pytest.raises(ShapeError, match=r"out\[0\] must be float32 of shape \(6, 8\), got float64"):
        fast(x, out=torch.empty(2, 3, 8, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"out\[0\] must be a contiguous CPU tensor"):
        fast(x, out=torch.empty(2, 8, 3).transpose(1, 2))
    with pytest.raises(TypeError, match=r"out= takes 1 array\(s\), one per result, got 2"):
        fast(x, out=(out, out))
    wide = torch.zeros(2, 3, 16)
    with pytest.raises(ValueError, match="overlaps an argument"):
        fast(wide, out=wide.view(-1)[:48].view(2, 3, 8))


def test_replace_fff_modules_in_place():
    import fff_mlir.torch
    torch.manual_seed(5)
    model = nn.Sequential(Encoderish(), nn.Linear(8, 10, bias=False), LeafFFF(10, 3, 2, 6)).eval()
    x = torch.randn(33, 16, generator=torch.Generator().manual_seed(6))
    with torch.no_grad():
        expected = model(x)
    replaced = fff_mlir.torch.replace_fff_modules(model)
    assert replaced == ["0.fff", "2"]
    assert type(model[0].fff).__name__ == "FFFLayerModule" and isinstance(model[1], nn.Linear)
    assert "UltraFastBertFFF, 16 -> 16" in repr(model[0].fff)
    with torch.no_grad():
        np.testing.assert_allclose(model(x).numpy(), expected.numpy(), rtol=1e-4, atol=1e-5)
    assert fff_mlir.torch.replace_fff_modules(model) == []


@pytest.mark.parametrize("shape", [(2, 5), (1, 1), (3, 0), (0, 4)], ids=str)
def test_token_batches(tmp_path, shape):
    """(batch, sequence, features) inputs: the ops work token by token, the
    result keeps the leading shape; the C ABI sizes it from the input's."""
    torch.manual_seed(7)
    model = Encoderish().eval()
    text = import_module(model, (torch.zeros(1, 1, 16),))
    assert "tensor.collapse_shape" in text and "output_shape [%s_batch, %s_sequence, 8]" in text
    fn = Library(compile_mlir(text, tmp_path / "tokens.so").path)["forward"]
    x = torch.randn(*shape, 16, generator=torch.Generator().manual_seed(8))
    with torch.no_grad():
        expected = model(x.reshape(-1, 16)).reshape(*shape, 8)
    y = fn(x.numpy())
    assert y.shape == (*shape, 8)
    np.testing.assert_allclose(y, expected.numpy(), rtol=1e-4, atol=1e-5)


def test_two_inputs_of_one_batch(tmp_path):
    """Inputs whose dims share a name (here both `batch`) must agree: the
    entry point checks it (fff.same_sizes)."""
    class Two(nn.Module):
        def forward(self, x, y):
            return x * 2.0 + y
    text = import_module(Two().eval(), (torch.zeros(1, 4), torch.zeros(1, 4)))
    assert "fff.same_sizes = [[0, 0, 0]]" in text
    fn = Library(compile_mlir(text, tmp_path / "two.so").path)["forward"]
    x, y = np.ones((3, 4), np.float32), np.full((3, 4), 0.5, np.float32)
    np.testing.assert_array_equal(fn(x, y), np.full((3, 4), 2.5, np.float32))
    with pytest.raises(ValueError, match="argument sizes of one name must be equal"):
        fn(x, y[:2])


def test_compile_reports_each_stage(tmp_path):
    import fff_mlir.torch
    lines = []
    fff_mlir.torch.compile(Encoderish().eval(), (torch.zeros(1, 16),), output=tmp_path / "p.so",
                           progress=lines.append)
    stages = [line.split(": ", 1)[1].split(" (")[0] for line in lines if "fff-compile:" in line]
    assert stages[1:] == ["fff-cpu-pipeline", "LLVM IR, optimized at -O2", "machine code",
                          f"linked {tmp_path / 'p.so'}"], lines
    assert lines[0].startswith("imported with torch.fx") and lines[-1].startswith("compiled by fff-compile")
