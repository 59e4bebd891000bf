# Mercury Leaderboard: the commands the README names. The logic lives in scripts/.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY := .venv/bin/python

.PHONY: help run stop test lint format typecheck validate-tasks bench bench-load recover setup setup-dev redis clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

run: ## set everything up and run the portal, Redis, workers and gunicorn (Ctrl-C stops)
	@bash scripts/run-portal.sh

stop: ## stop `make run` from another terminal, and whatever an earlier run left running
	@bash scripts/stop-portal.sh

test: ## set up the dev venv, then ruff and the whole pytest suite (PYTEST_ARGS=... to narrow)
	@bash scripts/test.sh $(PYTEST_ARGS)

setup: ## only create .venv with requirements.txt (and libnl for nsjail)
	@bash scripts/bootstrap.sh runtime

setup-dev: ## only create .venv with requirements-dev.txt, libnl and chromium
	@bash scripts/bootstrap.sh dev

lint: setup-dev ## ruff check and ruff format --check
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: setup-dev ## ruff check --fix, then ruff format
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

typecheck: setup-dev ## mypy with django-stubs (not enforced in CI yet)
	.venv/bin/mypy evaluator portal

validate-tasks: setup ## prove every reference solution passes; print each task's spread
	$(PY) -m evaluator validate-tasks

bench: setup ## sandbox overhead and judging throughput (bench/throughput.py; needs root)
	$(PY) bench/throughput.py $(BENCH_ARGS)

bench-load: setup ## N clients browse a running portal (LOAD_ARGS="--url http://127.0.0.1:8000 --clients 100 --duration 60")
	$(PY) bench/load.py $(LOAD_ARGS)

recover: setup ## queue again unfinished calibrations and submissions whose worker died or whose jobs Redis lost
	$(PY) manage.py recover_submissions

redis: ## start a local Redis when none answers at REDIS_URL
	@bash scripts/ensure-redis.sh

clean: ## remove generated files (keeps .venv, db.sqlite3 and var/secret-key)
	rm -rf staticfiles .pytest_cache .ruff_cache .mypy_cache var/*.log var/test-results.xml
	find . -name __pycache__ -not -path './.venv/*' -prune -exec rm -rf {} +
