"""Subnormal floats are flushed to zero in the calling thread and in PyTorch's OpenMP pool."""

from __future__ import annotations

import threading

import pytest
import torch

from mlp_core.engine.denormals import denormals_flushed

#: 1e-30 * 1e-10 = 1e-40 is subnormal in float32. Large enough that every pool thread gets a share.
TINY = torch.full((4_000_000,), 1e-30)


def subnormal_results() -> int:
    return int(((TINY * 1e-10) != 0).sum())


def test_flushed_inside_the_block_and_restored_after():
    if not torch.set_flush_denormal(False):
        pytest.skip("this CPU cannot flush subnormals")
    assert subnormal_results() == TINY.numel()
    with denormals_flushed():
        assert subnormal_results() == 0, "some thread of the pool still produces subnormals"
    assert subnormal_results() == TINY.numel()


def test_a_training_thread_flushes_its_own_pool():
    """The app trains in a background thread, which has its own OpenMP pool."""
    if not torch.set_flush_denormal(False):
        pytest.skip("this CPU cannot flush subnormals")
    seen: list[int] = []

    def work() -> None:
        with denormals_flushed():
            seen.append(subnormal_results())

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == [0]
    assert subnormal_results() == TINY.numel()
