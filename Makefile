# The two commands of the README. Each sets up what it needs first.
.PHONY: demo test bench soak

demo:
	@PY=$$(tools/setup-env.sh) && $$PY examples/demo.py

test:
	@PY=$$(tools/setup-env.sh) && $$PY -m pytest -q tests

soak:
	@PY=$$(tools/setup-env.sh) && $$PY -m pytest -q --soak tests

bench:
	@PY=$$(tools/setup-env.sh) && $$PY benchmarks/run.py
