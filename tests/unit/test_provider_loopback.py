"""ProviderClient over a real HTTP/1.1 connection on loopback: closing, reuse, a cut stream."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from grok_lsp.provider.client import ProviderClient
from grok_lsp.provider.errors import (
    StreamInterruptedError,
)
from tests.support.fake_api import (
    DONE,
    KEY,
    TIMEOUT,
    chunk,
    collect,
    event,
    request,
)

# --- a real HTTP/1.1 connection on loopback ----------------------------------------------------


class LoopbackSSE:
    """A minimal HTTP/1.1 server that streams chunked SSE events, for connection-level checks."""

    def __init__(self, events: list[bytes], *, delay: float = 0.0, cut_after: int | None = None):
        self.events = events
        self.delay = delay
        self.cut_after = cut_after
        self.connections = 0
        self.requests: list[bytes] = []
        self.sent = 0
        self.disconnected = asyncio.Event()
        self.handlers: set[asyncio.Task[Any]] = set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                match = re.search(rb"content-length: *(\d+)", head, re.I)
                await reader.readexactly(int(match.group(1)) if match else 0)
                self.requests.append(head)
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                    b"transfer-encoding: chunked\r\n\r\n"
                )
                for i, data in enumerate(self.events):
                    if i == self.cut_after:
                        return
                    writer.write(b"%x\r\n%s\r\n" % (len(data), data))
                    await writer.drain()
                    self.sent += 1
                    await asyncio.sleep(self.delay)
                writer.write(b"0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.disconnected.set()
            writer.close()


@asynccontextmanager
async def loopback(server: LoopbackSSE) -> AsyncIterator[ProviderClient]:
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    client = ProviderClient(f"http://127.0.0.1:{port}/v1", KEY, timeout=TIMEOUT)
    try:
        yield client
    finally:
        await client.aclose()
        listener.close()
        await listener.wait_closed()
        if server.handlers:
            await asyncio.wait(server.handlers, timeout=2.0)


def many_events(n: int) -> list[bytes]:
    return [event(chunk(f"t{i} ")) for i in range(n)] + [event(chunk(finish="stop")), DONE]


async def test_loopback_break_closes_the_connection(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server = LoopbackSSE(many_events(2000), delay=0.005)
    async with loopback(server) as client:
        async with client.stream_chat(request()) as stream:
            async for _ in stream:
                break
        await asyncio.wait_for(server.disconnected.wait(), 2.0)
    assert server.sent < 100  # the download stopped, the server saw the connection go
    assert KEY not in caplog.text  # httpx and httpcore debug logs included


async def test_loopback_connection_is_reused_after_done() -> None:
    server = LoopbackSSE(many_events(20))
    async with loopback(server) as client:
        for _ in range(3):
            content, _, stream = await collect(client, request())
            assert content == "".join(f"t{i} " for i in range(20)) and stream.done
    assert len(server.requests) == 3
    assert server.connections == 1


async def test_loopback_cut_mid_stream() -> None:
    server = LoopbackSSE(many_events(20), cut_after=5)
    async with loopback(server) as client:
        with pytest.raises(StreamInterruptedError, match="RemoteProtocolError"):
            await collect(client, request())
