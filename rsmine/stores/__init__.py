"""The store layer: every rsmine store (samples, runs, ensemble) is read and written here.

Layouts are documented in docs/stores.md. :mod:`~rsmine.stores.directory` holds
what every kind shares (root attrs, safe replacement of an output, building
under a temporary name, opening with validation); :mod:`~rsmine.stores.samples`,
:mod:`~rsmine.stores.runs` and :mod:`~rsmine.stores.ensemble` give each kind a
typed reader (and the ensemble its writer); :func:`~rsmine.stores.ensemble.counted`
is the one rule of which runs of an ensemble count.
"""

from rsmine.stores.describe import describe
from rsmine.stores.directory import (
    KINDS,
    SEE,
    building,
    check_output,
    create,
    empty_array,
    mark_complete,
    open_store,
    seed_record,
    write_array,
)
from rsmine.stores.samples import SampleSet, read_samples

__all__ = [
    "KINDS",
    "SEE",
    "SampleSet",
    "building",
    "check_output",
    "create",
    "describe",
    "empty_array",
    "mark_complete",
    "open_store",
    "read_samples",
    "seed_record",
    "write_array",
]
