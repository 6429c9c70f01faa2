"""Choosing where the models run: "auto" takes a CUDA GPU when PyTorch sees one, else the CPU."""
from __future__ import annotations

import torch

from ngramlm.core.errors import NgramlmError


def resolve_device(name: str = "auto") -> torch.device:
    """The torch device for "auto", "cpu", "cuda" or "cuda:N"; a GPU that is not there is a clear error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise NgramlmError(f"unknown device {name!r}; use auto, cpu, cuda or cuda:N") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise NgramlmError(
                f"--device {name} asked for a GPU, but PyTorch sees none (CPU-only build, or no driver); "
                "use --device cpu or --device auto")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise NgramlmError(f"--device {name}: there are only {torch.cuda.device_count()} GPU(s)")
    elif device.type != "cpu":
        raise NgramlmError(f"device {name!r} is not supported; use auto, cpu, cuda or cuda:N")
    return device
