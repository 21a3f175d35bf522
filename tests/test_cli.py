"""The `zmqx` command line, run as subprocesses against real sockets.

CLI peers talk to each other (push into pull, req against rep, dealer with
router) and to in-process sockets of both implementations, whose frames are
compared byte for byte with what the CLI printed or was given.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading

import pytest

from zmqx.cli.frames import JsonFormat, TextFormat

BOUND = re.compile(r"^zmqx \S+: bound (\S+)$")


def zmqx_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "zmqx", *args]


def run_cli(*args: str, stdin: str = "", timeout: float = 20) -> subprocess.CompletedProcess:
    return subprocess.run(
        zmqx_cmd(*args), input=stdin, capture_output=True, text=True, timeout=timeout, check=False
    )


class Cli:
    """A long-running `zmqx` subprocess; stderr is read in a thread (never blocks)."""

    def __init__(self, *args: str, stdin: int | None = subprocess.DEVNULL) -> None:
        self.proc = subprocess.Popen(
            zmqx_cmd(*args),
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
        )
        self.err_lines: list[str] = []
        self._bound = threading.Event()
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()

    def _read_stderr(self) -> None:
        for line in self.proc.stderr:
            self.err_lines.append(line.rstrip("\n"))
            if BOUND.match(line.rstrip("\n")):
                self._bound.set()
        self._bound.set()  # ended: let waiters see why

    def endpoint(self, timeout: float = 15) -> str:
        """The endpoint the command reported binding to."""
        assert self._bound.wait(timeout), "no 'bound' line"
        for line in self.err_lines:
            match = BOUND.match(line)
            if match:
                return match.group(1)
        raise AssertionError(f"no 'bound' line; stderr: {self.err_lines}")

    def stdout_line(self, timeout: float = 15) -> str:
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(self.proc.stdout.readline()))
        reader.daemon = True
        reader.start()
        reader.join(timeout)
        assert result and result[0], f"no output line; stderr: {self.err_lines}"
        return result[0].rstrip("\n")

    def finish(self, timeout: float = 20) -> tuple[int, str, str]:
        out = self.proc.stdout.read() if self.proc.stdout else ""
        self.proc.wait(timeout)
        self._reader.join(5)
        return self.proc.returncode, out, "\n".join(self.err_lines)

    def interrupt(self, timeout: float = 10) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout)
        self._reader.join(5)
        return self.proc.returncode, "\n".join(self.err_lines)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def cli():
    started: list[Cli] = []

    def start(*args: str, **kw) -> Cli:
        c = Cli(*args, **kw)
        started.append(c)
        return c

    yield start
    for c in started:
        c.kill()


def ipc_endpoint(endpoints) -> str:
    import zmqx

    return endpoints.ipc(zmqx)


# every kind of frame the format must carry: tabs, newlines, backslashes,
# non-UTF-8 bytes, unicode, empty frames
TRICKY_MESSAGES = [
    [b"hello"],
    [b"two", b"frames"],
    [b""],
    [b"a\tb", b"", b"c\nd\\e"],
    [bytes(range(256))],
    ["caf\u00e9 \u2028 \U0001f600".encode()],
]


@pytest.mark.timeout(30)
def test_help_of_every_command():
    top = run_cli("--help")
    assert top.returncode == 0
    commands = [
        "pub",
        "sub",
        "push",
        "pull",
        "req",
        "rep",
        "dealer",
        "router",
        "pair",
        "monitor",
        "keygen",
        "device",
        "bench",
    ]
    for name in commands:
        assert name in top.stdout
    for name in commands:
        out = run_cli(name, "--help")
        assert out.returncode == 0, (name, out.stderr)
        assert out.stdout.startswith("usage: zmqx " + name), name


@pytest.mark.timeout(20)
def test_console_script_and_python_m_agree():
    script = os.path.join(os.path.dirname(sys.executable), "zmqx")
    if not os.path.exists(script):
        pytest.skip("zmqx console script not installed next to this python")
    via_script = subprocess.run(
        [script, "--help"], capture_output=True, text=True, timeout=15, check=False
    )
    assert via_script.returncode == 0
    assert via_script.stdout == run_cli("--help").stdout


@pytest.mark.timeout(40)
@pytest.mark.parametrize("transport", ["tcp", "ipc"])
def test_push_piped_into_pull(cli, endpoints, transport):
    text = TextFormat()
    lines = [text.format(m) for m in TRICKY_MESSAGES]
    where = "tcp://127.0.0.1:*" if transport == "tcp" else ipc_endpoint(endpoints)
    pull = cli("pull", "--bind", where, "--count", str(len(lines)))
    push = run_cli("push", pull.endpoint(), stdin="\n".join(lines) + "\n")
    assert push.returncode == 0, push.stderr
    rc, out, err = pull.finish()
    assert rc == 0, err
    assert out.split("\n")[:-1] == lines
    assert [text.parse(line) for line in out.split("\n")[:-1]] == TRICKY_MESSAGES


@pytest.mark.timeout(40)
def test_json_lines_round_trip(cli):
    js = JsonFormat()
    lines = [js.format(m) for m in TRICKY_MESSAGES]
    pull = cli("pull", "--bind", "tcp://127.0.0.1:*", "--json", "-n", str(len(lines)))
    push = run_cli("push", "--json", pull.endpoint(), stdin="\n".join(lines) + "\n")
    assert push.returncode == 0, push.stderr
    rc, out, err = pull.finish()
    assert rc == 0, err
    assert [js.parse(line) for line in out.split("\n")[:-1]] == TRICKY_MESSAGES


@pytest.mark.timeout(40)
def test_custom_delimiter(cli):
    pull = cli("pull", "--bind", "tcp://127.0.0.1:*", "-d", " | ", "-n", "2")
    push = run_cli("push", "-d", ",", pull.endpoint(), stdin="a,b\nx|y,\\x2c\n")
    assert push.returncode == 0, push.stderr
    rc, out, err = pull.finish()
    assert rc == 0, err
    # frames: [a, b] and [x|y, ","]; " | " is escaped wherever it could be ambiguous
    assert out.split("\n")[:-1] == ["a | b", "x\\x7cy | ,"]
    assert TextFormat(" | ").parse(out.split("\n")[:-1][1]) == [b"x|y", b","]


@pytest.mark.timeout(40)
def test_req_against_rep_echo(cli):
    rep = cli("rep", "--bind", "tcp://127.0.0.1:*", "-n", "3")
    req = run_cli("req", rep.endpoint(), stdin="one\ntwo\tparts\n\\xff\n")
    assert req.returncode == 0, req.stderr
    assert req.stdout.split("\n")[:-1] == ["one", "two\tparts", "\\xff"]
    rc, out, err = rep.finish()
    assert rc == 0, err
    assert out.split("\n")[:-1] == ["one", "two\tparts", "\\xff"]


@pytest.mark.timeout(40)
def test_rep_with_fixed_reply(cli):
    rep = cli("rep", "--bind", "tcp://127.0.0.1:*", "--reply", "ok\tdone", "-n", "2")
    req = run_cli("req", rep.endpoint(), stdin="a\nb\n")
    assert req.returncode == 0, req.stderr
    assert req.stdout.split("\n")[:-1] == ["ok\tdone", "ok\tdone"]
    assert rep.finish()[1].splitlines() == ["a", "b"]


@pytest.mark.timeout(40)
def test_pub_topic_reaches_subscriber(cli):
    sub = cli("sub", "--bind", "tcp://127.0.0.1:*", "--topic", "news", "-n", "2")
    # --delay: time for the subscription to reach the publisher before it sends
    pub = run_cli(
        "pub", "--topic", "news", "--delay", "1.5", sub.endpoint(), stdin="first\nsecond\n"
    )
    assert pub.returncode == 0, pub.stderr
    rc, out, err = sub.finish()
    assert rc == 0, err
    assert out.split("\n")[:-1] == ["news\tfirst", "news\tsecond"]


@pytest.mark.timeout(40)
def test_binary_topic_written_with_escapes(cli, zmq, ctx):
    pub = ctx.socket(zmq.PUB)
    port = pub.bind_to_random_port("tcp://127.0.0.1")
    sub = cli("sub", "--topic", "\\x00\\xff", "-n", "1", f"tcp://127.0.0.1:{port}")
    deadline = 100
    while sub.proc.poll() is None and deadline:  # until the subscription has arrived
        # the other topic first: a subscriber that did not filter would print it
        pub.send_multipart([b"\x00other", b"no"])
        pub.send_multipart([b"\x00\xffkey", b"v"])
        deadline -= 1
        threading.Event().wait(0.1)
    rc, out, err = sub.finish()
    assert rc == 0, err
    assert out == "\\x00\\xffkey\tv\n"


@pytest.mark.timeout(40)
def test_dealer_and_router_talk_both_ways(cli):
    router = cli("router", "--bind", "tcp://127.0.0.1:*", stdin=subprocess.PIPE)
    dealer = cli(
        "dealer", "-o", "routing_id=client-1", "-n", "1", router.endpoint(), stdin=subprocess.PIPE
    )
    dealer.proc.stdin.write("hello\tworld\n")
    dealer.proc.stdin.flush()
    assert router.stdout_line() == "client-1\thello\tworld"
    router.proc.stdin.write("client-1\tback\\x00\n")
    router.proc.stdin.flush()
    rc, out, err = dealer.finish()
    assert rc == 0, err
    assert out.split("\n")[:-1] == ["back\\x00"]
    rc, err = router.interrupt()
    assert rc == 130 and "Traceback" not in err


@pytest.mark.timeout(40)
def test_pair_keeps_printing_after_its_input_ends(cli):
    left = cli("pair", "--bind", "tcp://127.0.0.1:*", "--json", stdin=subprocess.PIPE)
    # the right end's input ends at once (no newline at the end, even): it still
    # sends that line, then waits for what the left end sends
    right = cli("pair", "--json", "-n", "1", left.endpoint(), stdin=subprocess.PIPE)
    right.proc.stdin.write('["from right", {"base64": "/wA="}]')
    right.proc.stdin.close()
    assert left.stdout_line() == '["from right", {"base64": "/wA="}]'
    left.proc.stdin.write('"from left"\n')
    left.proc.stdin.flush()
    rc, out, err = right.finish()
    assert rc == 0, err
    assert out == '["from left"]\n'
    assert left.interrupt()[0] == 130


@pytest.mark.timeout(40)
def test_frames_exact_against_in_process_sockets(cli, zmq, ctx):
    """What the CLI prints parses back to the very bytes a library socket sent, and
    what it sends from a line arrives as the frames the line describes."""
    text = TextFormat()
    pull = cli("pull", "--bind", "tcp://127.0.0.1:*", "-n", str(len(TRICKY_MESSAGES)))
    push = ctx.socket(zmq.PUSH)
    push.linger = 5000
    push.connect(pull.endpoint())
    for message in TRICKY_MESSAGES:
        push.send_multipart(message)
    rc, out, err = pull.finish()
    assert rc == 0, err
    assert [text.parse(line) for line in out.split("\n")[:-1]] == TRICKY_MESSAGES

    sink = ctx.socket(zmq.PULL)
    sink.rcvtimeo = 10000
    port = sink.bind_to_random_port("tcp://127.0.0.1")
    lines = "".join(text.format(m) + "\n" for m in TRICKY_MESSAGES)
    sent = run_cli("push", f"tcp://127.0.0.1:{port}", stdin=lines)
    assert sent.returncode == 0, sent.stderr
    assert [sink.recv_multipart() for _ in TRICKY_MESSAGES] == TRICKY_MESSAGES


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "args",
    [
        ["push", "bogus://x"],
        ["pull", "--bind", "tcp://nohost:x"],
        ["push", "-o", "nosuchoption=1", "tcp://127.0.0.1:5"],
        ["push", "-o", "linger=abc", "tcp://127.0.0.1:5"],
        ["push", "-o", "linger", "tcp://127.0.0.1:5"],
        ["monitor", "-T", "nosuchtype", "tcp://127.0.0.1:5"],
        ["monitor", "-e", "nosuchevent", "tcp://127.0.0.1:5"],
        ["nosuchcommand"],
        ["pull", "--nosuchflag", "tcp://127.0.0.1:5"],
        ["pull"],
        ["pull", "-n", "0", "tcp://127.0.0.1:5"],
        ["monitor", "-n", "x", "tcp://127.0.0.1:5"],
        ["sub", "--topic", "bad\\q", "tcp://127.0.0.1:5"],
        ["pub", "--topic", "a", "--topic", "b", "tcp://127.0.0.1:5"],
        ["pull", "--json", "-d", ",", "tcp://127.0.0.1:5"],
        ["rep", "--reply", "bad\\q", "tcp://127.0.0.1:5"],
        ["keygen", "somename"],
        ["device", "queue", "--in-bind", "bogus://x", "--out-bind", "tcp://127.0.0.1:*"],
        ["device", "nosuchdevice"],
        ["bench", "--only", "nosuchcase"],
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args):
    out = run_cli(*args)
    assert out.returncode == 2, (args, out.stderr)
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "error" in lines[0]


@pytest.mark.timeout(40)
def test_bad_input_line_stops_after_sending_the_good_ones(cli):
    pull = cli("pull", "--bind", "tcp://127.0.0.1:*", "-n", "1")
    push = run_cli("push", pull.endpoint(), stdin="good\nbad \\q escape\nnever\n")
    assert push.returncode == 1
    assert push.stderr.strip() == (
        "zmqx push: error: stdin line 2: unknown escape \\q (known: \\\\ \\t \\n \\r \\xHH \\uXXXX)"
    )
    rc, out, _ = pull.finish()
    assert rc == 0 and out == "good\n"


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "args, stdin",
    [
        (["pull"], None),  # blocked in recv
        (["sub"], None),
        (["rep"], None),
        (["router"], subprocess.PIPE),  # blocked in poll over the socket and stdin
        (["push"], subprocess.PIPE),  # blocked reading stdin
        (["monitor"], None),
    ],
)
def test_ctrl_c_exits_130_without_traceback(cli, args, stdin):
    c = cli(*args, "--bind", "tcp://127.0.0.1:*", stdin=stdin)
    c.endpoint()
    rc, err = c.interrupt()
    assert rc == 130, err
    assert "Traceback" not in err
    assert err.splitlines()[-1] == f"zmqx {args[0]}: interrupted"


@pytest.mark.timeout(30)
def test_sigterm_stops_cleanly(cli):
    c = cli("pull", "--bind", "tcp://127.0.0.1:*")
    c.endpoint()
    c.proc.send_signal(signal.SIGTERM)
    rc, out, err = c.finish()
    assert rc == 0 and out == "" and "Traceback" not in err


@pytest.mark.timeout(60)
def test_ctrl_c_while_blocked_sending(cli):
    # REQ with no peer blocks in send
    c = cli("req", "--bind", "tcp://127.0.0.1:*", stdin=subprocess.PIPE)
    c.endpoint()
    c.proc.stdin.write("waiting\n")
    c.proc.stdin.flush()
    rc, err = c.interrupt()
    assert rc == 130 and "Traceback" not in err


@pytest.mark.timeout(40)
def test_monitor_sees_connect_and_disconnect(cli, zmq, ctx):
    server = ctx.socket(zmq.ROUTER)
    port = server.bind_to_random_port("tcp://127.0.0.1")
    mon = cli("monitor", "--json", f"tcp://127.0.0.1:{port}")
    import json

    seen = []
    while "HANDSHAKE_SUCCEEDED" not in seen:
        record = json.loads(mon.stdout_line())
        assert record["endpoint"] == f"tcp://127.0.0.1:{port}"
        seen.append(record["event"])
    assert "CONNECTED" in seen
    server.close(linger=0)
    while True:
        record = json.loads(mon.stdout_line())
        if record["event"] == "DISCONNECTED":
            assert record["detail"].startswith("fd ")
            break
    rc, err = mon.interrupt()
    assert rc == 130 and "Traceback" not in err


@pytest.mark.timeout(40)
def test_monitor_explains_a_failed_handshake(cli, zmq, ctx):
    """A CURVE server refuses a plain client: the reason is printed."""
    server = ctx.socket(zmq.PUB)
    server.curve_server = 1
    server.curve_secretkey = zmq.curve_keypair()[1]
    port = server.bind_to_random_port("tcp://127.0.0.1")
    mon = cli(
        "monitor",
        "-T",
        "sub",
        "-e",
        "handshake_failed_protocol",
        "-n",
        "1",
        f"tcp://127.0.0.1:{port}",
    )
    rc, out, err = mon.finish()
    assert rc == 0, err
    assert re.match(
        r"^\d\d:\d\d:\d\d\.\d{3} HANDSHAKE_FAILED_PROTOCOL +tcp://127\.0\.0\.1:\d+  "
        r"PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH$",
        out.strip(),
    ), out


@pytest.mark.timeout(20)
def test_keygen_prints_a_matching_pair():
    import zmqx

    out = run_cli("keygen")
    assert out.returncode == 0, out.stderr
    match = re.fullmatch(r"public: (\S{40})\nsecret: (\S{40})\n", out.stdout)
    assert match, out.stdout
    public, secret = (g.encode() for g in match.groups())
    assert zmqx.curve_public(secret) == public


@pytest.mark.timeout(20)
def test_keygen_writes_certificates(tmp_path):
    import zmqx

    out = run_cli("keygen", "--dir", str(tmp_path / "certs"), "server")
    assert out.returncode == 0, out.stderr
    public_file = tmp_path / "certs" / "server.key"
    secret_file = tmp_path / "certs" / "server.key_secret"
    assert out.stdout.split("\n")[:-1] == [str(public_file), str(secret_file)]
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert public_file.stat().st_mode & 0o077 == public_file.stat().st_mode & 0o044
    keys = dict(re.findall(r'(public|secret)-key = "(\S{40})"', secret_file.read_text()))
    assert zmqx.curve_public(keys["secret"].encode()) == keys["public"].encode()
    assert "secret-key" not in public_file.read_text()
    assert f'public-key = "{keys["public"]}"' in public_file.read_text()
    try:
        from zmq.auth import load_certificate
    except ImportError:
        pass
    else:  # pyzmq reads them as its own
        assert load_certificate(str(secret_file)) == (
            keys["public"].encode(),
            keys["secret"].encode(),
        )
        assert load_certificate(str(public_file)) == (keys["public"].encode(), None)

    before = secret_file.read_text()
    again = run_cli("keygen", "--dir", str(tmp_path / "certs"), "server")
    assert again.returncode == 2 and "exists" in again.stderr
    assert secret_file.read_text() == before
    forced = run_cli("keygen", "--dir", str(tmp_path / "certs"), "server", "--force")
    assert forced.returncode == 0
    assert secret_file.read_text() != before
    assert secret_file.stat().st_mode & 0o777 == 0o600


@pytest.mark.timeout(40)
def test_device_runs_the_devices_code(cli, zmq, ctx):
    c = cli(
        "device", "streamer", "--in-bind", "tcp://127.0.0.1:*", "--out-bind", "tcp://127.0.0.1:*"
    )
    for _ in range(300):  # the banner comes once the sockets are bound
        if c.err_lines or c.proc.poll() is not None:
            break
        threading.Event().wait(0.05)
    assert c.err_lines, "no banner"
    match = re.match(
        r"^zmqx device: streamer running; in PULL bind (\S+); out PUSH bind (\S+) "
        r"\(Ctrl-C to stop\)$",
        c.err_lines[0],
    )
    assert match, c.err_lines
    push = ctx.socket(zmq.PUSH)
    push.connect(match.group(1))
    pull = ctx.socket(zmq.PULL)
    pull.rcvtimeo = 10000
    pull.connect(match.group(2))
    push.send_multipart([b"through", b"\x00"])
    assert pull.recv_multipart() == [b"through", b"\x00"]
    rc, err = c.interrupt()
    assert rc == 130 and "Traceback" not in err


@pytest.mark.timeout(40)
def test_ctrl_c_with_undelivered_messages_does_not_wait_for_them(cli):
    """--linger (default: until delivered) applies to a normal exit, not to Ctrl-C."""
    import zmqx

    ctx = zmqx.Context()
    try:
        # a peer that accepts the connection but never reads: messages queue up
        stuck = ctx.socket(zmqx.PULL, rcvhwm=1)
        port = stuck.bind_to_random_port("tcp://127.0.0.1")
        c = cli("push", "-o", "sndhwm=1", f"tcp://127.0.0.1:{port}", stdin=subprocess.PIPE)

        def feed():
            # far more than the kernel's socket buffers hold
            try:
                for _ in range(64):
                    c.proc.stdin.write("x" * (1 << 20) + "\n")
                c.proc.stdin.close()
            except (BrokenPipeError, ValueError):
                pass

        threading.Thread(target=feed, daemon=True).start()
        threading.Event().wait(2.0)
        rc, err = c.interrupt()
        assert rc == 130 and "Traceback" not in err
    finally:
        ctx.destroy(linger=0)
