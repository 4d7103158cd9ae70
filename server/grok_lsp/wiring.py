"""`create_server`: the server, with each feature module's handlers registered on it."""

from __future__ import annotations

from grok_lsp.codeactions import explain, lightbulb
from grok_lsp.features import acceptance, inline, lifecycle, nextedits, stats, sync
from grok_lsp.server import GrokServer


def create_server(environ: dict[str, str] | None = None) -> GrokServer:
    server = GrokServer(environ)
    lifecycle.register(server)
    sync.register(server)
    inline.register(server)
    acceptance.register(server)
    nextedits.register(server)
    lightbulb.register(server)
    explain.register(server)
    stats.register(server)
    return server
