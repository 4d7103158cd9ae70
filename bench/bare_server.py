"""The floor for `bench/startup.py`: a pygls language server with one feature and nothing else.

What any pygls server pays before its first answer (Python, pygls, lsprotocol) and holds in
memory; `python bench/bare_server.py` serves on stdio, as `grok-lsp` does.
"""

from __future__ import annotations

from lsprotocol import types as t
from pygls.lsp.server import LanguageServer

server = LanguageServer("bare-pygls", "1")


@server.feature(t.TEXT_DOCUMENT_INLINE_COMPLETION, t.InlineCompletionOptions())
def inline_completion(params: t.InlineCompletionParams) -> t.InlineCompletionList:
    return t.InlineCompletionList(items=[])


if __name__ == "__main__":
    server.start_io()
