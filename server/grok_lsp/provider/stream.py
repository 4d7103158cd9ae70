"""Iterating one streamed answer (chat completion or response): bytes -> SSE events -> deltas."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx

from grok_lsp.provider.chunks import EventParser, StreamDelta, parse_chunk
from grok_lsp.provider.errors import (
    MalformedStreamError,
    StreamInterruptedError,
    error_from_transport,
)
from grok_lsp.provider.redact import redact
from grok_lsp.provider.sse import SSEDecoder
from grok_lsp.provider.usage import Usage

# After [DONE], how long to wait for the end of the body: an HTTP/1.1 connection whose body was
# read to the end goes back to the pool, otherwise httpcore closes it.
_DRAIN_SECONDS = 0.25


class ChatStream:
    """Async-iterates the deltas of one response until `[DONE]` (or the body's end after a
    Responses API `response.completed`, which sets finish_reason).

    `usage` is the last usage seen, `model` the last model echoed, `done` becomes True at
    `[DONE]` or at a finish_reason. A body that ends before either raises StreamInterruptedError.
    """

    def __init__(
        self,
        response: httpx.Response,
        secret: str | None,
        parse: EventParser = parse_chunk,
    ) -> None:
        """`parse` reads one event's data: a chat chunk, or a Responses API event."""
        self._response = response
        self._secret = secret
        self._parse = parse
        self._deltas = self._iterate()
        self.usage: Usage | None = None
        self.model: str | None = None
        self.done = False

    def __aiter__(self) -> AsyncIterator[StreamDelta]:
        return self._deltas

    async def _iterate(self) -> AsyncIterator[StreamDelta]:
        decoder = SSEDecoder()
        try:
            body = self._response.aiter_bytes()
            while True:
                chunk = await anext(body, None)
                for event in decoder.feed(chunk) if chunk is not None else decoder.close():
                    if event.data == "[DONE]":
                        self.done = True
                        await _drain(body)
                        return
                    yield self._record(self._parse(event.data, secret=self._secret))
                if chunk is None:
                    break
        except httpx.TransportError as exc:
            raise error_from_transport(exc, self._secret, mid_stream=True) from None
        except httpx.DecodingError as exc:
            raise MalformedStreamError(redact(str(exc), self._secret)) from None
        if not self.done:
            raise StreamInterruptedError("the stream ended before [DONE] or a finish_reason")

    def _record(self, delta: StreamDelta) -> StreamDelta:
        if delta.usage is not None:
            self.usage = delta.usage
        if delta.model is not None:
            self.model = delta.model
        if delta.finish_reason is not None:
            self.done = True
        return delta


async def _drain(body: AsyncIterator[bytes]) -> None:
    with contextlib.suppress(TimeoutError, httpx.HTTPError):
        async with asyncio.timeout(_DRAIN_SECONDS):
            async for _ in body:
                pass
