"""Film Restoration Toolkit: film-specific machine-learning color recovery and spatial recovery.

The package has one pure core (``restoration_toolkit.core``), a model of Nuke script text
(``restoration_toolkit.nk``), the Nuke host adapter (``restoration_toolkit.nuke``, the only
place that imports ``nuke``), the Qt panel (``restoration_toolkit.ui``), an optional PyTorch
engine (``restoration_toolkit.train``) and the ``rtk`` command line.
"""

__version__ = "0.1.0"

# Libraries we import keep OpenImageIO objects in module globals; release them before the
# interpreter exits, or OpenImageIO's bindings print leak reports (core/oiio_references.py).
from .core.oiio_references import release_at_exit as _release_at_exit  # noqa: E402

_release_at_exit()
