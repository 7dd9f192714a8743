PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo report rerun dag test test-slurm lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

SNAKEMAKE := PATH="$(abspath $(BIN)):$$PATH" $(BIN)/snakemake
DEMO      := --configfile config/demo.yaml --replace-workflow-config
DEMO_OUT  := demo-out
REPORT    := $(SNAKEMAKE) $(DEMO) --report $(DEMO_OUT)/report.html
# Follow-ups of `make demo`, on the demo configuration only (never config.yaml's
# paper-scale run): `make report`, `make rerun RULE=aggregate [ARGS=-n]`.
RULE      ?=
ARGS      ?=

demo: $(STAMP)
	$(SNAKEMAKE) --profile profiles/local $(DEMO)
	$(REPORT)
	@echo
	@echo "figures: $(abspath $(DEMO_OUT))/figures/"
	@ls $(DEMO_OUT)/figures | sed 's/^/  /'
	@echo "tables:  $(abspath $(DEMO_OUT))/tables/"
	@echo "report:  $(abspath $(DEMO_OUT))/report.html"
	@echo "next:    make report | make rerun RULE=aggregate [ARGS=-n]  (demo configuration)"

report: $(STAMP)
	$(REPORT)
	@echo "report:  $(abspath $(DEMO_OUT))/report.html"

rerun: $(STAMP)
	@test -n "$(RULE)" || { echo "usage: make rerun RULE=<rule, e.g. aggregate> [ARGS=-n]" >&2; exit 2; }
	$(SNAKEMAKE) --profile profiles/local $(DEMO) --forcerun $(RULE) $(ARGS)

dag: $(STAMP)
	mkdir -p docs
	$(SNAKEMAKE) $(DEMO) --rulegraph | dot -Tpng -Gdpi=110 -o docs/rulegraph.png

test: $(STAMP)
	$(BIN)/ruff check .
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest -q

# The real-SLURM workflow test on a one-node cluster this machine stands up (root, Debian 12).
test-slurm: $(STAMP)
	.ci/slurm-up.sh
	RSMINE_REQUIRE_SLURM=1 PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest -q tests/test_slurm_real.py

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) results .snakemake demo-out
