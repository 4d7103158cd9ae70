"""The emulator app in-process, for the tests that speak HTTP to it without a socket."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from grok_lsp.emulator import EmulatorConfig, create_app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """Instant answers (no time to first token, no pacing); a fresh emulator per test."""
    app = create_app(EmulatorConfig(ttft_ms=0, tokens_per_second=0))
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as c:
        yield c
