# make run: set up .venv and start the router on 127.0.0.1:4001
# make test: set up .venv with the test extras and run lint, type checks and the suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench train e2e-openclaw e2e-claude-code clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(STAMP): setup.cfg pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test,train]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m llmrouter $(ARGS)

lint: $(STAMP)
	$(PY) -m ruff check llmrouter tests benchmarks e2e
	$(PY) -m mypy llmrouter

test: lint
	$(PY) -m pytest -q
	$(PY) benchmarks/run.py --quick

bench: $(STAMP)
	$(PY) -m pip install -q -e '.[bench]'  # matplotlib, for the chart
	$(PY) benchmarks/run.py $(ARGS)

train: $(STAMP)
	$(PY) -m llmrouter.classify.train

# Opt-in: the real OpenClaw agent (from npm, with Node 24 from npm) through the router.
e2e-openclaw: $(STAMP)
	$(PY) e2e/openclaw.py

# Opt-in: the real Claude Code CLI (from npm, native binary from npm) through /v1/messages.
e2e-claude-code: $(STAMP)
	$(PY) e2e/claude_code.py

clean:
	rm -rf $(VENV) .e2e *.egg-info .pytest_cache .mypy_cache .ruff_cache
