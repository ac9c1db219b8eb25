"""MNIST test set in the original IDX format, and accuracy of a layer on it."""
from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path
from typing import Optional, Union

import numpy as np

from ..paths import fixtures_dir

IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"


class IdxError(ValueError):
    """An IDX file is malformed or not the kind expected."""


def _read_idx(path: Union[str, os.PathLike], magic: int) -> np.ndarray:
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":  # gzip signature, whatever the file is called
        raw = gzip.decompress(raw)
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    found = struct.unpack(">I", raw[:4])[0] if len(raw) >= 4 else None
    if found is not None and found != magic:
        raise IdxError(f"{path}: IDX magic is {found}, expected {magic}")
    if len(raw) < header:
        raise IdxError(f"{path}: {len(raw)} bytes is too short for an IDX header ({header} bytes)")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    size = int(np.prod(dims))
    if len(raw) - header != size:
        raise IdxError(f"{path}: header {dims} needs {size} data bytes, file has {len(raw) - header}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def read_images(path: Union[str, os.PathLike]) -> np.ndarray:
    """uint8 (n, rows, cols) from an IDX image file (magic 2051), gzipped or not."""
    return _read_idx(path, IMAGES_MAGIC)


def read_labels(path: Union[str, os.PathLike]) -> np.ndarray:
    """uint8 (n,) from an IDX label file (magic 2049), gzipped or not."""
    return _read_idx(path, LABELS_MAGIC)


def preprocess(images: np.ndarray) -> np.ndarray:
    """Training preprocessing: (pixel/255 - 0.5)/0.5, flattened, in float32 as torchvision does."""
    x = images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)
    return (x - np.float32(0.5)) / np.float32(0.5)


def load_test_set(directory: Optional[Union[str, os.PathLike]] = None):
    """(x float32 (10000, 784), labels uint8 (10000,)); default: the shared fixtures."""
    d = Path(directory) if directory is not None else fixtures_dir() / "mnist"
    images, labels = read_images(d / TEST_IMAGES), read_labels(d / TEST_LABELS)
    if len(images) != len(labels):
        raise IdxError(f"{d}: {len(images)} images but {len(labels)} labels")
    return preprocess(images), labels


def predict(layer, x: np.ndarray, dtype=np.float32) -> np.ndarray:
    """Class index per row: argmax of the layer's outputs."""
    return np.argmax(layer.forward(x, dtype=dtype), axis=1)


def accuracy(layer, images: np.ndarray, labels: np.ndarray, dtype=np.float32) -> float:
    """Fraction of correct predictions; uint8 images are preprocessed first."""
    x = preprocess(images) if images.dtype == np.uint8 else images
    if len(x) != len(labels):
        raise ValueError(f"{len(x)} images but {len(labels)} labels")
    return float(np.mean(predict(layer, x, dtype) == labels))
