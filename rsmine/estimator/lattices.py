"""The lattice kinds rsmine handles and their geometry, declared once.

- ``chain``, ``square``, ``cubic``: periodic lattices of sites with 1, 2 or 3 axes
  (a ring, a torus, a 3-torus); every position is a degree of freedom.
- ``dimer_grid``: the (2n, 2n) bond grid of an n x n periodic vertex lattice
  (DESIGN.md); only bond positions (row + column odd) carry information, and
  windows start at even offsets, so lengths on it are in grid units.

Samples, runs and ensemble stores name their lattice by these kinds; the
estimator's regions, the coarse-graining and the filter drawings read them here.
"""

SITES = {1: "chain", 2: "square", 3: "cubic"}
"""The site lattice of each number of axes."""
DIMER_GRID = "dimer_grid"
NDIM = {**{name: ndim for ndim, name in SITES.items()}, DIMER_GRID: 2}
"""Lattice axes of each kind."""
KINDS = tuple(NDIM)


def site_lattice(ndim: int) -> str | None:
    """The site lattice with ``ndim`` axes (None if there is none)."""
    return SITES.get(ndim)


def step(lattice: str) -> int:
    """The stride between equivalent window origins: 2 on the dimer grid, else 1."""
    return 2 if lattice == DIMER_GRID else 1
