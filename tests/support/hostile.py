"""A fake API on loopback that controls every byte it sends: slow, endless, huge or absurd.

Each chat request is answered by the test's `chat` reply, which writes whatever it likes to
the socket (a status line and headers, then a body, for as long as it likes); `GET /models` by
`models`. Every response closes its connection, so every request is seen here. A reply that
never ends is cut when the client goes away, or when the upstream stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

MODEL = "grok-code-fast-1"


@dataclass(frozen=True, slots=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Reply = Callable[[Seen, asyncio.StreamWriter], Awaitable[None]]


def head(status: int = 200, **headers: str) -> bytes:
    """A status line and headers; `content_type="…"` becomes `content-type: …`."""
    lines = [f"HTTP/1.1 {status} X", "connection: close"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunk(content: str = "", *, finish: str | None = None, usage: Any = None) -> bytes:
    """One `data:` event of a chat.completion.chunk."""
    choice: dict[str, Any] = {"index": 0, "delta": {"content": content} if content else {}}
    if finish is not None:
        choice["finish_reason"] = finish
    payload: dict[str, Any] = {"object": "chat.completion.chunk", "model": MODEL}
    payload["choices"] = [choice] if usage is None else []
    if usage is not None:
        payload["usage"] = usage
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


SSE_HEAD = head(content_type="text/event-stream")
DONE = b"data: [DONE]\n\n"


def answer(*contents: str, usage: Any = None) -> Reply:
    """A whole, well-formed stream of `contents`, then a stop, `usage` (if any) and [DONE]."""

    async def reply(seen: Seen, writer: asyncio.StreamWriter) -> None:
        writer.write(SSE_HEAD + b"".join(chunk(content) for content in contents))
        writer.write(chunk(finish="stop") + (chunk(usage=usage) if usage else b"") + DONE)

    return reply


def json_reply(status: int, payload: Any, **headers: str) -> Reply:
    body = json.dumps(payload).encode()

    async def reply(seen: Seen, writer: asyncio.StreamWriter) -> None:
        writer.write(head(status, content_type="application/json", **headers) + body)

    return reply


def raw_reply(status: int, body: bytes, **headers: str) -> Reply:
    """`body` as it is (a gzip body stays compressed), with its content-length."""

    async def reply(seen: Seen, writer: asyncio.StreamWriter) -> None:
        writer.write(head(status, content_length=str(len(body)), **headers) + body)

    return reply


def gzip_bomb(inflated_mb: int) -> bytes:
    """`inflated_mb` MB of spaces as gzip: about 1/1000 of that on the wire."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b" " * 1_000_000
    return b"".join(compressor.compress(block) for _ in range(inflated_mb)) + compressor.flush()


def endless(first: bytes, each: bytes, every_s: float) -> Reply:
    """`first`, then `each` every `every_s` seconds, for ever (until the client goes)."""

    async def reply(seen: Seen, writer: asyncio.StreamWriter) -> None:
        writer.write(first)
        while True:
            await writer.drain()
            await asyncio.sleep(every_s)
            writer.write(each)

    return reply


MODELS = json_reply(200, {"object": "list", "data": [{"id": MODEL, "object": "model"}]})


class HostileUpstream:
    def __init__(self, chat: Reply | None = None, models: Reply = MODELS) -> None:
        self.chat = chat or answer("hello")
        self.models = models
        self.seen: list[Seen] = []
        self._server: asyncio.Server | None = None
        self._replies: set[asyncio.Task[None]] = set()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/v1"

    def chats(self) -> list[Seen]:
        return [seen for seen in self.seen if seen.path.endswith("/chat/completions")]

    async def __aenter__(self) -> HostileUpstream:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._replies):
            task.cancel()
        await asyncio.gather(*self._replies, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._replies.add(task)
        try:
            request_head = await reader.readuntil(b"\r\n\r\n")
            request_line, *lines = request_head.decode("latin-1").split("\r\n")[:-2]
            method, path, _ = request_line.split(" ", 2)
            headers = {}
            for line in lines:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            seen = Seen(method, path, headers, body)
            self.seen.append(seen)
            await (self.models if path.endswith("/models") else self.chat)(seen, writer)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            self._replies.discard(task)
            with contextlib.suppress(Exception):
                writer.close()
