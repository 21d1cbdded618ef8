"""The device a run trains on: ``cpu``, ``cuda`` or ``cuda:N``, checked against this machine."""

from __future__ import annotations

import torch

from mlp_core.machine import DeviceError, check_device_name


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """``device`` if given, else CUDA when available, else the CPU.

    Raises
    ------
    ValueError
        ``device`` is not ``cpu``, ``cuda`` or ``cuda:N``.
    DeviceError
        CUDA asked for on a machine without it, or a GPU index it does not have.
    """
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if isinstance(device, torch.device):
        return device
    chosen = torch.device(check_device_name(device))
    if chosen.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise DeviceError(
                f"device {device!r} asked for, but torch finds no CUDA GPU on this machine "
                f"(torch {torch.__version__}, CUDA build {torch.version.cuda}); use --device cpu"
            )
        if chosen.index is not None and chosen.index >= count:
            raise DeviceError(f"device {device!r} asked for, but this machine has {count} GPU(s)")
    return chosen
