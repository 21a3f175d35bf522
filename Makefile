# The commands of the README. Each sets up what it needs first.
.PHONY: demo test lint bench soak docs

demo:
	@PY=$$(tools/setup-env.sh) && $$PY examples/demo.py

test:
	@PY=$$(tools/setup-env.sh) && tools/lint.sh && $$PY -m pytest -q tests

lint:
	@tools/setup-env.sh >/dev/null && tools/lint.sh

soak:
	@PY=$$(tools/setup-env.sh) && $$PY -m pytest -q --soak tests

bench:
	@PY=$$(tools/setup-env.sh) && $$PY benchmarks/run.py

# The documentation site, into docs/_build/html (warnings are errors; no network).
docs:
	@PY=$$(tools/setup-env.sh) && $$PY -m sphinx -b html -W --keep-going -q docs docs/_build/html
