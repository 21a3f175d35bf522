#!/usr/bin/env bash
# The style checks `make test` runs before the suite, on the whole tree, with the
# rules in pyproject.toml: ruff for Python, cython-lint for .pyx/.pxi/.pxd.
# Expects the venv of tools/setup-env.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$PWD/.venv/bin"
"$bin/ruff" check --quiet .
# cython-lint runs pycodestyle as a command: the venv's must be found on PATH.
PATH="$bin:$PATH" "$bin/cython-lint" zmqx tests
