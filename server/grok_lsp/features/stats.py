"""`grok/stats`: the session's counters, for the status bar and the benchmarks."""

from __future__ import annotations

from typing import Any

from grok_lsp.server import GrokServer

STATS_REQUEST = "grok/stats"


def register(server: GrokServer) -> None:
    @server.feature(STATS_REQUEST)
    def stats(ls: GrokServer, params: Any) -> dict[str, Any]:
        return ls.metrics.snapshot(ls.settings.completion_model, ls.state, ls.last_error)
