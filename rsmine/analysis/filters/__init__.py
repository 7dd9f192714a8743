"""Analyses of learned filters on any lattice: alignment of an ensemble's runs (sign and
component order) and the data of the filter gallery."""
