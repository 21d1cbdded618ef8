"""What the device check runs on: the machine's facts, the data, the GPU's peak, a GPU monitor.

Nothing here fetches anything (a GPU machine may have no network): MNIST must be in the data root
(`mlp_core.data.files.data_root`), uncompressed or as the ``.gz`` files torchvision's layout also
holds, which `prepare_mnist` unpacks and verifies.
"""

from __future__ import annotations

import gzip
import platform
import shutil
import subprocess
import threading
import time
from typing import Any

import torch

from mlp_core.data.files import CHECKSUMS, dataset_status, raw_folder, write_atomic
from mlp_core.engine.provenance import cuda_facts, device_name, git_commit
from mlp_core.machine import cpu_count

#: FP32 lanes (CUDA cores) per streaming multiprocessor, by compute capability major.minor:
#: NVIDIA's CUDA C++ Programming Guide, "Compute Capabilities", arithmetic instruction throughput.
FP32_LANES_PER_SM = {(7, 0): 64, (7, 5): 64, (8, 0): 64, (8, 6): 128, (8, 7): 128, (8, 9): 128,
                     (9, 0): 128, (10, 0): 128, (12, 0): 128}  # fmt: skip


def nvidia_smi(query: str) -> str | None:
    """``nvidia-smi --query-gpu=QUERY`` of the first GPU (no header, no units), or None."""
    if shutil.which("nvidia-smi") is None:
        return None
    try:
        completed = subprocess.run(
            ["nvidia-smi", f"--query-gpu={query}", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = completed.stdout.strip().splitlines()
    return lines[0].strip() if completed.returncode == 0 and lines else None


def fp32_peak(device: torch.device) -> dict[str, Any]:
    """The GPU's float32 peak (FLOP/s) from its SM count, lanes per SM and maximum SM clock.

    peak = SMs x FP32 lanes per SM x 2 (a fused multiply-add) x max SM clock (nvidia-smi). Empty
    values when a factor is unknown; off CUDA, empty.
    """
    if device.type != "cuda":
        return {}
    properties = torch.cuda.get_device_properties(device)
    lanes = FP32_LANES_PER_SM.get((properties.major, properties.minor))
    # (the peak is a bound the report compares with: the chip may not hold its max clock)
    clock = nvidia_smi("clocks.max.sm")
    megahertz = float(clock) if clock and clock.replace(".", "").isdigit() else None
    peak = None
    if lanes and megahertz:
        peak = properties.multi_processor_count * lanes * 2 * megahertz * 1e6
    return {
        "sms": properties.multi_processor_count,
        "fp32_lanes_per_sm": lanes,
        "max_sm_clock_mhz": megahertz,
        "fp32_peak_flops": peak,
    }


def machine_facts(device: torch.device) -> dict[str, Any]:
    """Versions, device, flags that change results, cores, commit: what the report starts with."""
    facts: dict[str, Any] = {
        "torch": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cores": cpu_count(),
        "git_commit": git_commit(),
        "device": device.type,
        "device_name": device_name(device),
        "cuda_available": torch.cuda.is_available(),
        "float32_matmul_precision": torch.get_float32_matmul_precision(),
        "deterministic_algorithms": torch.are_deterministic_algorithms_enabled(),
        **cuda_facts(device),
    }
    if device.type == "cuda":
        properties = torch.cuda.get_device_properties(device)
        facts["gpu_memory_gib"] = round(properties.total_memory / 2**30, 1)
        facts["compute_capability"] = f"{properties.major}.{properties.minor}"
        facts["driver"] = nvidia_smi("driver_version")
        facts.update(fp32_peak(device))
    return facts


def prepare_mnist() -> dict[str, Any]:
    """MNIST's status in the data root, after unpacking ``.gz`` files found beside missing ones."""
    folder = raw_folder("mnist")
    unpacked = []
    for filename in CHECKSUMS["mnist"]:
        packed = folder / f"{filename}.gz"
        if not (folder / filename).exists() and packed.exists():
            write_atomic(folder / filename, gzip.decompress(packed.read_bytes()))
            unpacked.append(filename)
    status = dataset_status("mnist")
    return {"verified": status["verified"], "folder": status["folder"], "unpacked": unpacked,
            "files": status["files"]}  # fmt: skip


class GpuMonitor:
    """Samples GPU utilisation (%) and memory in use (MiB) every ``interval`` seconds in a thread.

    Utilisation comes from NVML (``torch.cuda.utilization``, through pynvml), else nvidia-smi;
    memory from ``cudaMemGetInfo`` (the whole device). Does nothing off CUDA.
    """

    def __init__(self, device: torch.device, interval: float = 0.25) -> None:
        self.device, self.interval = device, interval
        self.utilisation: list[float] = []
        self.memory_mib: list[float] = []
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> GpuMonitor:
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _sample(self) -> None:
        use_nvml = True
        while not self._stop.wait(self.interval):
            try:
                free, total = torch.cuda.mem_get_info(self.device)
                self.memory_mib.append((total - free) / 2**20)
                if use_nvml:
                    try:
                        self.utilisation.append(float(torch.cuda.utilization(self.device)))
                        continue
                    except Exception:  # no pynvml: nvidia-smi from now on (slower)
                        use_nvml = False
                value = nvidia_smi("utilization.gpu")
                if value is not None and value.isdigit():
                    self.utilisation.append(float(value))
            except Exception as error:  # a monitor must never end the training it watches
                self.error = f"{type(error).__name__}: {error}"
                return

    def summary(self) -> dict[str, Any]:
        """Mean and maximum utilisation, peak memory in use and PyTorch's own peaks (MiB)."""
        if self.device.type != "cuda":
            return {}
        used = self.utilisation
        return {
            "samples": len(used),
            "error": self.error,
            "utilisation_mean_percent": round(sum(used) / len(used), 1) if used else None,
            "utilisation_max_percent": max(used) if used else None,
            "memory_in_use_max_mib": round(max(self.memory_mib), 1) if self.memory_mib else None,
            "torch_allocated_max_mib": round(
                torch.cuda.max_memory_allocated(self.device) / 2**20, 1
            ),
            "torch_reserved_max_mib": round(torch.cuda.max_memory_reserved(self.device) / 2**20, 1),
        }


def wall_clock() -> float:
    """Seconds since the epoch (deadlines are passed between processes in this clock)."""
    return time.time()
