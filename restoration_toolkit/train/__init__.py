"""Optional PyTorch engine: train the per-film network outside Nuke, export it for Nuke, render.

Imports torch lazily: importing this package needs nothing beyond the core, and
:func:`require_torch` turns a missing torch into a one-line instruction. Modules: ``model``
(the network), ``data`` (pairs → crops), ``loss``, ``trainer``, ``export`` (TorchScript,
sidecar, CatFileCreator script), ``infer`` (tiled headless inference).
"""

from __future__ import annotations

import os

from ..core.errors import RTKError

# Where torch runs: auto = CUDA, then Apple MPS, then CPU (see trainer.resolve_device).
DEVICES = ("auto", "cpu", "cuda", "mps")
INSTALL_HINT = (
    'PyTorch is not installed: pip install ".[train]" (or pip install torch; a CPU build is enough)'
)


def torch_available() -> bool:
    # Idle OpenMP threads sleep instead of spinning: on a busy or shared machine spinning
    # threads slow CPU training down by 10× or more. Only effective before torch is imported.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def require_torch() -> None:
    """RTKError with the install instruction when torch cannot be imported."""
    if not torch_available():
        raise RTKError(INSTALL_HINT)


def set_threads(threads: int) -> None:
    """Use ``threads`` CPU threads for torch (0: torch's default, one per core)."""
    if threads < 0:
        raise RTKError("--threads must be 0 (automatic) or more")
    if threads:
        import torch

        torch.set_num_threads(threads)
