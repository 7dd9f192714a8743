"""Experiments that train networks beside the main pipeline (e.g. the rotation of a
trained filter pair), as opposed to :mod:`rsmine.analysis`, which only reads results."""
