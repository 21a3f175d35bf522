"""CURVE certificate files: create, load and validate them.

A certificate is a small text file in the ZPL format that czmq and pyzmq use::

    metadata
        name = "value"
    curve
        public-key = "<40 Z85 characters>"
        secret-key = "<40 Z85 characters>"

`create_certificates` writes a public file (``NAME.key``) and a secret one
(``NAME.key_secret``, readable by its owner only). Loading checks every key: a
file whose keys are malformed, or whose secret key does not belong to its
public key, raises `ValueError` instead of being accepted.
"""

from __future__ import annotations

import datetime
import glob
import os
import re

import zmqx
from zmqx.utils import z85

__all__ = ["create_certificates", "load_certificate", "load_certificates"]

PUBLIC_SUFFIX = ".key"
SECRET_SUFFIX = ".key_secret"

_PUBLIC_BANNER = """\
#   ****  Written on {date} by zmqx  ****
#   ZeroMQ CURVE public certificate.
#   Share it with the peers that must recognise this key; check its contents
#   after copying it anywhere.

"""

_SECRET_BANNER = """\
#   ****  Written on {date} by zmqx  ****
#   ZeroMQ CURVE SECRET certificate.
#   Keep it private: do not share this file or relax its permissions.

"""

# `name = value`, the value optionally between single or double quotes
_ENTRY = re.compile(rb"^\s*([A-Za-z0-9$\-_@.&+/]+)\s*=\s*(.*?)\s*$")


def _text(value: str | bytes) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _write_certificate(
    path: str,
    banner: str,
    public_key: bytes,
    secret_key: bytes | None,
    metadata: dict[str, str] | None,
) -> None:
    lines = [banner.format(date=datetime.datetime.now()), "metadata\n"]
    for key, value in (metadata or {}).items():
        lines.append(f'    {_text(key)} = "{_text(value)}"\n')
    lines.append("curve\n")
    lines.append(f'    public-key = "{_text(public_key)}"\n')
    if secret_key is not None:
        lines.append(f'    secret-key = "{_text(secret_key)}"\n')
    # The secret file is created with mode 0600 from the start (never readable by
    # others, even briefly), and re-set in case the file already existed.
    mode = 0o600 if secret_key is not None else 0o644
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with open(fd, "w", encoding="utf-8") as f:
        if secret_key is not None:
            os.fchmod(f.fileno(), 0o600)
        f.writelines(lines)


def create_certificates(
    key_dir: str | os.PathLike[str],
    name: str,
    metadata: dict[str, str] | None = None,
) -> tuple[str, str]:
    """Generate a CURVE key pair and write it as two certificate files in `key_dir`.

    Returns ``(public_file, secret_file)``: ``NAME.key`` holds the public key,
    ``NAME.key_secret`` both keys and is readable by its owner only (mode 0600).
    `metadata` (name -> value) is written into both files.
    """
    public_key, secret_key = zmqx.curve_keypair()
    base = os.path.join(os.fspath(key_dir), name)
    public_file = base + PUBLIC_SUFFIX
    secret_file = base + SECRET_SUFFIX
    _write_certificate(public_file, _PUBLIC_BANNER, public_key, None, metadata)
    _write_certificate(secret_file, _SECRET_BANNER, public_key, secret_key, metadata)
    return public_file, secret_file


def _checked_key(value: bytes, what: str, filename: object) -> bytes:
    """`value` if it is a well-formed Z85 CURVE key (40 characters, 32 bytes)."""
    if len(value) != 40:
        raise ValueError(f"{what} in {filename} is {len(value)} characters long, not 40")
    try:
        z85.decode(value)
    except ValueError:
        raise ValueError(f"{what} in {filename} is not valid Z85") from None
    return value


def load_certificate(filename: str | os.PathLike[str]) -> tuple[bytes, bytes | None]:
    """Read ``(public_key, secret_key)`` (Z85 bytes) from a certificate file.

    `secret_key` is None for a public certificate. Raises OSError when the file
    does not exist, and ValueError when it has no public key, a malformed key,
    or a secret key that does not match its public key.
    """
    if not os.path.isfile(filename):
        raise OSError(f"Invalid certificate file: {os.fspath(filename)!r}")
    keys: dict[bytes, bytes] = {}
    with open(filename, "rb") as f:
        for line in f:
            if line.lstrip().startswith(b"#"):
                continue  # a comment ('#' inside a value is a Z85 digit, not one)
            match = _ENTRY.match(line)
            if match and match.group(1) in (b"public-key", b"secret-key"):
                keys[match.group(1)] = match.group(2).strip(b"'\"")
    if b"public-key" not in keys:
        raise ValueError(f"No public key found in {os.fspath(filename)!r}")
    public_key = _checked_key(keys[b"public-key"], "public-key", filename)
    secret_key = keys.get(b"secret-key")
    if secret_key is not None:
        _checked_key(secret_key, "secret-key", filename)
        if zmqx.curve_public(secret_key) != public_key:
            raise ValueError(
                f"The secret key in {os.fspath(filename)!r} does not belong to its public key"
            )
    return public_key, secret_key


def load_certificates(directory: str | os.PathLike[str] = ".") -> dict[bytes, bool]:
    """The public keys of every ``*.key`` certificate in `directory`, as ``{key: True}``.

    Raises OSError when `directory` is not a directory, and ValueError when any
    certificate in it is malformed.
    """
    if not os.path.isdir(directory):
        raise OSError(f"Invalid certificate directory: {os.fspath(directory)!r}")
    pattern = os.path.join(glob.escape(os.fspath(directory)), "*" + PUBLIC_SUFFIX)
    return {load_certificate(path)[0]: True for path in sorted(glob.glob(pattern))}
