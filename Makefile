# Thin entry points. Two matter to a learner: `make start` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PATH := $(CURDIR)/$(BIN):$(PATH)
JUPYTER_ARGS ?=
# JupyterLab refuses to run as root unless told to (containers and CI machines often are root)
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
PYTEST_ARGS ?=
# test processes: two keep both cores of a small machine busy while one of them waits on a JVM or a kernel
TEST_WORKERS ?= 2

.PHONY: start install test release release-check run run-ci grade progress bench reset doctor mlflow-ui serve

start: install doctor  ## install if needed, check Java, open JupyterLab at the welcome notebook
	$(BIN)/jupyter lab $(ROOT_FLAG) --ServerApp.root_dir=$(CURDIR) $(JUPYTER_ARGS) notebooks/00_welcome_and_setup.ipynb

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed; found " + sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

doctor: install
	$(BIN)/python -m localbricks.doctor

test: install  ## the whole test suite (what CI runs)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

release: install  ## regenerate notebooks/ from solutions/
	$(BIN)/python -m grader release

release-check: install
	$(BIN)/python -m grader release --check

run: install  ## run every notebook with papermill, full size
	$(BIN)/python -m grader run

run-ci: install
	$(BIN)/python -m grader run --ci

grade: install  ## autograde submissions/ into gradebook.csv
	$(BIN)/python -m grader autograde submissions --out gradebook.csv

progress: install
	$(BIN)/python -m grader progress

# every benchmark in turn (stopping at the first that fails), then one table of all their ratios
bench: install
	@export BENCH_RATIOS=$$(mktemp); trap 'rm -f "$$BENCH_RATIOS"' EXIT; status=0; \
	for b in bench/[!_]*.py; do \
		[ "$$b" = bench/plain_nbgrader.py ] && continue; \
		echo "== $$b"; $(BIN)/python $$b || { status=1; break; }; \
	done; \
	echo "== ratios"; $(BIN)/python bench/_summary.py; exit $$status

mlflow-ui: install  ## browse the local MLflow runs at http://127.0.0.1:5000
	$(BIN)/mlflow ui --backend-store-uri sqlite:///$(CURDIR)/.localbricks/mlflow.db --host 127.0.0.1 --port 5000

reset:  ## forget all local state: tables, MLflow runs, endpoints, progress
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m localbricks.serving stop >/dev/null; fi
	rm -rf .localbricks

serve:  ## run the local Model Serving service in the foreground, with its log
	$(BIN)/python -m localbricks.serving serve
