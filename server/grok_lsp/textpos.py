"""LSP positions to string offsets and back, with LSP's own line breaks.

pygls splits lines with `str.splitlines`, which also breaks on form feeds and other separators
that LSP does not count; these helpers break only on `\\n`, `\\r\\n` and `\\r`, and convert
`character` in the negotiated encoding (UTF-8, UTF-16 or UTF-32). Positions past the end of a
line or of the document are clamped, never an error.
"""

from __future__ import annotations

from lsprotocol.types import Position, PositionEncodingKind

_UTF8 = PositionEncodingKind.Utf8
_UTF16 = PositionEncodingKind.Utf16
_UTF32 = PositionEncodingKind.Utf32


def encoding_name(negotiated: object) -> str:
    """`'utf-8'`, `'utf-16'` or `'utf-32'` for the encoding pygls negotiated.

    `workspace.position_encoding` is a `PositionEncodingKind` member (or a plain string, or None
    for LSP's default, UTF-16); `str()` of a member is `'PositionEncodingKind.Utf16'`, which no
    comparison below would match, so always convert through here.
    """
    value = getattr(negotiated, "value", negotiated) or _UTF16.value
    if value not in (_UTF8, _UTF16, _UTF32):
        raise ValueError(f"unknown position encoding: {negotiated!r}")
    return str(value)


def line_start(text: str, line: int) -> int:
    """Offset where `line` starts; `len(text)` when the document has fewer lines."""
    offset = 0
    for _ in range(line):
        newline = _next_break(text, offset)
        if newline < 0:
            return len(text)
        offset = newline + (2 if text.startswith("\r\n", newline) else 1)
    return offset


def line_end(text: str, start: int) -> int:
    """Offset of the line break ending the line that starts at `start` (or `len(text)`)."""
    found = _next_break(text, start)
    return len(text) if found < 0 else found


def _next_break(text: str, start: int) -> int:
    newline = text.find("\n", start)
    carriage = text.find("\r", start, newline if newline >= 0 else len(text))
    return carriage if carriage >= 0 else newline


def unit_length(char: str, encoding: str) -> int:
    if encoding == _UTF8:
        return len(char.encode("utf-8", "surrogatepass"))
    if encoding == _UTF16:
        return 2 if ord(char) > 0xFFFF else 1
    if encoding == _UTF32:
        return 1
    raise ValueError(f"unknown position encoding: {encoding!r}")  # see encoding_name


def offset_at(text: str, position: Position, encoding: str = _UTF16) -> int:
    start = line_start(text, max(position.line, 0))
    end = line_end(text, start)
    units = 0
    for index in range(start, end):
        if units >= position.character:
            return index
        units += unit_length(text[index], encoding)
    return end


def position_at(text: str, offset: int, encoding: str = _UTF16) -> Position:
    offset = min(max(offset, 0), len(text))
    line = 0
    start = 0
    while True:
        found = _next_break(text, start)
        if found < 0 or found >= offset:
            break
        following = found + (2 if text.startswith("\r\n", found) else 1)
        if following > offset:  # inside a CRLF pair: the end of this line
            break
        line += 1
        start = following
    character = sum(unit_length(char, encoding) for char in text[start:offset])
    return Position(line=line, character=character)
