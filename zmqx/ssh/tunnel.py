"""SSH tunnels for zmq connections to endpoints that only an SSH server can reach.

    from zmqx.ssh import tunnel_connection
    tunnel_connection(sock, "tcp://10.0.0.5:5555", "user@gateway")

opens a local port forwarded through ``gateway`` to ``10.0.0.5:5555`` (as the
gateway sees it) and connects `sock` to that local port.

Two back ends: the OpenSSH client (``ssh``, driven with pexpect so that a
password can be typed for you) and paramiko (a forwarding subprocess). OpenSSH
is the default; paramiko is used when asked (``paramiko=True``), on Windows, or
when no ``ssh`` command is installed. Both honour the user's SSH setup: keys,
known hosts, and for OpenSSH its configuration file.

An OpenSSH tunnel ends by itself once `timeout` seconds have passed and no
connection uses it; a paramiko tunnel is a `multiprocessing.Process`, which
does the same, and which ends with its parent process.
"""

from __future__ import annotations

import atexit
import io
import multiprocessing
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from getpass import getpass, getuser
from typing import Any

try:  # raise paramiko's exception class when it is there, as pyzmq does
    from paramiko import SSHException
except ImportError:

    class SSHException(Exception):  # type: ignore[no-redef]
        """An SSH connection could not be set up."""


__all__ = [
    "open_tunnel",
    "openssh_tunnel",
    "paramiko_tunnel",
    "select_random_ports",
    "ssh_tunnel",
    "try_passwordless_ssh",
    "tunnel_connection",
]


class MaxRetryExceeded(Exception):
    """The SSH server kept asking for a password."""


_LOGIN_TIMEOUT = 30  # seconds an SSH login may take before it counts as failed
_PASSWORD_TRIES = 3
_NEW_HOST_PROMPT = re.compile(rb"Are you sure you want to continue connecting")
_PASSWORD_PROMPT = re.compile(rb"pass(word|phrase)", re.IGNORECASE)


def select_random_ports(n: int) -> list[int]:
    """`n` distinct TCP ports that are free on this machine right now."""
    sockets = []
    try:
        for _ in range(n):
            sock = socket.socket()
            sockets.append(sock)
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _use_paramiko(paramiko: bool | None) -> bool:
    if paramiko is None:
        return sys.platform == "win32" or shutil.which("ssh") is None
    return paramiko


def _split_server(server: str) -> tuple[str, str, int]:
    """``[user@]host[:port]`` -> (user, host, port), with this user and port 22 by default."""
    user, _, host = server.rpartition("@")
    host, _, port = host.partition(":")
    return user or getuser(), host, int(port or 22)


# -- OpenSSH -------------------------------------------------------------------


def _ssh_argv(server: str, keyfile: str | None) -> tuple[list[str], str]:
    """The ``ssh`` command with its options, and the destination, for `server`."""
    argv = ["ssh"]
    if keyfile:
        argv += ["-i", keyfile]
    destination, _, port = server.partition(":")
    if port:
        argv += ["-p", port]
    return argv, destination


def _pexpect() -> Any:
    try:
        import pexpect
    except ImportError:
        raise ImportError(
            "OpenSSH tunnels need pexpect (pip install pexpect), or use paramiko=True"
        ) from None
    return pexpect


def _run_ssh(argv: list[str], server: str, password: str | None, ask: bool) -> int | None:
    """Run `argv` until it exits, typing the password when asked; its pid.

    Raises SSHException when ssh fails. With `ask` false, a password prompt
    ends the run and gives None.
    """
    pexpect = _pexpect()
    env = dict(os.environ)
    env.pop("SSH_ASKPASS", None)  # the password prompt must come to us, not to a GUI
    # ssh -f forks the process that stays; when ssh itself exits first, the
    # terminal's hangup reaches that process before it has left the terminal's
    # session, and kills it. ssh keeps SIGHUP ignored when it starts that way.
    child = pexpect.spawn(argv[0], argv[1:], env=env, ignore_sighup=True)
    child.logfile_read = transcript = io.BytesIO()  # for the error message
    deadline = time.monotonic() + _LOGIN_TIMEOUT
    passwords_sent = 0
    try:
        # Watch for the process to exit rather than for EOF alone: with -f, the
        # ssh that stays in the background keeps the terminal open.
        while child.isalive():
            if time.monotonic() > deadline:
                raise SSHException(f"ssh to {server} did not log in within {_LOGIN_TIMEOUT}s")
            found = child.expect(
                [_NEW_HOST_PROMPT, _PASSWORD_PROMPT, pexpect.EOF, pexpect.TIMEOUT], timeout=0.1
            )
            if found == 0:
                raise SSHException(
                    f"The host key of {server} is not known: connect once with ssh to accept it"
                )
            if found == 1:
                if not ask:
                    return None
                if passwords_sent == _PASSWORD_TRIES:
                    raise MaxRetryExceeded(f"{server} refused {_PASSWORD_TRIES} passwords")
                if password is None or passwords_sent:  # none given, or it was refused
                    password = getpass(f"{server}'s password: ")
                child.sendline(password)
                passwords_sent += 1
            elif found == 2:
                break
        child.close()
        if child.exitstatus != 0:
            said = transcript.getvalue().decode(errors="replace").strip()
            raise SSHException(f"ssh {server} failed (exit status {child.exitstatus}): {said}")
        pid: int = child.pid
        return pid
    finally:
        if child.isalive():
            child.close(force=True)


def _try_passwordless_openssh(server: str, keyfile: str | None) -> bool:
    argv, destination = _ssh_argv(server, keyfile)
    try:
        return _run_ssh([*argv, destination, "exit"], server, None, ask=False) is not None
    except SSHException as exc:
        if "Permission denied" in str(exc):
            return False  # the server refused every key and offers no password
        raise


def _control(argv: list[str], command: str, destination: str, *options: str) -> Any:
    """Send `command` (check, forward, cancel) to an OpenSSH control master."""
    return subprocess.run(
        [*argv, "-O", command, *options, destination],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=_LOGIN_TIMEOUT,
        check=False,
    )


def _forward_through_master(argv: list[str], destination: str, forward: str) -> int | None:
    """Add the forward to a running OpenSSH control master; its pid, or None if there is none."""
    check = _control(argv, "check", destination)
    pid = re.search(rb"\(pid=(\d+)\)", check.stdout + check.stderr)
    if check.returncode != 0 or pid is None:
        return None
    if _control(argv, "forward", destination, "-L", forward).returncode != 0:
        return None
    atexit.register(_control, argv, "cancel", destination, "-L", forward)
    return int(pid.group(1))


def openssh_tunnel(
    lport: int,
    rport: int,
    server: str,
    remoteip: str = "127.0.0.1",
    keyfile: str | None = None,
    password: str | None = None,
    timeout: int = 60,
) -> int:
    """Forward ``127.0.0.1:lport`` here to ``remoteip:rport`` as seen from `server`, with ``ssh``.

    `server` is ``[user@]host[:port]``. `keyfile` is a private key to log in
    with (the SSH configuration's keys are tried too); `password` is typed
    when the server asks for one, and prompted for when it is None. The
    tunnel stays up for `timeout` seconds and then as long as a connection
    uses it. Returns the pid of the ssh process that set it up (of the control
    master when an existing master connection carries the forward).
    """
    argv, destination = _ssh_argv(server, keyfile)
    forward = f"127.0.0.1:{lport}:{remoteip}:{rport}"
    master = _forward_through_master(argv, destination, forward)
    if master is not None:
        return master
    # -f: go to the background once logged in and forwarding (ExitOnForwardFailure
    # turns a port already taken into a failure here instead of a silent tunnel
    # to nowhere); `sleep` bounds the life of a tunnel nobody uses.
    command = [
        *argv, "-f", "-S", "none", "-o", "ExitOnForwardFailure=yes",
        "-L", forward, destination, "sleep", str(int(timeout)),
    ]
    return _run_ssh(command, server, password, ask=True)  # type: ignore[return-value]


def _split_addr(addr: str) -> tuple[str, int]:
    """``tcp://host:port`` -> (host, port)."""
    transport, sep, rest = addr.partition("://")
    host, _, port = rest.rpartition(":")
    if not sep or transport != "tcp" or not host or not port.isdigit():
        raise ValueError(f"SSH tunnels carry tcp://host:port endpoints, not {addr!r}")
    return host.strip("[]"), int(port)


def open_tunnel(
    addr: str,
    server: str,
    keyfile: str | None = None,
    password: str | None = None,
    paramiko: bool | None = None,
    timeout: int = 60,
) -> tuple[str, Any]:
    """Open a tunnel through `server` to the endpoint `addr` (``tcp://host:port``).

    Returns ``(local_url, tunnel)``: connect to `local_url` to reach `addr`;
    `tunnel` is an ssh pid (int) or, with paramiko, a `multiprocessing.Process`.
    """
    remote_ip, remote_port = _split_addr(addr)
    local_port = select_random_ports(1)[0]
    make = paramiko_tunnel if _use_paramiko(paramiko) else openssh_tunnel
    tunnel = make(
        local_port,
        remote_port,
        server,
        remoteip=remote_ip,
        keyfile=keyfile,
        password=password,
        timeout=timeout,
    )
    return f"tcp://127.0.0.1:{local_port}", tunnel


def tunnel_connection(
    socket: Any,
    addr: str,
    server: str,
    keyfile: str | None = None,
    password: str | None = None,
    paramiko: bool | None = None,
    timeout: int = 60,
) -> Any:
    """Connect `socket` to `addr` through an SSH tunnel via `server`; returns the tunnel.

    The arguments are those of `open_tunnel`.
    """
    url, tunnel = open_tunnel(
        addr, server, keyfile=keyfile, password=password, paramiko=paramiko, timeout=timeout
    )
    socket.connect(url)
    return tunnel


# -- paramiko --------------------------------------------------------------------


def _paramiko() -> Any:
    try:
        import paramiko
    except ImportError:
        raise ImportError(
            "paramiko tunnels need paramiko (pip install paramiko, or zmqx[ssh])"
        ) from None
    return paramiko


def _paramiko_client(server: str, keyfile: str | None, password: str | None) -> Any:
    """A paramiko client logged in to `server`; unknown host keys are refused.

    As with pyzmq, ``PYZMQ_PARAMIKO_HOST_KEY_POLICY`` names another policy
    (e.g. ``AutoAdd``, ``Warning``) for hosts missing from ~/.ssh/known_hosts.
    """
    paramiko = _paramiko()
    user, host, port = _split_server(server)
    client = paramiko.SSHClient()
    client.load_system_host_keys()
    policy = os.environ.get("PYZMQ_PARAMIKO_HOST_KEY_POLICY")
    if policy:
        client.set_missing_host_key_policy(getattr(paramiko, f"{policy}Policy")())
    client.connect(
        host,
        port,
        username=user,
        key_filename=keyfile,
        password=password,
        look_for_keys=True,
        timeout=_LOGIN_TIMEOUT,
    )
    return client


def _try_passwordless_paramiko(server: str, keyfile: str | None) -> bool:
    paramiko = _paramiko()
    try:
        client = _paramiko_client(server, keyfile, None)
    except paramiko.AuthenticationException:
        return False
    client.close()
    return True


def try_passwordless_ssh(server: str, keyfile: str | None, paramiko: bool | None = None) -> bool:
    """Whether `server` accepts a login without a password (with `keyfile` or the usual keys).

    `paramiko` picks the back end as in `open_tunnel`.
    """
    if _use_paramiko(paramiko):
        return _try_passwordless_paramiko(server, keyfile)
    return _try_passwordless_openssh(server, keyfile)


def _serve_paramiko_tunnel(
    lport: int,
    rport: int,
    server: str,
    remoteip: str,
    keyfile: str | None,
    password: str | None,
    timeout: float,
) -> None:
    """The body of a paramiko tunnel process."""
    from zmqx.ssh.forward import forward_tunnel

    # Ctrl-C in the terminal is for the program, not for its tunnels
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        client = _paramiko_client(server, keyfile, password)
    except Exception as exc:  # noqa: BLE001 - reported, then this process ends
        sys.exit(f"zmqx ssh tunnel: cannot connect to {server}: {exc}")
    try:
        forward_tunnel(lport, remoteip, rport, client.get_transport(), idle_timeout=timeout)
    finally:
        client.close()


def paramiko_tunnel(
    lport: int,
    rport: int,
    server: str,
    remoteip: str = "127.0.0.1",
    keyfile: str | None = None,
    password: str | None = None,
    timeout: int = 60,
) -> multiprocessing.Process:
    """Forward ``127.0.0.1:lport`` here to ``remoteip:rport`` as seen from `server`, with paramiko.

    Arguments as for `openssh_tunnel`. The login is checked here first, so a
    wrong key or password raises in the caller; then a daemon process carries
    the tunnel. Returns that process.
    """
    if password is None:
        if not _try_passwordless_paramiko(server, keyfile):
            password = getpass(f"{server}'s password: ")
            _paramiko_client(server, keyfile, password).close()
    else:
        _paramiko_client(server, keyfile, password).close()
    process = multiprocessing.Process(
        target=_serve_paramiko_tunnel,
        args=(lport, rport, server, remoteip, keyfile, password, timeout),
        daemon=True,
    )
    process.start()
    return process


#: The default back end on this platform.
ssh_tunnel = paramiko_tunnel if sys.platform == "win32" else openssh_tunnel
