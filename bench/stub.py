"""An instrumented upstream that answers at once, for measuring the server's own overhead.

A bare asyncio HTTP/1.1 server (no framework, nothing between the socket and the clock) that
speaks just enough of xAI's API for grok-lsp: `GET /v1/models` and a streamed
`POST /v1/chat/completions` whose answer is a fixed single-line completion followed by more
lines (as a model that writes past the line does), all sent at once (time to first token 0,
tokens per second unlimited). For each chat request it records, with `time.monotonic_ns()`
(CLOCK_MONOTONIC, shared by every process on Linux):

- `arrival_ns`: its request line was read, i.e. the first bytes grok-lsp sent upstream;
- `body_ns`: its whole body was read;
- `needed_ns`: the chunk that completes the suggested line was written to the socket, i.e.
  the last token grok-lsp needed.

`GET /bench/timings` returns and clears them. Run: `python bench/stub.py` (prints its port).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from typing import Any

# The suggestion for a cursor at the end of "    result = compute_", token by token; the line
# ends with the token "\n", the last one grok-lsp needs. Then the model goes on writing.
LINE_TOKENS = ["value", "(items", ",", " limit", ")", "\n"]
OVERSHOOT_TOKENS = ["    return", " result", "\n", "\n", "\n", "def", " helper", "():", "\n"] * 4
MODEL = "grok-code-fast-1"

_timings: list[dict[str, Any]] = []


def _sse(payload: dict[str, Any]) -> bytes:
    event = b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"
    return b"%x\r\n%s\r\n" % (len(event), event)  # one HTTP chunk per event


def _delta(content: str, role: bool = False) -> bytes:
    delta: dict[str, Any] = {"content": content}
    if role:
        delta["role"] = "assistant"
    return _sse(
        {
            "id": "bench",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": MODEL,
            "choices": [{"index": 0, "delta": delta}],
        }
    )


_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
    b"transfer-encoding: chunked\r\n\r\n"
)
_NEEDED = b"".join(_delta(token, role=i == 0) for i, token in enumerate(LINE_TOKENS))
_USAGE = {
    "prompt_tokens": 1000,
    "completion_tokens": len(LINE_TOKENS) + len(OVERSHOOT_TOKENS),
    "total_tokens": 1000 + len(LINE_TOKENS) + len(OVERSHOOT_TOKENS),
    "prompt_tokens_details": {"cached_tokens": 900},
    "completion_tokens_details": {"reasoning_tokens": 0},
}
_REST = (
    b"".join(_delta(token) for token in OVERSHOOT_TOKENS)
    + _sse(
        {
            "id": "bench",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": MODEL,
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        }
    )
    + _sse({"id": "bench", "object": "chat.completion.chunk", "choices": [], "usage": _USAGE})
    + b"%x\r\n%s\r\n" % (len(b"data: [DONE]\n\n"), b"data: [DONE]\n\n")
    + b"0\r\n\r\n"
)


def _json(writer: asyncio.StreamWriter, payload: Any) -> None:
    body = json.dumps(payload).encode()
    writer.write(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
        % (len(body), body)
    )


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while request_line := await reader.readline():
            arrival = time.monotonic_ns()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = await reader.readexactly(length) if length else b""
            body_done = time.monotonic_ns()
            method, path, _ = request_line.decode().split(" ", 2)
            if method == "POST" and path.endswith("/chat/completions"):
                writer.write(_HEAD + _NEEDED)
                needed = time.monotonic_ns()
                writer.write(_REST)
                _timings.append(
                    {
                        "arrival_ns": arrival,
                        "body_ns": body_done,
                        "needed_ns": needed,
                        "body_bytes": len(body),
                    }
                )
            elif path.endswith("/models"):
                _json(writer, {"object": "list", "data": [{"id": MODEL, "object": "model"}]})
            elif path.startswith("/bench/timings"):
                _json(writer, list(_timings))
                _timings.clear()
            else:
                writer.write(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def main() -> None:
    server = await asyncio.start_server(_serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
    sys.exit(0)
