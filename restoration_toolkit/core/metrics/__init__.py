"""Image metrics shared by the color fit, validation and the benchmarks.

Signatures follow scikit-image: ``metric(reference, test, *, mask=None, ...)``.
"""

from .color import DeltaE, delta_e2000

__all__ = ["DeltaE", "delta_e2000"]
