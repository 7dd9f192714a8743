"""rsmine: real-space mutual information neural estimation (RSMI-NE).

Find the relevant degrees of freedom of a statistical system from its
real-space configurations by maximising the mutual information between a
coarse-grained block and its distant environment.
"""

from rsmine._version import __version__

__all__ = ["__version__", "estimate_mi"]


def __getattr__(name: str):
    """Lazy exports, so that ``import rsmine`` does not import torch."""
    if name == "estimate_mi":
        from rsmine.estimator.estimate import estimate_mi

        return estimate_mi
    raise AttributeError(f"module 'rsmine' has no attribute {name!r}")
