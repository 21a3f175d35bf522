"""The CLI's one-message-per-line formats: any message survives format -> parse."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zmqx.cli.frames import FormatError, JsonFormat, TextFormat, message_format

frames = st.lists(st.binary(max_size=40), min_size=1, max_size=5)
delimiters = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)).filter(
        lambda ch: ch not in "\\\n\r" and not (ch.isascii() and ch.isalnum())
    ),
    min_size=1,
    max_size=3,
)


@given(frames, delimiters)
def test_text_round_trip_any_frames_any_delimiter(message, delimiter):
    fmt = TextFormat(delimiter)
    line = fmt.format(message)
    assert "\n" not in line and "\r" not in line
    assert line.count(delimiter) == len(message) - 1  # the delimiter only separates
    assert fmt.parse(line) == message


@given(frames)
def test_json_round_trip(message):
    fmt = JsonFormat()
    line = fmt.format(message)
    assert len(line.splitlines()) == 1  # no line break of any kind, not even U+2028
    assert fmt.parse(line) == message


def test_readable_text_stays_readable():
    fmt = TextFormat()
    assert fmt.format([b"topic", "caf\u00e9 ok".encode()]) == "topic\tcaf\u00e9 ok"
    assert fmt.format([b"a\\b\tc\x00\xff"]) == "a\\\\b\\tc\\x00\\xff"
    assert fmt.format(["\u2028".encode()]) == "\\u2028"
    assert JsonFormat().format([b"x", b"\xff"]) == '["x", {"base64": "/w=="}]'


def test_escapes_read_from_input():
    fmt = TextFormat()
    assert fmt.parse("\\x41\\u00e9\\U0001f600\\n") == ["A\u00e9\U0001f600\n".encode()]
    assert fmt.parse("") == [b""]
    assert fmt.parse("a\t\tb") == [b"a", b"", b"b"]


@pytest.mark.parametrize("line", ["\\q", "end\\", "\\x4", "\\U00110000"])
def test_bad_escapes_are_errors(line):
    with pytest.raises(FormatError):
        TextFormat().parse(line)


@pytest.mark.parametrize(
    "line", ["not json", "[]", "42", '[{"base64": "!!"}]', "[1]", '[{"hex": "00"}]']
)
def test_bad_json_lines_are_errors(line):
    with pytest.raises(FormatError):
        JsonFormat().parse(line)


def test_json_accepts_a_bare_string_as_one_frame():
    assert JsonFormat().parse('"solo"') == [b"solo"]


@pytest.mark.parametrize("delimiter", ["", "\\", "\n", "x", "0", " AND "])
def test_unusable_delimiters(delimiter):
    with pytest.raises(ValueError):
        TextFormat(delimiter)


def test_delimiter_and_json_conflict():
    with pytest.raises(ValueError):
        message_format(True, ",")
    assert isinstance(message_format(False, None), TextFormat)
