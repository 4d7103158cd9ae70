"""Fixtures the unit tests share."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from grok_lsp.provider.client import ProviderClient
from tests.support.fake_api import BASE, KEY, Handler, fake_client


@pytest.fixture
async def make_client() -> AsyncIterator[Callable[..., ProviderClient]]:
    clients: list[ProviderClient] = []

    def make(handler: Handler, api_key: str | None = KEY, base: str = BASE) -> ProviderClient:
        client = fake_client(handler, api_key, base)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()
