#!/usr/bin/env bash
# Snakemake runs this inside the freshly created environment, from the working
# directory of the workflow (the repository root): install rsmine itself.
set -euo pipefail
python -m pip install --no-deps -e "${RSMINE_SOURCE:-.}"
