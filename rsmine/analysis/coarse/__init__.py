"""Analyses of coarse-grained fields (``rsmine coarse-grain``): their two-point correlation."""
