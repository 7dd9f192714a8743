"""The interacting (aligning) dimer model on the n×n periodic square lattice.

Modules, one concept each:

- :mod:`.lattice`   — the (2n, 2n) bond grid of DESIGN.md, validity, energy,
  columnar order (Dx, Dy), winding numbers (Wx, Wy); partner directions.
- :mod:`.coverings` — random starting coverings (Wilson + Temperley, then
  worms at T = ∞).
- :mod:`.tables`    — directed-loop scattering tables (minimal bounce by LP,
  or heat bath) for the 81 local environments.
- :mod:`.loops`     — the numba worm kernels.
- :mod:`.driver`    — chains, sweeps, autocorrelation times, MPI, resume, the
  sample store (``simulate_store``, behind ``rsmine simulate dimers``).

Only :mod:`.driver` imports mpi4py, and only when a store is simulated.
"""
