"""The real `fastfeedforward` package (PyPI 0.2.1, installed by
scripts/test.sh into the test venv with --no-deps): its FFF modules become
`fff.leaf_mlp` and run compiled.

The package's eval forward (`FFF.eval_forward`) drops `b2s`; SPEC.md keeps
it. So the package itself is the oracle where `b2s` is zero, and with
`b2s` set the compiled result is the package's plus `b2s` of each row's
leaf, which the numpy reference (SPEC.md) also gives. At depth 0 the
package's eval forward fails itself (UnboundLocalError on `next_platform`),
so there the reference alone decides.
"""
import numpy as np
import pytest

from conftest import require_torch, skip_unless_ci

torch = require_torch()
nn = torch.nn
try:
    import fastfeedforward
except ImportError:
    fastfeedforward = None

import fff_mlir.torch  # noqa: E402
from fff_mlir.torch_import import TorchImportError, _fff_layer  # noqa: E402


@pytest.fixture(autouse=True)
def _package():
    if fastfeedforward is None:
        skip_unless_ci("the fastfeedforward package is not installed "
                       "(scripts/test.sh installs it in build/test-venv)")


def make(d_in, leaf, d_out, depth, activation, seed, zero_b2s=False):
    torch.manual_seed(seed)
    module = fastfeedforward.FFF(d_in, leaf, d_out, depth, activation=activation).eval()
    with torch.no_grad():
        if zero_b2s:
            module.b2s.zero_()
        else:
            module.b2s.uniform_(-1, 1)
    return module


CASES = [  # d_in, leaf width, d_out, depth, activation
    (8, 4, 5, 3, nn.ReLU()),
    (7, 3, 2, 0, nn.ReLU()),  # one leaf, no routing nodes
    (13, 1, 9, 5, nn.GELU()),
    (16, 6, 16, 2, nn.GELU(approximate="tanh")),
    (5, 2, 3, 4, nn.SiLU()),
    (784, 16, 10, 4, nn.Identity()),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}-d{c[3]}-{type(c[4]).__name__}")
@pytest.mark.parametrize("batch", [1, 17])
def test_package_fff_compiled(tmp_path, case, batch):
    *shape, activation = case
    g = torch.Generator().manual_seed(batch)
    x = torch.randn(batch, shape[0], generator=g)

    depth = shape[3]
    # b2s zero: the package's own eval forward is the definition.
    module = make(*shape, activation, seed=1, zero_b2s=True)
    fast = fff_mlir.torch.compile(module, (x,), output=tmp_path / "zero.so")
    with torch.no_grad():
        expected = module(x).numpy() if depth else _fff_layer(module).forward(x.numpy())
    np.testing.assert_allclose(fast(x).numpy(), expected, rtol=1e-4, atol=1e-5)

    # b2s set: SPEC.md adds b2s[leaf], which the package leaves out.
    module = make(*shape, activation, seed=2)
    fast = fff_mlir.torch.compile(module, (x,), output=tmp_path / "b2s.so")
    layer = _fff_layer(module)
    leaves = layer.route(x.numpy())
    y = fast(x).numpy()
    if depth:
        with torch.no_grad():
            package = module(x).numpy()
        np.testing.assert_allclose(y, package + module.b2s.detach().numpy()[leaves], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(y, layer.forward(x.numpy()), rtol=1e-4, atol=1e-5)


def test_ties_go_right_as_in_the_package(tmp_path):
    # A logit of exactly 0 at the root: the package takes the right child
    # (`plane_score >= 0`), as fff's `tie ge` does.
    module = make(4, 2, 3, 1, nn.ReLU(), seed=3, zero_b2s=True)
    with torch.no_grad():
        module.node_weights.zero_()
        module.node_biases.zero_()
    x = torch.randn(5, 4, generator=torch.Generator().manual_seed(3))
    fast = fff_mlir.torch.compile(module, (x,), output=tmp_path / "tie.so")
    with torch.no_grad():
        np.testing.assert_allclose(fast(x).numpy(), module(x).numpy(), rtol=1e-5, atol=1e-6)
    assert (_fff_layer(module).route(x.numpy()) == 1).all()


def test_package_fff_inside_a_model(tmp_path):
    torch.manual_seed(4)
    model = nn.Sequential(nn.Linear(12, 8), nn.Tanh(), make(8, 4, 6, 3, nn.ReLU(), seed=5, zero_b2s=True),
                          nn.ReLU()).eval()
    x = torch.randn(3, 7, 12, generator=torch.Generator().manual_seed(6))
    with torch.no_grad():
        expected = model(x)
    fast = fff_mlir.torch.compile(model, (x[:1, :1],), output=tmp_path / "model.so")
    np.testing.assert_allclose(fast(x).numpy(), expected.numpy(), rtol=1e-4, atol=1e-5)
    # The gentle path: only the FFF is swapped, the rest stays PyTorch.
    assert fff_mlir.torch.replace_fff_modules(model) == ["2"]
    with torch.no_grad():
        np.testing.assert_allclose(model(x).numpy(), expected.numpy(), rtol=1e-4, atol=1e-5)


def test_unsupported_leaf_activation_is_named():
    module = make(4, 2, 3, 1, nn.LeakyReLU(), seed=6)
    with pytest.raises(TorchImportError, match=r"FFF: leaf activation LeakyReLU\(.*\) has no fff equivalent"):
        fff_mlir.torch.compile(module, (torch.zeros(1, 4),))
