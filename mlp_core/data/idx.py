"""The IDX format of the MNIST files: a magic number, big-endian dimensions, then the bytes."""

from __future__ import annotations

import numpy as np


class IdxError(ValueError):
    """Bytes that are not a well-formed unsigned-byte IDX file."""


def encode_idx(array: np.ndarray) -> bytes:
    """IDX bytes of a uint8 array (magic 0x0000080N, big-endian dimensions, then the data)."""
    if array.dtype != np.uint8:
        raise ValueError(f"IDX encoding expects uint8, got {array.dtype}")
    header = bytes([0, 0, 8, array.ndim]) + b"".join(
        int(size).to_bytes(4, "big") for size in array.shape
    )
    return header + np.ascontiguousarray(array).tobytes()


def decode_idx(payload: bytes) -> np.ndarray:
    """Inverse of `encode_idx` for unsigned-byte IDX files; IdxError if the bytes do not fit."""
    if len(payload) < 4 or payload[0:3] != b"\x00\x00\x08":
        raise IdxError("not an unsigned-byte IDX file (bad magic number)")
    ndim = payload[3]
    if len(payload) < 4 + 4 * ndim:
        raise IdxError(f"IDX header of {ndim} dimensions cut short ({len(payload)} bytes)")
    shape = tuple(int.from_bytes(payload[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(payload, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise IdxError(f"IDX payload holds {data.size} bytes, header says {shape}")
    return data.reshape(shape)
