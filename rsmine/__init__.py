"""rsmine: real-space mutual information neural estimation (RSMI-NE).

Find the relevant degrees of freedom of a statistical system from its
real-space configurations by maximising the mutual information between a
coarse-grained block and its distant environment.
"""

__version__ = "0.1.0"
