"""Z85 encoding and decoding (ZeroMQ RFC 32, https://rfc.zeromq.org/spec/32/).

Z85 turns every 4 bytes of binary input into 5 printable ASCII characters,
reading each 4-byte group as a big-endian unsigned 32-bit integer and writing
it out most significant base-85 digit first.
"""

from __future__ import annotations

import struct
from typing import Final

__all__ = ["Z85CHARS", "Z85MAP", "decode", "encode"]

_RawBytes = bytes | bytearray | memoryview

#: The 85 characters of the Z85 alphabet, in digit order.
Z85CHARS: Final[bytes] = (
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"
)

#: Reverse lookup: character code -> digit value.
Z85MAP: Final[dict[int, int]] = {code: value for value, code in enumerate(Z85CHARS)}

# Powers of 85 used to weight the five digits of one group (most significant first).
_85s: Final[list[int]] = [85**4, 85**3, 85**2, 85, 1]

_P4 = 85**4
_P2 = 85**2
_MAX_WORD = 0xFFFFFFFF
_INVALID = 0xFF

# Encoding tables: one entry per leading digit, and one per two-digit pair, so a
# 32-bit group is rendered with three lookups instead of five divisions.
_SINGLE: Final[list[bytes]] = [bytes((c,)) for c in Z85CHARS]
_PAIR: Final[list[bytes]] = [bytes((hi, lo)) for hi in Z85CHARS for lo in Z85CHARS]

# Decoding table for bytes.translate: Z85 character -> digit, anything else -> 0xFF.
_decode_table = bytearray([_INVALID]) * 256
for _code, _value in Z85MAP.items():
    _decode_table[_code] = _value
_DECODE_TABLE = bytes(_decode_table)
del _code, _value, _decode_table


class _InvalidZ85Character(ValueError, KeyError):
    """Raised for bytes outside the Z85 alphabet.

    A ValueError, and also a KeyError so code written against pyzmq (whose
    decoder raises KeyError here) keeps catching it.
    """

    __str__ = BaseException.__str__


class _Z85Overflow(ValueError, struct.error):
    """Raised when a 5-character group decodes to more than 32 bits.

    A ValueError, and also a struct.error as raised by pyzmq in this case.
    """


def encode(rawbytes: _RawBytes) -> bytes:
    """Encode bytes (length a multiple of 4) as Z85; return the encoded bytes."""
    view = memoryview(rawbytes)
    nbytes = view.nbytes
    if nbytes % 4:
        raise ValueError(f"length must be multiple of 4, not {nbytes}")
    if not nbytes:
        return b""
    words = struct.unpack(f">{nbytes // 4}I", view)
    single = _SINGLE
    pair = _PAIR
    p4 = _P4
    p2 = _P2
    return b"".join([single[w // p4] + pair[(w // p2) % p2] + pair[w % p2] for w in words])


def decode(z85bytes: str | _RawBytes) -> bytes:
    """Decode Z85 data (length a multiple of 5, ``str`` allowed); return raw bytes."""
    if isinstance(z85bytes, str):
        try:
            data = z85bytes.encode("ascii")
        except UnicodeEncodeError:
            raise ValueError("Z85 string may only contain ASCII characters") from None
    else:
        data = bytes(memoryview(z85bytes))
    n = len(data)
    if n % 5:
        raise ValueError(f"Z85 length must be multiple of 5, not {n}")
    if not n:
        return b""
    digits = data.translate(_DECODE_TABLE)
    bad = digits.find(_INVALID)
    if bad >= 0:
        raise _InvalidZ85Character(f"invalid Z85 character {data[bad : bad + 1]!r} at offset {bad}")
    words = [
        (((a * 85 + b) * 85 + c) * 85 + d) * 85 + e
        for a, b, c, d, e in zip(
            digits[0::5], digits[1::5], digits[2::5], digits[3::5], digits[4::5], strict=True
        )
    ]
    if max(words) > _MAX_WORD:
        index = next(i for i, w in enumerate(words) if w > _MAX_WORD)
        raise _Z85Overflow(
            f"Z85 group {data[index * 5 : index * 5 + 5]!r} at offset {index * 5} "
            "does not fit in 32 bits"
        )
    return struct.pack(f">{len(words)}I", *words)
