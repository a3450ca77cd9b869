# Two commands on a fresh machine: `make run` and `make test`.
# uv is used from PATH, or installed into .tools/ with the machine's python3 (no root needed).

UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
PY := .venv/bin/python
# Starts embedded PostgreSQL/Valkey for whichever of DATABASE_URL/REDIS_URL is not set.
WITH_SERVERS := $(PY) -m scripts.devservers --data-dir .dev --

.PHONY: install env run worker migrate create-admin test test-all fuzz lint format clean compose-smoke bench bench-stack twins

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv

.venv/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet
	@touch $@

install: .venv/.installed

# .env from .env.example with fresh secrets (never overwrites one).
env:
	python3 -m scripts.new_env

run: install
	$(WITH_SERVERS) sh -c '$(PY) -m scripts.migrate && exec $(PY) -m scripts.serve'

# The durable job worker (e-mails); beside `make run`, it shares its embedded servers.
worker: install
	$(WITH_SERVERS) sh -c '$(PY) -m scripts.migrate && exec $(PY) -m scripts.worker'

migrate: install
	$(WITH_SERVERS) $(PY) -m scripts.migrate

# make create-admin EMAIL=you@example.com NAME="Your Name"  (asks for the password)
create-admin: install
	@test -n "$(EMAIL)" || { echo 'usage: make create-admin EMAIL=you@example.com [NAME="Your Name"]' >&2; exit 2; }
	$(WITH_SERVERS) sh -c '$(PY) -m scripts.migrate && \
	  exec $(PY) -m scripts.create_admin --email "$(EMAIL)" --name "$(or $(NAME),Admin)"'

# The fast suite, in TEST_PROCESSES processes (pytest-xdist; each has its own database, Redis
# prefix and servers). test-all then runs the slow tests (outages, load, signals, browser,
# schemathesis) one at a time, as CI does: they time things and stop servers.
TEST_PROCESSES ?= 2
test: install
	$(PY) -m pytest -m "not slow" -n $(TEST_PROCESSES) $(PYTEST_ARGS)

# (exit code 5: the selection holds no test of that kind). It first checks the machine has
# what the slow tests need (Chromium, libmagic), naming how to install what is missing.
test-all: install
	@$(PY) -m tests.preflight
	$(PY) -m pytest -m "not slow" -n $(TEST_PROCESSES) $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(PY) -m pytest -m slow $(PYTEST_ARGS) || [ $$? -eq 5 ]

# schemathesis over the OpenAPI document (FUZZ_EXAMPLES=200 make fuzz for a longer run).
fuzz: install
	$(PY) -m pytest tests/test_api_fuzz.py $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy .
	.venv/bin/hadolint Dockerfile docker/mailsink/Dockerfile

# The full stack against bare Velithon under the same load; see docs/benchmarks.md.
bench: install
	$(WITH_SERVERS) $(PY) -m bench.run $(BENCH_ARGS)

# The app's middleware stack in one process, layer by layer (bench/stack.py).
bench-stack: install
	$(WITH_SERVERS) $(PY) -m bench.stack --layers $(BENCH_ARGS)

# Needs a Docker API (DOCKER_HOST); see docs/deployment.md.
compose-smoke: install
	$(PY) -m scripts.compose_smoke

# template-only:begin
# This repository is also the copier template of new services: after editing a file that has
# a twin (FILE.jinja), write the twins again (template/README.md).
twins: install
	$(PY) -m template.twins

# template-only:end
format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# Everything the commands make: the environments, the embedded servers' data and dev e-mails
# (.dev), caches, test leftovers and uploaded files.
clean:
	rm -rf .venv .tools .dev .pytest_cache .mypy_cache .ruff_cache .hypothesis .schemathesis \
	  test-artifacts uploads prometheus-multiproc
