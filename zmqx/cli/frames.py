"""One message per line: how the socket commands print messages and read them back.

Text form (the default): the frames of a message separated by a delimiter (a tab
unless ``--delimiter`` says otherwise).  Inside a frame, text that is valid UTF-8
and printable shows as itself; everything else is escaped, so that a line can be
read back into exactly the same frames:

    \\\\ backslash   \\t \\n \\r   the control characters
    \\xHH            one raw byte (for bytes that are not UTF-8, and ASCII controls)
    \\uXXXX \\UXXXXXXXX   a code point, as UTF-8 (for unprintable or delimiter characters)

Every character of the delimiter is escaped inside frames, so the delimiter only
ever separates frames (it may not contain a backslash, a line break, or ASCII letters
or digits, which escapes are made of).  JSON form (``--json``): a JSON array per message, one
string per frame, or ``{"base64": "..."}`` for a frame that is not UTF-8.
"""

from __future__ import annotations

import base64
import json
import re

DEFAULT_DELIMITER = "\t"

_SHORT_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_SHORT_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.|$)", re.DOTALL)


class FormatError(ValueError):
    """A line that does not describe a message."""


def _escape_char(ch: str, delimiter: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if ch in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[ch]
    if ch in delimiter or not ch.isprintable():
        if code < 0x80:
            return f"\\x{code:02x}"
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    return ch


def _needs_escape(delimiter: str) -> re.Pattern[str]:
    """Characters worth a look: backslash, controls, non-ASCII, the delimiter's."""
    extra = "".join(re.escape(ch) for ch in set(delimiter) if ord(ch) < 0x80)
    return re.compile(rf"[\\\x00-\x1f\x7f-\U0010ffff{extra}]")


class TextFormat:
    """Frames separated by a delimiter, escaped as the module says."""

    def __init__(self, delimiter: str = DEFAULT_DELIMITER) -> None:
        if not delimiter:
            raise ValueError("the delimiter cannot be empty")
        # escapes are made of a backslash, ASCII letters and digits: a delimiter made of
        # none of those never shows up inside an escaped frame
        if any(ch in "\\\n\r" or (ch.isascii() and ch.isalnum()) for ch in delimiter):
            raise ValueError(
                "the delimiter cannot contain a backslash, a line break, or ASCII letters or digits"
            )
        self.delimiter = delimiter
        self._special = _needs_escape(delimiter)

    def encode_frame(self, frame: bytes) -> str:
        """A frame as text that never contains the delimiter or a newline."""
        text = frame.decode("utf-8", "surrogateescape")
        return self._special.sub(lambda m: _escape_char(m.group(), self.delimiter), text)

    def format(self, frames: list[bytes]) -> str:
        """A message as one line (without the newline)."""
        return self.delimiter.join(self.encode_frame(f) for f in frames)

    def parse(self, line: str) -> list[bytes]:
        """The frames a line describes (the inverse of format)."""
        return [decode_frame(part) for part in line.split(self.delimiter)]


def decode_frame(text: str) -> bytes:
    """The bytes of one escaped frame; FormatError on a bad escape."""
    out = bytearray()
    pos = 0
    for match in _ESCAPE.finditer(text):
        out += text[pos : match.start()].encode("utf-8", "surrogateescape")
        code = match.group(1)
        if code[:1] == "x" and len(code) == 3:
            out.append(int(code[1:], 16))
        elif code[:1] in "uU" and len(code) > 1:
            try:
                out += chr(int(code[1:], 16)).encode("utf-8")
            except (ValueError, UnicodeEncodeError):
                raise FormatError(f"bad escape \\{code}: not a character") from None
        elif code in _SHORT_UNESCAPES:
            out += _SHORT_UNESCAPES[code].encode()
        elif code == "":
            raise FormatError("a lone backslash ends the frame (write \\\\ for a backslash)")
        else:
            raise FormatError(f"unknown escape \\{code} (known: \\\\ \\t \\n \\r \\xHH \\uXXXX)")
        pos = match.end()
    out += text[pos:].encode("utf-8", "surrogateescape")
    return bytes(out)


class JsonFormat:
    """A JSON array per message: a string per UTF-8 frame, {"base64": ...} otherwise."""

    def format(self, frames: list[bytes]) -> str:
        """A message as one line of JSON (without the newline)."""
        parts: list[object] = []
        for frame in frames:
            try:
                parts.append(frame.decode("utf-8"))
            except UnicodeDecodeError:
                parts.append({"base64": base64.b64encode(frame).decode("ascii")})
        # readable non-ASCII text, but unprintable characters (U+2028...) escaped
        text = json.dumps(parts, ensure_ascii=False)
        return _NON_ASCII.sub(
            lambda m: m.group() if m.group().isprintable() else json.dumps(m.group())[1:-1], text
        )

    def parse(self, line: str) -> list[bytes]:
        """The frames a JSON line describes; FormatError if it describes none."""
        try:
            value = json.loads(line)
        except ValueError as exc:
            raise FormatError(f"not JSON: {exc}") from None
        if isinstance(value, (str, dict)):
            value = [value]
        if not isinstance(value, list) or not value:
            raise FormatError('expected a JSON array of frames (strings or {"base64": ...})')
        return [self._frame(part) for part in value]

    @staticmethod
    def _frame(part: object) -> bytes:
        if isinstance(part, str):
            return part.encode("utf-8", "surrogatepass")
        if isinstance(part, dict) and set(part) == {"base64"} and isinstance(part["base64"], str):
            try:
                return base64.b64decode(part["base64"], validate=True)
            except ValueError:
                raise FormatError("bad base64 in a frame") from None
        raise FormatError(f'a frame must be a string or {{"base64": ...}}, not {part!r}')


MessageFormat = TextFormat | JsonFormat


def message_format(json_lines: bool, delimiter: str | None) -> MessageFormat:
    """The format the options ask for (ValueError if they contradict each other)."""
    if json_lines:
        if delimiter is not None:
            raise ValueError("--delimiter does not apply to --json")
        return JsonFormat()
    return TextFormat(DEFAULT_DELIMITER if delimiter is None else delimiter)
