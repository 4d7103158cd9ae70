"""Open documents: kept with LSP's line breaks, and what of them may be sent.

pygls splits lines with `str.splitlines` (form feeds, U+2028 and others count as breaks), so an
incremental edit after such a character lands in the wrong place; and it rebuilds the whole
text line by line on every keystroke. `LspTextDocument` applies an edit as one splice at
offsets computed with LSP's own line breaks, finding the edited line at C speed (`offset_at`),
so a keystroke costs microseconds even in a file of 50,000 lines. It also logs each splice
(`edit_log`), from which the prompt learns what changed without comparing whole texts.
"""

from __future__ import annotations

import logging
import re
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lsprotocol import types as t
from pygls.uris import to_fs_path
from pygls.workspace import PositionCodec, TextDocument, Workspace

from grok_lsp import textpos
from grok_lsp.drift import EditLog
from grok_lsp.privacy import is_excluded
from grok_lsp.prompt import FileView
from grok_lsp.server import GrokServer

log = logging.getLogger(__name__)

MAX_DOCUMENT_CHARS = 4_000_000  # larger files are not sent at all
_BINARY_PROBE = 8192  # a NUL byte in the first this-many characters marks a binary file
_LSP_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


class LspTextDocument(TextDocument):
    # The start of the line last edited, while the text is the one it was found in: the next
    # keystroke is on that line or a few below, and is found from there, not from the top.
    # (text, line, offset); no lone `\r` before offset.
    _anchor: tuple[str, int, int] | None = None
    _edit_log: EditLog | None = None

    @property
    def edit_log(self) -> EditLog:
        if self._edit_log is None:
            self._edit_log = EditLog()
        return self._edit_log

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
        super()._apply_full_change(change)

    def _apply_none_change(self, change: t.TextDocumentContentChangeEvent) -> None:
        self._anchor = None
        self.edit_log.replace_all()
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


def display_path(ls: GrokServer, uri: str) -> str:
    """Relative to the workspace root when inside it; the URI itself for non-file schemes."""
    path = to_fs_path(uri)
    if path is None:
        return uri
    root = ls.workspace.root_path
    if root:
        try:
            return Path(path).relative_to(root).as_posix()
        except ValueError:
            pass
    return Path(path).as_posix()


def excluded(ls: GrokServer, uri: str) -> bool:
    """Files the user excluded (globs, optionally git-ignored files) are never sent."""
    path = display_path(ls, uri)
    if is_excluded(path, ls.settings.exclude):
        return True
    return ls.settings.exclude_gitignored and _git_ignored(to_fs_path(uri))


def unsendable(ls: GrokServer, document: TextDocument) -> str | None:
    """Why this document is never sent, or None. Logged once per document and reason."""
    reason: str | None = None
    if excluded(ls, document.uri):
        reason = "excluded by `grok.exclude`"
    elif len(document.source) > MAX_DOCUMENT_CHARS:
        reason = f"larger than {MAX_DOCUMENT_CHARS // 1_000_000} million characters"
    elif "\x00" in document.source[:_BINARY_PROBE]:
        reason = "binary (it holds NUL bytes)"
    if reason is not None and (document.uri, reason) not in _told:
        _told.add((document.uri, reason))
        log.info("not sending %s: %s", document.uri, reason)
    return reason


_told: set[tuple[str, str]] = set()
_ignored_cache: dict[str, bool] = {}


def _git_ignored(path: str | None) -> bool:
    if path is None:
        return False
    if path not in _ignored_cache:
        try:
            done = subprocess.run(
                ["git", "check-ignore", "-q", path],
                cwd=Path(path).parent,
                capture_output=True,
                timeout=2,
                check=False,
            )
            _ignored_cache[path] = done.returncode == 0
        except (OSError, subprocess.SubprocessError):
            _ignored_cache[path] = False
    return _ignored_cache[path]


def file_view(ls: GrokServer, document: TextDocument) -> FileView:
    return FileView(
        document.uri,
        display_path(ls, document.uri),
        document.language_id or "text",
        document.source,
        document.edit_log.mark() if isinstance(document, LspTextDocument) else None,
    )


def other_views(ls: GrokServer, uri: str) -> list[FileView]:
    """The other open, not excluded documents: layer 2 of the prompt."""
    return [
        file_view(ls, document)
        for document in ls.workspace.text_documents.values()
        if document.uri != uri and unsendable(ls, document) is None
    ]
