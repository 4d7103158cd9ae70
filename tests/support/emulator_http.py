"""Requests to the in-process emulator app (the `client` fixture of `tests/emulator/`): a chat
request, a fault queued, the data lines of a stream."""

from __future__ import annotations

from typing import Any

import httpx

REQUEST = {
    "model": "grok-code-fast-1",
    "messages": [{"role": "user", "content": "hello"}],
    "stream": True,
    "stream_options": {"include_usage": True},
}
HEADERS = {"authorization": "Bearer xai-abcdef123456yz"}


async def inject(client: httpx.AsyncClient, **fault: Any) -> None:
    response = await client.post("/emulator/faults", json=fault)
    assert response.status_code == 200, response.text


async def chat(client: httpx.AsyncClient, **changes: Any) -> httpx.Response:
    return await client.post("/v1/chat/completions", json={**REQUEST, **changes}, headers=HEADERS)


def data_lines(text: str) -> list[str]:
    return [b.removeprefix("data: ") for b in text.split("\n\n") if b.startswith("data: ")]
