# boardread: `make` lists the targets.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install run test train smoke-train review bench report clean
.PHONY: bench-api events validate build deploy publish loadtest sync-feedback retrain
STACK ?= boardread
export SAM_CLI_TELEMETRY := 0

help: ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -c constraints.txt -e '.[api,train,dev]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install everything (idempotent)

run: install ## Serve the API and the page on http://127.0.0.1:$(PORT)
	$(VENV)/bin/uvicorn boardread_api.local:app --host 127.0.0.1 --port $(PORT)

test: install ## Run the test suite
	$(VENV)/bin/pytest -q

train: install ## Rebuild data and models from nothing, evaluate, report (EXTRA=folder of real photos)
	$(PY) -m training.dataset $(if $(EXTRA),--extra $(EXTRA))
	$(PY) -m training.train
	$(PY) -m training.export
	$(PY) -m training.evaluate
	$(PY) -m training.report

retrain: install ## Keep the rendered data, add EXTRA=folder of real photos, retrain, evaluate, report
	@test -n "$(EXTRA)" || { echo "usage: make retrain EXTRA=build/feedback"; exit 2; }
	$(PY) -m training.dataset --extra $(EXTRA) --extra-only
	$(PY) -m training.train
	$(PY) -m training.export
	$(PY) -m training.evaluate
	$(PY) -m training.report

smoke-train: install ## The whole training pipeline on tiny data (minutes)
	$(PY) -m training.dataset --smoke
	$(PY) -m training.train --smoke
	$(PY) -m training.export --smoke

review: install ## A person's review of test misreads: grids in build/review/ (JUDGED=file tallies)
	test -f build/data/test.npz || $(PY) -m training.dataset --splits val test
	$(PY) -m training.review $(if $(JUDGED),--judged $(JUDGED))

bench: build ## Print latency, size and cold-start figures (cold start: the sam build)
	$(PY) -m training.bench
	$(PY) tests/bench/bench_api.py

bench-api: build ## API only: cold start, warm latency over HTTP, vs float32 and TensorFlow
	$(PY) tests/bench/bench_api.py

loadtest: install ## Load and leak: 8 clients, >= 60 s and 10,000 requests on the local server
	$(PY) -m tests.bench.loadtest $(LOADTEST_ARGS)

events: install ## Regenerate events/*.json (API Gateway HTTP API v2) and events/batch/*.json (S3)
	$(PY) events/make_events.py

validate: install ## sam validate --lint on template.yaml
	$(VENV)/bin/sam validate --lint

build: install ## sam build (no container), then size (<= 220 MiB) and bytecode report
	PYTHON=$(abspath $(PY)) $(VENV)/bin/sam build
	$(PY) layers/size_report.py

deploy: build ## sam deploy (first time: sam deploy --guided), then make publish
	$(VENV)/bin/sam deploy --stack-name $(STACK)
	$(PY) -m boardread_deploy.publish --stack $(STACK)

sync-feedback: install ## Copy users' corrections (the data bucket's feedback/) to build/feedback
	$(PY) -m boardread_deploy.feedback --stack $(STACK) --to build/feedback

publish: install ## Upload web/ to the stack's site bucket, config.js pointing at its API
	$(PY) -m boardread_deploy.publish --stack $(STACK)

clean: ## Remove generated data and caches (keeps .venv and the committed models)
	rm -rf build .pytest_cache .aws-sam
