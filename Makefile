# The commands of the README. Each sets up what it needs first.
.PHONY: demo test test-pythons wheels lint bench soak docs

demo:
	@PY=$$(tools/setup-env.sh) && $$PY examples/demo.py

test:
	@PY=$$(tools/setup-env.sh) && tools/lint.sh && $$PY -m pytest -q tests

# the suite on every CPython >= 3.10 found (noxfile.py), lint once; one line per version
test-pythons:
	@PY=$$(tools/setup-env.sh) && tools/lint.sh && $$PY -m nox -s tests

# dist/: the sdist and one wheel per CPython found, libzmq inside; then on each,
# its wheel and the sdist installed in fresh venvs and run (tests/test_wheels.py)
wheels:
	@PY=$$(tools/setup-env.sh) && rm -rf dist && $$PY -m nox -s sdist wheel && \
	    $$PY -m nox -s tests -- --wheels tests/test_wheels.py

lint:
	@tools/setup-env.sh >/dev/null && tools/lint.sh

soak:
	@PY=$$(tools/setup-env.sh) && $$PY -m pytest -q --soak tests

bench:
	@PY=$$(tools/setup-env.sh) && $$PY benchmarks/run.py

# The documentation site, into docs/_build/html (warnings are errors; no network).
docs:
	@PY=$$(tools/setup-env.sh) && $$PY -m sphinx -b html -W --keep-going -q docs docs/_build/html
