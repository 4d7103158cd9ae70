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


_COUNT_BLOCK = 1 << 15  # line breaks are counted in blocks of this many characters...
_FIND_BLOCK = 1 << 10  # ...then of this many, then found one by one


def line_start(text: str, line: int) -> int:
    """Offset where `line` starts; `len(text)` when the document has fewer lines."""
    return find_line(text, line)[0]


def find_line(text: str, line: int, from_line: int = 0, from_offset: int = 0) -> tuple[int, bool]:
    r"""(where `line` starts, whether no lone `
    ` comes before it), without a Python step per
        line: `
    ` are counted in large blocks (C speed) up to the block holding the line's break,
        and the few left found one by one; unless every `
    ` before is part of a `
    ` (always so
        in LF and CRLF files), the exact walk decides.

        `from_offset` must start line `from_line` (<= `line`) with no lone `
    ` before it.
    """
    if line <= from_line:
        return from_offset, True
    size = len(text)
    offset, left = from_offset, line - from_line
    for block in (_COUNT_BLOCK, _FIND_BLOCK):
        while offset < size:
            count = text.count("\n", offset, offset + block)
            if count >= left:
                break
            left -= count
            offset += block
    if offset < size:
        for _ in range(left):
            offset = text.find("\n", offset) + 1
        lone_cr = text.count("\r", from_offset, offset) != text.count("\r\n", from_offset, offset)
        if not lone_cr:
            return offset, True
    # Fewer `\n` than lines asked for, or a lone `\r` (a break of its own in LSP) before.
    return _walk_to_line(text, line), False


def _walk_to_line(text: str, line: int) -> int:
    offset = 0
    for _ in range(line):
        newline = _next_break(text, offset)
        if newline < 0:
            return len(text)
        offset = newline + (2 if text.startswith("\r\n", newline) else 1)
    return offset


def last_line(text: str) -> int:
    """The index of the document's last line: its number of LSP line breaks."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def line_text(text: str, line: int) -> str | None:
    """Line `line` without its line break; None past the document's last line."""
    start = line_start(text, line)
    if start == len(text) and line > 0:  # an empty last line, or no such line
        ends_with_break = text.endswith(("\n", "\r"))
        if not ends_with_break or line_start(text, line - 1) == len(text):
            return None
    return text[start : line_end(text, start)]


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
    return offset_in_line(text, start, position.character, encoding)


def offset_in_line(text: str, start: int, character: int, encoding: str) -> int:
    """The offset `character` units into the line starting at `start`, clamped to its end."""
    end = line_end(text, start)
    units = 0
    for index in range(start, end):
        if units >= character:
            return index
        units += unit_length(text[index], encoding)
    return end


def position_at(text: str, offset: int, encoding: str = _UTF16) -> Position:
    offset = min(max(offset, 0), len(text))
    if text.find("\r", 0, offset + 1) < 0:  # LF only so far: C-speed counting
        start = text.rfind("\n", 0, offset) + 1
        character = sum(unit_length(char, encoding) for char in text[start:offset])
        return Position(line=text.count("\n", 0, offset), character=character)
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
