"""Open documents, kept with LSP's line breaks and looked up by the URI as the client sent it.

pygls splits lines with `str.splitlines` (form feeds, U+2028 and others count as breaks), so an
incremental edit after such a character lands in the wrong place; and it rebuilds the whole
text line by line on every keystroke. `LspTextDocument` applies an edit as one splice at
offsets computed with LSP's own line breaks, finding the edited line at C speed (`offset_at`),
so a keystroke costs microseconds even in a file of 50,000 lines. It also logs each splice
(`edit_log`), from which the prompt learns what changed without comparing whole texts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote

from lsprotocol import types as t
from pygls.workspace import PositionCodec, TextDocument, Workspace

from grok_lsp import textpos
from grok_lsp.drift import EditLog
from grok_lsp.edithistory import EditHistory

_LSP_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


class LspTextDocument(TextDocument):
    # The start of the line last edited, while the text is the one it was found in: the next
    # keystroke is on that line or a few below, and is found from there, not from the top.
    # (text, line, offset); no lone `\r` before offset.
    _anchor: tuple[str, int, int] | None = None
    _edit_log: EditLog | None = None
    _history: EditHistory | None = None

    @property
    def edit_log(self) -> EditLog:
        if self._edit_log is None:
            self._edit_log = EditLog()
        return self._edit_log

    @property
    def history(self) -> EditHistory:
        """The latest edits with their text, for next-edit suggestions."""
        if self._history is None:
            self._history = EditHistory()
        return self._history

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(_LSP_LINE.findall(self.source))

    def offset_at(self, position: t.Position) -> int:
        """`textpos.offset_at` in this document's encoding, from the last edit's line when the
        position is at or below it: microseconds on the keystroke path, whatever the size."""
        source = self.source
        begin, _ = self._line_start(source, max(position.line, 0))
        return textpos.offset_in_line(source, begin, position.character, self._encoding())

    def _encoding(self) -> str:
        return textpos.encoding_name(self.position_codec.encoding)

    def _line_start(self, source: str, line: int) -> tuple[int, bool]:
        anchor = self._anchor
        if anchor is not None and anchor[0] is source and anchor[1] <= line:
            return textpos.find_line(source, line, anchor[1], anchor[2])
        return textpos.find_line(source, line)

    def _apply_full_change(self, change: t.TextDocumentContentChangeEvent) -> None:
        self._anchor = None  # (it would hold on to the old text)
        self.edit_log.replace_all()
        self.history.clear()
        super()._apply_full_change(change)

    def _apply_none_change(self, change: t.TextDocumentContentChangeEvent) -> None:
        self._anchor = None
        self.edit_log.replace_all()
        self.history.clear()
        super()._apply_none_change(change)

    def _apply_incremental_change(self, change: t.TextDocumentContentChangePartial) -> None:
        encoding = self._encoding()
        source = self.source
        start_at, end_at = change.range.start, change.range.end
        line = max(start_at.line, 0)
        begin, clean = self._line_start(source, line)
        start = textpos.offset_in_line(source, begin, start_at.character, encoding)
        if end_at.line == start_at.line:  # the usual keystroke: its line is found once
            end = textpos.offset_in_line(source, begin, end_at.character, encoding)
        elif clean and end_at.line > line:  # counted on from the start's line
            end_begin, _ = textpos.find_line(source, end_at.line, line, begin)
            end = textpos.offset_in_line(source, end_begin, end_at.character, encoding)
        else:
            end = textpos.offset_at(source, end_at, encoding)
        end = max(end, start)
        self._source = source[:start] + change.text + source[end:]
        self.edit_log.add((start, end, start + len(change.text)))
        self.history.record(start, source[start:end], change.text)
        # The text before `begin` is unchanged; a break ending in `\n` ends there whatever follows.
        keep = clean and (begin == 0 or source[begin - 1] == "\n")
        self._anchor = (self._source, line, begin) if keep else None


class OpenDocuments(Mapping[str, TextDocument]):
    """The open documents, looked up by the URI exactly as the client sent it.

    pygls keys them by the unquoted URI but hands handlers the URI as sent, and VS Code escapes
    spaces, the `:` after a drive letter and non-ASCII (`file:///c%3A/my%20project/a.py`): a
    plain `uri in workspace.text_documents` missed every such file.
    """

    def __init__(self, documents: dict[str, TextDocument]) -> None:
        self._documents = documents

    def __getitem__(self, uri: str) -> TextDocument:
        return self._documents[unquote(uri)]

    def __iter__(self) -> Iterator[str]:
        return iter(self._documents)

    def __len__(self) -> int:
        return len(self._documents)


class LspWorkspace(Workspace):
    def _create_text_document(self, *args: Any, **kwargs: Any) -> TextDocument:
        created = super()._create_text_document(*args, **kwargs)
        created.__class__ = LspTextDocument  # same state, LSP-correct edits
        return created

    @property
    def text_documents(self) -> OpenDocuments:
        return OpenDocuments(self._text_documents)

    def count_positions_in(self, encoding: t.PositionEncodingKind) -> None:
        """Read and write positions in `encoding` whatever was negotiated, for a client that
        counts otherwise than it agreed to (`clients.py`). Before any document opens."""
        self._position_encoding = encoding
        self._position_codec = PositionCodec(encoding=encoding)


def use_lsp_line_breaks(workspace: Workspace) -> None:
    """pygls builds its `Workspace` itself; give it LSP-correct documents before any opens."""
    workspace.__class__ = LspWorkspace
