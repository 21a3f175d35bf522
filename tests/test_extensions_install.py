"""install_as_zmq() users get zmqx's extensions as zmq.auth, zmq.log, zmq.ssh, zmq.decorators."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

PROGRAM = textwrap.dedent(
    """
    import zmqx
    zmqx.install_as_zmq()
    import zmq
    import zmq.auth, zmq.auth.certs, zmq.auth.thread, zmq.log.handlers, zmq.ssh, zmq.decorators
    from zmq.auth.thread import ThreadAuthenticator
    for name in ("auth", "auth.certs", "auth.thread", "log.handlers", "ssh", "decorators"):
        module = sys.modules["zmq." + name]
        assert module is sys.modules["zmqx." + name], (name, module)

    # a pyzmq-style program, unchanged
    ctx = zmq.Context()
    auth = ThreadAuthenticator(ctx)
    auth.start()
    auth.configure_plain("*", {"u": "p"})
    server = ctx.socket(zmq.PULL, linger=0)
    server.plain_server = True
    port = server.bind_to_random_port("tcp://127.0.0.1")
    client = ctx.socket(zmq.PUSH, linger=0)
    client.plain_username, client.plain_password = b"u", b"p"
    client.connect(f"tcp://127.0.0.1:{port}")
    client.send(b"in")
    assert server.poll(5000) and server.recv() == b"in"
    auth.stop()
    ctx.destroy()
    print("OK")
    """
)


@pytest.mark.timeout(60)
def test_extensions_under_install_as_zmq():
    import zmqx

    root = os.path.dirname(os.path.dirname(os.path.abspath(zmqx.__file__)))
    env = dict(os.environ, PYTHONPATH=root)
    proc = subprocess.run(
        [sys.executable, "-c", "import sys\n" + PROGRAM],
        capture_output=True, text=True, timeout=50, env=env, cwd=root, check=False,
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "OK", proc.stderr
