"""Facts about this machine that need no torch: the CPU, its cores, the torch build, the GPUs.

Results name the CPU they were computed on by its model (``/proc/cpuinfo``), not by the architecture
alone: two x86_64 machines with different vector units round the same training differently.
Pages that only read results (Home, the exercises) describe the device from here, so they never pay
for ``import torch``.
"""

from __future__ import annotations

import functools
import importlib.metadata
import os
import platform
import re
from dataclasses import dataclass
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


@dataclass(frozen=True)
class TorchBuild:
    """The installed torch wheel as its files describe it, read without importing torch.

    Attributes
    ----------
    version : str or None
        ``torch.__version__`` (e.g. ``"2.14.1+cu130"``, ``"2.14.1+cpu"``); None when torch is not
        installed.
    cuda : str or None
        The CUDA version the wheel was built for (``torch.version.cuda``); None for a CPU-only build.
    """

    version: str | None
    cuda: str | None

    def describe(self) -> str:
        """E.g. ``"torch 2.14.1+cpu (CPU-only build)"``, ``"torch 2.14.1+cu130 (CUDA 13.0 build)"``."""
        if self.version is None:
            return "torch is not installed"
        build = f"CUDA {self.cuda} build" if self.cuda else "CPU-only build"
        return f"torch {self.version} ({build})"


@functools.cache
def torch_build() -> TorchBuild:
    """`TorchBuild` of the installed torch, from its ``torch/version.py`` found through the package
    metadata (``importlib.metadata``), so nothing of torch is imported."""
    try:
        distribution = importlib.metadata.distribution("torch")
    except importlib.metadata.PackageNotFoundError:
        return TorchBuild(None, None)
    fields = {"__version__": distribution.version, "cuda": None}
    for file in distribution.files or ():
        if str(file).replace("\\", "/") == "torch/version.py":
            try:
                text = Path(str(file.locate())).read_text(encoding="utf-8")
            except OSError:
                break
            for name in fields:
                found = re.search(rf"^{name}\b[^=]*=\s*'([^']*)'", text, flags=re.M)
                if found:
                    fields[name] = found.group(1)
            break
    return TorchBuild(version=fields["__version__"], cuda=fields["cuda"])


def nvidia_gpus() -> tuple[str, ...]:
    """Model names of the NVIDIA GPUs the driver reports (``/proc/driver/nvidia/gpus``), e.g.
    ``("NVIDIA H200",)``; empty without a driver or a GPU."""
    names = []
    for information in sorted(Path("/proc/driver/nvidia/gpus").glob("*/information")):
        try:
            for line in information.read_text().splitlines():
                key, _, value = line.partition(":")
                if key.strip() == "Model" and value.strip():
                    names.append(value.strip())
        except OSError:
            continue
    return tuple(names)


def training_device() -> tuple[str, str]:
    """(device type, device name) that training here will most likely use, known without torch:
    ``("cuda", "<GPU model>")`` with a CUDA build of torch and a GPU the driver reports, else
    ``("cpu", cpu_device_name())``. The trainer's own answer (``torch.cuda.is_available()``) is in
    each run's provenance."""
    gpus = nvidia_gpus()
    if torch_build().cuda and gpus:
        return "cuda", gpus[0]
    return "cpu", cpu_device_name()


def thread_count() -> int:
    """Threads a training here will use: ``$OMP_NUM_THREADS`` when set, else the cores available
    (what torch's intra-op pool starts with)."""
    text = os.environ.get("OMP_NUM_THREADS", "")
    return int(text) if text.isdigit() and int(text) > 0 else cpu_count()


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
