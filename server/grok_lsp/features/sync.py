"""The editor's documents opening and closing, and `grok/document`: the server's copy of one.

pygls keeps the text itself (`documents/workspace.py`); what the server keeps beside it is made
and dropped here.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types as t

from grok_lsp.host import Host

DOCUMENT_REQUEST = "grok/document"


def register(server: Host) -> None:
    @server.feature(t.TEXT_DOCUMENT_DID_OPEN)
    def opened(ls: Host, params: t.DidOpenTextDocumentParams) -> None:
        ls.governor.opened(params.text_document.uri, params.text_document.version)

    @server.feature(t.TEXT_DOCUMENT_DID_CLOSE)
    def closed(ls: Host, params: t.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(DOCUMENT_REQUEST)
    def document(ls: Host, params: Any) -> dict[str, Any] | None:
        """The server's copy of a document, to check that it is in sync with the editor."""
        uri = str(getattr(params, "uri", ""))
        if uri not in ls.workspace.text_documents:
            return None
        text = ls.workspace.get_text_document(uri)
        return {"uri": uri, "version": text.version, "text": text.source}
