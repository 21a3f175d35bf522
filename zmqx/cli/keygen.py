"""``zmqx keygen``: a new CURVE key pair, printed or written as certificate files.

Without arguments the pair is printed (Z85 text).  With ``--dir D NAME`` it is
written as ``D/NAME.key`` (public) and ``D/NAME.key_secret`` (both keys, readable
by its owner only), in the ZPL certificate format that czmq and pyzmq's
``zmq.auth.load_certificate`` read.
"""

from __future__ import annotations

import argparse
import datetime
import errno
import os

import zmqx

from .common import UsageError, run_command

_CERTIFICATE = """\
#   ****  Generated on {date} by zmqx keygen  ****
#   ZeroMQ CURVE {kind} Certificate
#   {advice}

metadata
curve
    public-key = "{public}"
"""
_PUBLIC_ADVICE = "Exchange securely, or use a secure mechanism to verify the contents."
_SECRET_ADVICE = "Keep this file private: it holds the secret key."


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the keygen subcommand."""
    parser = subparsers.add_parser(
        "keygen",
        help="print a CURVE key pair, or write it as certificate files",
        description="Make a new CURVE key pair. Without --dir, print it; with --dir D NAME, "
        "write D/NAME.key (public) and D/NAME.key_secret (mode 0600).",
    )
    parser.add_argument("name", nargs="?", metavar="NAME", help="certificate name (with --dir)")
    parser.add_argument("--dir", metavar="D", help="write certificate files into directory D")
    parser.add_argument(
        "--force", action="store_true", help="replace certificate files that already exist"
    )
    parser.set_defaults(run=run)


def write_certificates(directory: str, name: str, force: bool = False) -> tuple[str, str]:
    """Write a new key pair as NAME.key and NAME.key_secret in ``directory``.

    Returns the two paths.  The secret file is created with mode 0600 from the
    start (never readable by others, even briefly).  Existing files are kept unless
    ``force``: FileExistsError.
    """
    public, secret = zmqx.curve_keypair()
    os.makedirs(directory, exist_ok=True)
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    public_path = os.path.join(directory, name + ".key")
    secret_path = public_path + "_secret"
    texts = {
        public_path: (
            _CERTIFICATE.format(
                date=date, kind="Public", advice=_PUBLIC_ADVICE, public=public.decode()
            ),
            0o644,
        ),
        secret_path: (
            _CERTIFICATE.format(
                date=date, kind="Secret", advice=_SECRET_ADVICE, public=public.decode()
            )
            + f'    secret-key = "{secret.decode()}"\n',
            0o600,
        ),
    }
    if not force:
        for path in texts:  # check both first: never write half a pair
            if os.path.exists(path):
                raise FileExistsError(errno.EEXIST, "file exists", path)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
    for path, (text, mode) in texts.items():
        fd = os.open(path, flags, mode)
        with os.fdopen(fd, "w") as f:
            os.fchmod(fd, mode)  # also when --force replaced an existing file
            f.write(text)
    return public_path, secret_path


def run(args: argparse.Namespace) -> int:
    """Run ``zmqx keygen``; returns the exit status."""
    prog = "zmqx keygen"

    def body() -> int:
        if args.dir is None:
            if args.name is not None:
                raise UsageError("NAME needs --dir (where to write the certificate files)")
            public, secret = zmqx.curve_keypair()
            print(f"public: {public.decode()}")
            print(f"secret: {secret.decode()}")
            return 0
        if not args.name:
            raise UsageError("--dir needs a certificate NAME")
        if os.sep in args.name or args.name in (".", ".."):
            raise UsageError(f"NAME must be a plain file name, not {args.name!r}")
        try:
            paths = write_certificates(args.dir, args.name, args.force)
        except FileExistsError as exc:
            raise UsageError(f"{exc.filename} exists (--force replaces it)") from None
        for path in paths:
            print(path)
        return 0

    return run_command(body, prog)


__all__ = ["register", "run", "write_certificates"]
