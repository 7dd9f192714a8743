#!/usr/bin/env bash
# GPU benchmark of the training engine: benchmarks/bench_gpu.py on one CUDA GPU, <= 6 minutes.
#
#   benchmarks/gpu.sh            # from anywhere; runs in the repository root
#
# Prints (a) a 500-replica ensemble of the Table II setting (wall time, replicas/s), (b) R = 64
# and R = 1 (wall time per run), (c) replica k on the GPU against the CPU for k = 0, 1, 250,
# 499 within stated float tolerances, (d) the peak GPU memory, (e) host synchronisations per
# epoch (none per step). Exits non-zero without a GPU or when a check fails.
#
# Install: the project's install path, with a CUDA build of torch. `make install` pins the
# CPU wheel through constraints.txt; here the same editable install WITHOUT that constraint
# (`pip install -e '.[test]'`), which on Linux x86_64 takes PyPI's default torch, a CUDA
# build. An existing .venv is used as it is (PYTHON=... names another interpreter); in a
# conda environment, envs/rsmine-gpu.yaml (the optimise rule's) is the equivalent.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
if [ ! -x "$PY" ]; then
    python3 -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e '.[test]'
    PY=.venv/bin/python
fi
if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L; then
    echo "gpu.sh: no NVIDIA GPU visible (nvidia-smi missing or failing); nothing measured" >&2
    exit 1
fi
"$PY" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else
    f"gpu.sh: torch {torch.__version__} sees no CUDA device (CPU build? CUDA {torch.version.cuda})")'
date -u
timeout 360 "$PY" benchmarks/bench_gpu.py --device cuda "$@"
