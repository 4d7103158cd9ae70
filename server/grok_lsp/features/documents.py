"""Open documents: kept with LSP's line breaks, and what of them may be sent.

pygls splits lines with `str.splitlines` (form feeds, U+2028 and others count as breaks), so an
incremental edit after such a character lands in the wrong place; and it rebuilds the whole
text line by line on every keystroke. `LspTextDocument` applies an edit as one splice at
offsets computed with LSP's own line breaks.
"""

from __future__ import annotations

import logging
import re
import subprocess
from pathlib import Path
from typing import Any

from lsprotocol import types as t
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument, Workspace

from grok_lsp import textpos
from grok_lsp.privacy import is_excluded
from grok_lsp.prompt import FileView
from grok_lsp.server import GrokServer

log = logging.getLogger(__name__)

MAX_DOCUMENT_CHARS = 4_000_000  # larger files are not sent at all
_BINARY_PROBE = 8192  # a NUL byte in the first this-many characters marks a binary file
_LSP_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


class LspTextDocument(TextDocument):
    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(_LSP_LINE.findall(self.source))

    def _apply_incremental_change(self, change: t.TextDocumentContentChangePartial) -> None:
        encoding = textpos.encoding_name(self.position_codec.encoding)
        source = self.source
        start = textpos.offset_at(source, change.range.start, encoding)
        end = max(textpos.offset_at(source, change.range.end, encoding), start)
        self._source = source[:start] + change.text + source[end:]


class LspWorkspace(Workspace):
    def _create_text_document(self, *args: Any, **kwargs: Any) -> TextDocument:
        created = super()._create_text_document(*args, **kwargs)
        created.__class__ = LspTextDocument  # same state, LSP-correct edits
        return created


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
    )


def other_views(ls: GrokServer, uri: str) -> list[FileView]:
    """The other open, not excluded documents: layer 2 of the prompt."""
    return [
        file_view(ls, document)
        for document in ls.workspace.text_documents.values()
        if document.uri != uri and unsendable(ls, document) is None
    ]
