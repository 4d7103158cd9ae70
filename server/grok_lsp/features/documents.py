"""Open documents as the prompt sees them: display paths, excluded files, other open files."""

from __future__ import annotations

from pathlib import Path

from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from grok_lsp.privacy import is_excluded
from grok_lsp.prompt import FileView
from grok_lsp.server import GrokServer


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
    return is_excluded(display_path(ls, uri), ls.settings.exclude)


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
        if document.uri != uri and not excluded(ls, document.uri)
    ]
