"""MNIST IDX reader, preprocessing, and the published accuracies of the fixture models."""
import gzip
import struct

import numpy as np
import pytest

from conftest import require_fixture, require_torch
from fff_mlir import load_layer
from fff_mlir.jobs.mnist import IdxError, accuracy, load_test_set, predict, preprocess, read_images, read_labels

# (model, correct predictions out of 10,000) from fixtures/mnist/README.md
MODELS = [("lb_l8_d1", 9346), ("lb_l2_d3", 9100), ("ml_l4_d2", 9473), ("ml_l8_d4", 9510)]


@pytest.fixture(scope="module")
def test_set():
    return load_test_set(require_fixture("mnist"))


@pytest.mark.parametrize("model,correct", MODELS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_published_accuracy_exact(test_set, mnist_dir, model, correct, dtype):
    require_torch()
    x, labels = test_set
    layer = load_layer(mnist_dir / "models" / f"{model}.pt")
    assert int(np.sum(predict(layer, x, dtype) == labels)) == correct
    assert accuracy(layer, x, labels, dtype) == correct / 10000


def test_test_set_shape_and_range(test_set):
    x, labels = test_set
    assert x.shape == (10000, 784) and x.dtype == np.float32 and labels.shape == (10000,)
    assert x.min() == -1 and x.max() == 1 and set(np.unique(labels)) == set(range(10))


def _idx(magic, dims, payload):
    return struct.pack(f">I{len(dims)}I", magic, *dims) + bytes(payload)


def test_idx_reader_round_trip(tmp_path):
    pixels = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "i.gz").write_bytes(gzip.compress(_idx(2051, (2, 3, 4), pixels.tobytes())))
    (tmp_path / "l").write_bytes(_idx(2049, (2,), [7, 1]))  # plain, not gzipped
    assert np.array_equal(read_images(tmp_path / "i.gz"), pixels)
    assert read_labels(tmp_path / "l").tolist() == [7, 1]


@pytest.mark.parametrize(
    "reader,data,message",
    [
        (read_images, _idx(2049, (2,), [0, 1]), "magic is 2049, expected 2051"),
        (read_labels, _idx(2051, (1, 1, 1), [0]), "magic is 2051, expected 2049"),
        (read_images, _idx(2051, (2, 2, 2), [0] * 7), r"header \(2, 2, 2\) needs 8 data bytes, file has 7"),
        (read_labels, _idx(2049, (2,), [0] * 3), "needs 2 data bytes, file has 3"),
        (read_images, b"\x00\x00\x08", "too short"),
    ],
)
def test_idx_reader_errors(tmp_path, reader, data, message):
    (tmp_path / "f").write_bytes(gzip.compress(data))
    with pytest.raises(IdxError, match=message):
        reader(tmp_path / "f")


def test_preprocess_matches_training_transform():
    images = np.array([[[0, 255], [128, 51]]], np.uint8)
    x = preprocess(images)
    assert x.shape == (1, 4) and x.dtype == np.float32
    expect = (np.float32([0, 255, 128, 51]) / np.float32(255) - np.float32(0.5)) / np.float32(0.5)
    assert np.array_equal(x[0], expect) and x[0, 0] == -1 and x[0, 1] == 1
