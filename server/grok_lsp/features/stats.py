"""`grok/stats`: the session's counters, for the status bar and the benchmarks."""

from __future__ import annotations

import asyncio
from typing import Any

from grok_lsp.host import Host
from grok_lsp.masking import mask

STATS_REQUEST = "grok/stats"


def register(server: Host) -> None:
    @server.feature(STATS_REQUEST)
    def stats(ls: Host, params: Any) -> dict[str, Any]:
        served = ls.metrics.snapshot(
            mask(ls.settings.completion_model),
            ls.status.state,
            ls.status.last_error and mask(ls.status.last_error),
        )
        served["rateLimitedForS"] = round(ls.governor.paused_for(), 1)
        served["runtime"] = {
            "tasks": len(asyncio.all_tasks()),
            "streamsInFlight": ls.pipeline.in_flight(),
            "openDocuments": len(ls.workspace.text_documents),
            # Requests (and notifications) pygls still holds a future for: 0 at rest.
            "pendingFutures": len(ls.protocol._request_futures),
        }
        return served
