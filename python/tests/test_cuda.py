"""The CUDA target (--target=cuda) from Python.

Always run: the libraries compile for every random layer of test_compiled
and load anywhere; without a usable driver each call fails with the
runtime's message instead of crashing. The kernels' own code is checked on
the CPU by test_compiled's "gpu-kernels-on-host" variant.

Run only where a CUDA device is present (never in CI; the `device` tool's
GPU machine): the compiled kernels against the float64 reference on the
same random layers, the MNIST accuracies, and device-resident calls.
"""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import require_fixture, require_torch
from fff_mlir import compile as fff_compile, load_layer
from fff_mlir.jobs import examples
from fff_mlir.jobs.mnist import load_test_set
from fff_mlir.cuda import CudaError, DeviceArray
from fff_mlir.native import CompileOptions, compile_layers, run_layer
from compiled_cases import CASES, MNIST_MODELS, check_against_reference, exact_routes

PYTHON_DIR = Path(__file__).resolve().parents[1]
STUB_DRIVER = Path("/usr/local/cuda/lib64/stubs/libcuda.so")
VARIANTS = {"w4": CompileOptions(target="cuda"),
            "w1": CompileOptions(target="cuda", warps_per_block=1),
            "w32-sm80": CompileOptions(target="cuda", warps_per_block=32, gpu_chip="sm_80")}
_libraries = {}


def cuda_library(variant, tmp_path_factory):
    """All random layers of test_compiled in one library for `variant`."""
    if variant not in _libraries:
        layers = {f"case{i}": layer for i, (layer, _, _) in enumerate(CASES)}
        _libraries[variant] = compile_layers(layers, VARIANTS[variant],
                                             tmp_path_factory.mktemp("cuda-" + variant))
    return _libraries[variant]


def require_cuda_device(library):
    if not library.runtime.available():
        pytest.skip(f"no CUDA device: {library.runtime.last_error()}")


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_random_layer_compiles_for_cuda(variant, tmp_path_factory):
    library = cuda_library(variant, tmp_path_factory)
    assert library.on_device and len(library.entry_points) == len(CASES)
    assert all(e.on_device for e in library.entry_points.values())


def _run_without_device(driver: str) -> str:
    """Calls a cuda library in a fresh process whose runtime loads `driver`."""
    code = (
        "import numpy as np, fff_mlir\n"
        "from fff_mlir.jobs import examples\n"
        "layer = examples.path_neuron_example()\n"
        "gpu = fff_mlir.compile(layer, target='cuda')\n"
        "lib = gpu.library\n"
        "print('available', lib.runtime.available())\n"
        "print('entry', lib['layer'].symbol)\n"
        "try:\n"
        "    gpu(np.zeros((3, layer.d_in), np.float32))\n"
        "except fff_mlir.cuda.CudaError as e:\n"
        "    print('CudaError', e)\n"
        "import ctypes\n"
        "p = ctypes.c_void_p(1)\n"
        "n = ctypes.c_int64(3)\n"
        "status = lib['layer']._fn(p, n, p, p, p, p)\n"
        "print('status', status, lib.runtime.last_error())\n")
    env = dict(os.environ, FFF_CUDA_DRIVER=driver, PYTHONPATH=str(PYTHON_DIR))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_no_driver_is_an_error_message_not_a_crash(tmp_path):
    out = _run_without_device(str(tmp_path / "libcuda-missing.so"))
    assert "available False" in out
    assert "entry fff_layer" in out
    assert "CudaError allocating" in out and "cannot load the CUDA driver" in out
    # The entry point itself returns FFF_ERROR_GPU (4) with the reason kept.
    assert f"status 4 cannot load the CUDA driver ({tmp_path / 'libcuda-missing.so'})" in out


def test_stub_driver_is_named(tmp_path):
    if not STUB_DRIVER.exists():
        pytest.skip(f"{STUB_DRIVER} (a CUDA toolkit's stub driver) is not installed")
    out = _run_without_device(str(STUB_DRIVER))
    assert "status 4 cuInit failed: CUDA_ERROR_STUB_LIBRARY" in out


def test_cuda_options_are_checked():
    layer = examples.path_neuron_example()
    with pytest.raises(ValueError, match="unknown target"):
        fff_compile(layer, target="rocm")
    from fff_mlir import CompileError
    with pytest.raises(CompileError, match="warps-per-block must be in"):
        fff_compile(layer, target="cuda", warps_per_block=0)


# ----------------------------------------------------------------------------
# On a CUDA device only.
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("variant", VARIANTS)
def test_random_layer_on_gpu_matches_reference(variant, case, tmp_path_factory):
    library = cuda_library(variant, tmp_path_factory)
    require_cuda_device(library)
    layer, x, desc = CASES[case]
    got = run_layer(library, f"case{case}", layer, x)
    try:
        check_against_reference(layer, x, got, exact_routes=exact_routes(case))
    except AssertionError as e:
        raise AssertionError(f"case {case} ({desc}) on the GPU, {variant}: {e}") from None


@pytest.mark.parametrize("model,correct", MNIST_MODELS)
def test_mnist_on_gpu_accuracy_exact(model, correct, tmp_path_factory):
    mnist = require_fixture("mnist")
    require_torch()
    layer = load_layer(mnist / "models" / f"{model}.pt")
    gpu = fff_compile(layer, target="cuda", output=tmp_path_factory.mktemp("mnist-gpu") / "lib.so")
    require_cuda_device(gpu.library)
    x, labels = load_test_set(mnist)
    assert int(np.sum(np.argmax(gpu(x), axis=1) == labels)) == correct


def test_device_resident_calls(tmp_path):
    layer = examples.ultrafastbert_layer(seed=3, trees=2, depth=4, width=96)
    gpu = fff_compile(layer, target="cuda", output=tmp_path / "lib.so")
    require_cuda_device(gpu.library)
    x = np.random.default_rng(0).standard_normal((1000, layer.d_in)).astype(np.float32)
    x_dev = DeviceArray.from_host(gpu.library.runtime, x)
    y_dev = gpu(x_dev)
    assert isinstance(y_dev, DeviceArray) and y_dev.shape == (1000, layer.d_in)
    np.testing.assert_array_equal(y_dev.to_host(), gpu(x))
    check_against_reference(layer, x, y_dev.to_host(), exact_routes=False)
    # An empty batch launches nothing and returns an empty result.
    assert gpu(np.zeros((0, layer.d_in), np.float32)).shape == (0, layer.d_in)
    # A wrong shape is still caught before the device is touched.
    with pytest.raises(ValueError):
        gpu(np.zeros((2, layer.d_in + 1), np.float32))
    # A NULL device pointer is a status, checked before anything runs.
    import ctypes
    assert gpu.library["layer"]._fn(None, ctypes.c_int64(5), *[None] * 4) == 1


def test_device_name_reported(tmp_path):
    gpu = fff_compile(examples.path_neuron_example(), target="cuda", output=tmp_path / "lib.so")
    require_cuda_device(gpu.library)
    assert gpu.library.runtime.device_name()
    with pytest.raises(CudaError):
        DeviceArray(gpu.library.runtime, (1 << 62,), np.float32)  # far beyond any device
