"""Analyses of the chipping–aggregation chain's samples: the single-site mass marginals."""
