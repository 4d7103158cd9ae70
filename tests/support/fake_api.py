"""A fake xAI API for the provider's unit tests: httpx's MockTransport answering with prepared
streamed bodies that record how far they were read, and the request and chunks they carry."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Coroutine, Sequence
from typing import Any

import httpx

from grok_lsp.provider.client import ProviderClient
from grok_lsp.provider.request import ChatRequest

KEY = "xai-Sup3rSecretKey0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH"
BASE = "https://api.test/v1"
TIMEOUT = httpx.Timeout(5.0)
MESSAGES = [{"role": "system", "content": "Complete code."}, {"role": "user", "content": "def f("}]

Handler = Callable[[httpx.Request], Coroutine[None, None, httpx.Response]]


class Body(httpx.AsyncByteStream):
    """A response body that records how far it was read and whether it was closed.

    After its parts it ends, hangs like a server still generating (`then="hang"`), or raises.
    """

    def __init__(self, parts: Sequence[bytes], *, then: str | Exception = "end") -> None:
        self.parts = parts
        self.then = then
        self.sent = 0
        self.closed = False
        self.finalized = False
        self._gen = self._generate()

    async def _generate(self) -> AsyncGenerator[bytes, None]:
        try:
            for part in self.parts:
                self.sent += 1
                yield part
            if isinstance(self.then, Exception):
                raise self.then
            if self.then == "hang":
                await asyncio.Event().wait()
        finally:
            self.finalized = True

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._gen

    async def aclose(self) -> None:
        self.closed = True
        await self._gen.aclose()


def event(payload: dict[str, Any] | str) -> bytes:
    data = payload if isinstance(payload, str) else json.dumps(payload)
    return f"data: {data}\n\n".encode()


def chunk(
    content: str = "",
    *,
    reasoning: str = "",
    finish: str | None = None,
    usage: dict[str, Any] | None = None,
    model: str = "grok-code-fast-1",
) -> dict[str, Any]:
    delta = {k: v for k, v in (("content", content), ("reasoning_content", reasoning)) if v}
    out: dict[str, Any] = {
        "object": "chat.completion.chunk",
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    if usage is not None:
        out["usage"] = usage
    return out


DONE = event("[DONE]")


class FakeAPI:
    """A MockTransport handler: records requests, answers each with the next prepared reply."""

    def __init__(self, *replies: httpx.Response | Exception) -> None:
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply


def sse_response(body: Body, status: int = 200) -> httpx.Response:
    return httpx.Response(status, headers={"content-type": "text/event-stream"}, stream=body)


def answered(text: str = "x") -> httpx.Response:
    """A whole streamed answer: `text` in one chunk that finishes, then `[DONE]`."""
    return sse_response(Body([event(chunk(text, finish="stop")), DONE]))


def fake_client(
    handler: Handler, api_key: str | None = KEY, base: str = BASE, **options: Any
) -> ProviderClient:
    """A ProviderClient whose requests `handler` answers (a `FakeAPI`, say); `options` are
    ProviderClient's own (`api`, `refused`, ...)."""
    return ProviderClient(
        base, api_key, timeout=TIMEOUT, transport=httpx.MockTransport(handler), **options
    )


def request(model: str = "grok-code-fast-1", **kwargs: Any) -> ChatRequest:
    return ChatRequest(model=model, messages=MESSAGES, max_tokens=64, **kwargs)


async def collect(client: ProviderClient, req: ChatRequest) -> tuple[str, str, Any]:
    async with client.stream_chat(req) as stream:
        deltas = [delta async for delta in stream]
    content = "".join(d.content for d in deltas)
    return content, "".join(d.reasoning for d in deltas), stream
