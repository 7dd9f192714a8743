"""Analyses of dimer filters and fields: the pristine filters of the bond grid, the lattice
symmetries acting on them, the filter ensemble's projections, PCA and emergent U(1), and
the histograms of the height field."""
