"""Which open documents may be sent to the model, and how each is shown in a prompt.

A document is never sent when `grok.exclude` (or its credential defaults) or an ignore file
(`.gitignore` with `grok.excludeGitignored`, `.aiignore` and the like: `ignorefiles.py`)
excludes it, when it is larger than `policy.MAX_DOCUMENT_CHARS`, or when it is binary.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from pygls.uris import to_fs_path
from pygls.workspace import TextDocument, Workspace

from grok_lsp.documents.ignorefiles import IgnoreFiles
from grok_lsp.documents.workspace import LspTextDocument
from grok_lsp.policy import BINARY_PROBE_CHARS, MAX_DOCUMENT_CHARS
from grok_lsp.privacy import folds_case, is_excluded
from grok_lsp.prompt import FileView

if TYPE_CHECKING:  # pydantic loads after `initialize` is answered (see warmup.py)
    from grok_lsp.settings import Settings

log = logging.getLogger(__name__)

_BY_PATTERNS = "excluded by `grok.exclude` or its credential defaults"


class SendPolicy:
    def __init__(self, settings: Callable[[], Settings], workspace: Callable[[], Workspace]):
        """`settings` and `workspace`: those in force (both change during the server's life)."""
        self._settings = settings
        self._workspace = workspace
        self._told: set[tuple[str, str]] = set()  # (uri, reason) already logged
        self._ignore_files = IgnoreFiles()

    def exclusion(self, uri: str) -> str | None:
        """Why the file at `uri` is never sent (`grok.exclude` and its defaults, an ignore file),
        or None. A buffer that is not a file (`untitled:.env`) is judged by its name."""
        path = to_fs_path(uri) if uri.startswith("file:") else None
        settings, workspace = self._settings(), self._workspace()
        patterns = settings.exclude
        if path is None:
            name = unquote(urlsplit(uri).path).lstrip("/")
            return _BY_PATTERNS if is_excluded(name, patterns, fold_case=True) else None
        roots = [workspace.root_path, *(to_fs_path(f.uri) for f in workspace.folders.values())]
        inside = [root for root in roots if root and _is_under(path, root)]
        root = max(inside, key=len) if inside else None
        fold_case = folds_case(root or os.path.dirname(path))
        relative = Path(path).relative_to(root).as_posix() if root else Path(path).as_posix()
        if is_excluded(relative.lstrip("/"), patterns, fold_case=fold_case):
            return _BY_PATTERNS
        if root is None:
            return None
        found = self._ignore_files.ignored_by(
            root, relative, gitignored=settings.exclude_gitignored, fold_case=fold_case
        )
        return None if found is None else f"ignored by a `{found}` file"

    def unsendable(self, document: TextDocument) -> str | None:
        """Why this document is never sent, or None. Logged once per document and reason."""
        reason = self.exclusion(document.uri)
        if reason is None and len(document.source) > MAX_DOCUMENT_CHARS:
            reason = f"larger than {MAX_DOCUMENT_CHARS // 1_000_000} million characters"
        elif reason is None and "\x00" in document.source[:BINARY_PROBE_CHARS]:
            reason = "binary (it holds NUL bytes)"
        if reason is not None and (document.uri, reason) not in self._told:
            self._told.add((document.uri, reason))
            log.info("not sending %s: %s", document.uri, reason)
        return reason

    def display_path(self, uri: str) -> str:
        """Relative to the workspace root when inside it; the URI itself for non-file schemes."""
        path = to_fs_path(uri)
        if path is None:
            return uri
        root = self._workspace().root_path
        if root:
            try:
                return Path(path).relative_to(root).as_posix()
            except ValueError:
                pass
        return Path(path).as_posix()

    def file_view(self, document: TextDocument) -> FileView:
        return FileView(
            document.uri,
            self.display_path(document.uri),
            document.language_id or "text",
            document.source,
            document.edit_log.mark() if isinstance(document, LspTextDocument) else None,
        )

    def other_views(self, uri: str) -> list[FileView]:
        """The other open, not excluded documents: layer 2 of the prompt."""
        return [
            self.file_view(document)
            for document in self._workspace().text_documents.values()
            if document.uri != uri and self.unsendable(document) is None
        ]


def _is_under(path: str, root: str) -> bool:
    try:
        Path(path).relative_to(root)
    except ValueError:
        return False
    return True
