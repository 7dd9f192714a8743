"""Analyses of RSMI curves: the per-point summary, the transition, the scaling with the
buffer width and the boundaryness of the filters."""
