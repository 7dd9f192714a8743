"""Analyses of rsmine's results, by subject; every figure is in :mod:`rsmine.figures`.

- :mod:`~rsmine.analysis.ensembles`: the ensemble store (all runs of a system) merged
  and read back; :mod:`~rsmine.analysis.tables`: result tables as CSV files;
  :mod:`~rsmine.analysis.circular`: uniformity of angles (generic statistics).
- :mod:`~rsmine.analysis.rsmi`: RSMI curves (summary, transition, scaling, boundaryness).
- :mod:`~rsmine.analysis.filters`: learned filters on any lattice (alignment, gallery).
- :mod:`~rsmine.analysis.dimers`: dimer filters and fields (pristine filters, symmetries,
  projections, PCA, U(1), height histograms).
- :mod:`~rsmine.analysis.chipping`: the chipping chain's mass marginals.
- :mod:`~rsmine.analysis.coarse`: coarse-grained fields (two-point correlation).

Experiments that train networks live in :mod:`rsmine.experiments`.
"""
