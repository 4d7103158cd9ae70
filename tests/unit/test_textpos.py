"""LSP positions in UTF-8, UTF-16 and UTF-32, with LSP's line breaks only."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lsprotocol.types import Position, PositionEncodingKind

from grok_lsp.textpos import offset_at, position_at

LINE = "s = '日本語 😀 ok'  # x\nnext\n"
ENCODINGS = [PositionEncodingKind.Utf8, PositionEncodingKind.Utf16, PositionEncodingKind.Utf32]


@pytest.mark.parametrize(
    ("encoding", "character"),
    [
        (PositionEncodingKind.Utf8, 20),
        (PositionEncodingKind.Utf16, 12),
        (PositionEncodingKind.Utf32, 11),
    ],
)
def test_after_cjk_and_emoji(encoding: PositionEncodingKind, character: int) -> None:
    offset = offset_at(LINE, Position(line=0, character=character), encoding)
    assert LINE[:offset].endswith("😀 ")
    assert position_at(LINE, offset, encoding) == Position(line=0, character=character)


def test_form_feed_is_not_a_line_break() -> None:
    text = "a\x0cb\nc"
    assert offset_at(text, Position(line=1, character=0)) == 4


def test_crlf_and_cr() -> None:
    text = "ab\r\ncd\ref"
    assert offset_at(text, Position(line=1, character=1)) == 5
    assert offset_at(text, Position(line=2, character=0)) == 7


def test_out_of_range_positions_are_clamped() -> None:
    assert offset_at("abc\nde", Position(line=0, character=99)) == 3
    assert offset_at("abc\nde", Position(line=9, character=0)) == 6
    assert offset_at("", Position(line=0, character=0)) == 0


@given(st.text(alphabet=st.sampled_from("ab\n\r日😀\x0c"), max_size=40), st.data())
def test_round_trip(text: str, data: st.DataObject) -> None:
    offset = data.draw(st.integers(min_value=0, max_value=len(text)))
    if 0 < offset < len(text) and text[offset - 1] == "\r" and text[offset] == "\n":
        return  # between CR and LF is not a position
    for encoding in ENCODINGS:
        assert offset_at(text, position_at(text, offset, encoding), encoding) == offset
