"""zmqx.ssh against a real sshd that the test starts on a free localhost port.

The sshd runs with its own generated host key and accepts one key pair made for
the test; nothing outside a temporary directory is configured. The OpenSSH
client reads the test's configuration through an ``ssh`` wrapper put first on
PATH; paramiko finds the host key through HOME. A zmqx REQ then reaches a REP
through ``tunnel_connection`` with each back end. sshd, its sessions and the
tunnels are all ended at teardown.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import pytest

psutil = pytest.importorskip("psutil")

pytestmark = pytest.mark.timeout(120)

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
PRIVSEP_DIR = "/run/sshd"  # sshd, started as root, refuses to run without it


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_banner(port: int, proc: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"sshd exited: {proc.stderr.read().decode(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                if conn.recv(4).startswith(b"SSH-"):
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("sshd did not answer")


def _keygen(path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True
    )


def _end(processes) -> None:
    for proc in processes:
        try:
            proc.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(processes, timeout=5)
    for proc in alive:
        proc.kill()


@pytest.fixture
def sshd(tmp_path, monkeypatch):
    """A running sshd: {"server": "user@127.0.0.1:port", "keyfile": path, "port": n}."""
    if shutil.which("ssh-keygen") is None or not os.path.exists(SSHD):
        pytest.skip("OpenSSH is not installed (tools/setup-env.sh installs it)")
    if os.geteuid() == 0:
        # left in place, as Debian's sshd service leaves it: another sshd may be
        # using it (each connection's unprivileged process is confined there)
        os.makedirs(PRIVSEP_DIR, mode=0o755, exist_ok=True)
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    _keygen(tmp_path / "host_key")
    _keygen(tmp_path / "client_key")
    (tmp_path / "authorized_keys").write_bytes((tmp_path / "client_key.pub").read_bytes())
    port = _free_port()
    config = tmp_path / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {tmp_path}/host_key\nPidFile none\n"
        f"AuthorizedKeysFile {tmp_path}/authorized_keys\nStrictModes no\nUsePAM no\n"
        "PubkeyAuthentication yes\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n"
        "AllowTcpForwarding yes\n"
    )
    proc = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        _wait_for_banner(port, proc, time.monotonic() + 20)
    except RuntimeError as exc:
        proc.kill()
        proc.wait()
        pytest.skip(f"sshd cannot run here: {exc}")

    host_key = (tmp_path / "host_key.pub").read_text().split()[:2]
    known_hosts = f"[127.0.0.1]:{port} {' '.join(host_key)}\n"
    (tmp_path / "known_hosts").write_text(known_hosts)
    (home / ".ssh" / "known_hosts").write_text(known_hosts)  # paramiko reads ~/.ssh
    (tmp_path / "ssh_config").write_text(
        f"Host *\n  UserKnownHostsFile {tmp_path}/known_hosts\n  StrictHostKeyChecking ask\n"
        "  IdentitiesOnly yes\n  ControlMaster no\n  ControlPath none\n"
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "ssh"
    wrapper.write_text(f'#!/bin/sh\nexec {shutil.which("ssh")} -F {tmp_path}/ssh_config "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("PYZMQ_PARAMIKO_HOST_KEY_POLICY", raising=False)

    user = psutil.Process().username()
    before = {p.pid for p in psutil.process_iter()}
    yield {"server": f"{user}@127.0.0.1:{port}", "keyfile": str(tmp_path / "client_key"),
           "port": port}
    # the sessions sshd forked, and the ssh clients that went to the background
    # with our unique forward spec, are ours: end them by pid
    sessions = psutil.Process(proc.pid).children(recursive=True)
    clients = [
        p for p in psutil.process_iter(["pid", "cmdline"])
        if p.pid not in before and p.info["cmdline"] and "ssh_config" in " ".join(
            p.info["cmdline"]) and str(tmp_path) in " ".join(p.info["cmdline"])
    ]
    _end([*clients, *sessions])
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _req_through_tunnel(ctx, zmqx, sshd, use_paramiko):
    from zmqx.ssh import tunnel_connection

    rep = ctx.socket(zmqx.REP, linger=0)
    rep_port = rep.bind_to_random_port("tcp://127.0.0.1")
    req = ctx.socket(zmqx.REQ, linger=0, rcvtimeo=30000)
    tunnel = tunnel_connection(
        req, f"tcp://127.0.0.1:{rep_port}", sshd["server"], keyfile=sshd["keyfile"],
        paramiko=use_paramiko, timeout=10,
    )
    try:
        local = req.get(zmqx.LAST_ENDPOINT).decode()
        assert local != f"tcp://127.0.0.1:{rep_port}"  # it went to the tunnel's port
        req.send(b"ping through ssh")
        assert rep.poll(30000)
        msg = rep.recv()
        rep.send(msg.upper())
        return msg, req.recv(), tunnel
    finally:
        req.close()
        rep.close()
        if use_paramiko:
            tunnel.terminate()
            tunnel.join(10)


def test_openssh_tunnel_connection(sshd):
    pytest.importorskip("pexpect")
    import zmqx

    with zmqx.Context() as ctx:
        sent, reply, tunnel = _req_through_tunnel(ctx, zmqx, sshd, use_paramiko=False)
    assert (sent, reply) == (b"ping through ssh", b"PING THROUGH SSH")
    assert isinstance(tunnel, int)


def test_paramiko_tunnel_connection(sshd):
    pytest.importorskip("paramiko")
    import zmqx

    with zmqx.Context() as ctx:
        sent, reply, tunnel = _req_through_tunnel(ctx, zmqx, sshd, use_paramiko=True)
    assert (sent, reply) == (b"ping through ssh", b"PING THROUGH SSH")
    assert not tunnel.is_alive()


@pytest.mark.parametrize("use_paramiko", [False, True])
def test_try_passwordless_ssh(sshd, tmp_path, use_paramiko):
    pytest.importorskip("paramiko" if use_paramiko else "pexpect")
    from zmqx.ssh import try_passwordless_ssh

    assert try_passwordless_ssh(sshd["server"], sshd["keyfile"], paramiko=use_paramiko)
    _keygen(tmp_path / "stranger")  # a key sshd does not accept
    assert not try_passwordless_ssh(sshd["server"], str(tmp_path / "stranger"),
                                    paramiko=use_paramiko)


def test_unknown_host_key_is_refused(sshd, tmp_path):
    pytest.importorskip("pexpect")
    from zmqx.ssh import openssh_tunnel
    from zmqx.ssh import tunnel as tunnel_module

    (tmp_path / "known_hosts").write_text("")
    with pytest.raises(tunnel_module.SSHException):
        openssh_tunnel(_free_port(), 1, sshd["server"], keyfile=sshd["keyfile"], timeout=5)


def test_select_random_ports_and_bad_addresses():
    from zmqx.ssh import open_tunnel, select_random_ports

    ports = select_random_ports(5)
    assert len(set(ports)) == 5
    for port in ports:  # each one is free to bind
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))
    for bad in ("ipc:///tmp/x", "tcp://nohost", "inproc://x"):
        with pytest.raises(ValueError):
            open_tunnel(bad, "user@127.0.0.1")


def test_paramiko_tunnel_ends_when_idle(sshd):
    """With nothing connected for `timeout` seconds, the tunnel process ends by itself."""
    pytest.importorskip("paramiko")
    from zmqx.ssh import paramiko_tunnel, select_random_ports

    with socket.create_server(("127.0.0.1", 0)) as target:
        local_port = select_random_ports(1)[0]
        process = paramiko_tunnel(local_port, target.getsockname()[1], sshd["server"],
                                  keyfile=sshd["keyfile"], timeout=1)
        try:
            deadline = time.monotonic() + 20
            while True:  # the process listens once it has logged in
                try:
                    conn = socket.create_connection(("127.0.0.1", local_port), timeout=1)
                    break
                except OSError:
                    assert time.monotonic() < deadline, "the tunnel never listened"
                    time.sleep(0.1)
            with conn:
                conn.sendall(b"via paramiko")
                peer, _ = target.accept()
                with peer:
                    peer.settimeout(10)
                    assert peer.recv(100) == b"via paramiko"
            process.join(20)
            assert not process.is_alive()
        finally:
            if process.is_alive():
                process.terminate()
                process.join(5)
