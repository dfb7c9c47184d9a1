"""Optional PyTorch engine: train the per-film network outside Nuke, export it for Nuke, render.

Imports torch lazily: importing this package needs nothing beyond the core, and
:func:`require_torch` turns a missing torch into a one-line instruction. Modules: ``model``
(the network), ``data`` (pairs → crops), ``loss``, ``trainer``, ``export`` (TorchScript,
sidecar, CatFileCreator script), ``infer`` (tiled headless inference).
"""

from __future__ import annotations

from ..core.errors import RTKError

INSTALL_HINT = 'PyTorch is not installed: pip install ".[train]" (or pip install torch; a CPU build is enough)'


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def require_torch() -> None:
    """RTKError with the install instruction when torch cannot be imported."""
    if not torch_available():
        raise RTKError(INSTALL_HINT)
