"""``zmqx keygen``: a new CURVE key pair, printed or written as certificate files.

Without arguments the pair is printed (Z85 text).  With ``--dir D NAME`` it is
written as ``D/NAME.key`` (public) and ``D/NAME.key_secret`` (both keys, readable
by its owner only), in the ZPL certificate format that czmq and pyzmq's
``zmq.auth.load_certificate`` read.
"""

from __future__ import annotations

import argparse
import errno
import os

import zmqx

from .common import Subcommands, UsageError, run_command


def register(subparsers: Subcommands) -> None:
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
    """Write a new key pair as NAME.key and NAME.key_secret in ``directory``
    (zmqx.auth.certs.create_certificates; the secret file is mode 0600).

    Returns the two paths. Existing files are kept unless ``force``: FileExistsError.
    """
    from zmqx.auth.certs import PUBLIC_SUFFIX, SECRET_SUFFIX, create_certificates

    base = os.path.join(directory, name)
    if not force:
        for path in (base + PUBLIC_SUFFIX, base + SECRET_SUFFIX):  # never half a pair
            if os.path.exists(path):
                raise FileExistsError(errno.EEXIST, "file exists", path)
    os.makedirs(directory, exist_ok=True)
    return create_certificates(directory, name)


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
