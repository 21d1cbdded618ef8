"""Facts about this machine that need no torch: the CPU's model name and its cores.

Results name the CPU they were computed on by its model (``/proc/cpuinfo``), not by the architecture
alone: two x86_64 machines with different vector units round the same training differently.
"""

from __future__ import annotations

import functools
import os
import platform
from pathlib import Path


@functools.cache
def cpu_model() -> str:
    """The CPU's model name, e.g. ``"AMD EPYC"``; the architecture where the OS does not say.

    >>> isinstance(cpu_model(), str) and cpu_model() != ""
    True
    """
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            name, _, value = line.partition(":")
            if name.strip() == "model name" and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def cpu_device_name() -> str:
    """How results name a CPU device: ``"cpu (<model name>)"``."""
    return f"cpu ({cpu_model()})"


def cpu_count() -> int:
    """Cores this process may use (the affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


#: Device types the engine trains on (``cuda`` may carry an index, ``cuda:1``).
DEVICE_TYPES: tuple[str, ...] = ("cpu", "cuda")


class DeviceError(RuntimeError):
    """The asked device exists as a name but not on this machine (e.g. CUDA without a GPU)."""


def check_device_name(device: str) -> str:
    """``device`` if it names a device the engine can use (``cpu``, ``cuda``, ``cuda:N``).

    Only the spelling is checked (no torch needed): whether this machine has the device is
    `mlp_core.engine.train.resolve_device`'s business.

    Raises
    ------
    ValueError
        Naming the allowed forms.

    >>> check_device_name("cuda:1")
    'cuda:1'
    """
    kind, _, index = device.partition(":")
    if kind not in DEVICE_TYPES or (":" in device and (kind != "cuda" or not index.isdigit())):
        raise ValueError(f"invalid device={device!r}: allowed: cpu, cuda, cuda:N (N = 0, 1, ...)")
    return device
