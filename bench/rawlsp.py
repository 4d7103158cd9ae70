"""A raw LSP client with timestamps, for the benchmarks that time the server itself.

`LspProcess` speaks JSON-RPC over a server's stdio itself (no pygls on this side), so that a
request's timestamp is taken right before its bytes go into the pipe and a reply's right after
its last byte is read, and the client's own parsing is never part of a figure. Timestamps are
`time.monotonic_ns()`: CLOCK_MONOTONIC, one clock for every process on a Linux machine, so
they can be subtracted from those of other processes (the instrumented upstream in `stub.py`).
The benchmarks that drive the server as an editor does, without timing it this finely, use
the tests' client (`tests/support/lsp.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.support.profiles import on_the_wire, vscode_capabilities

# A request that does no work (no document asked for, none returned): a round trip through the
# server's message loop. An unknown method would do as well, but pygls logs each one.
PING = "grok/document"
VSCODE = on_the_wire(vscode_capabilities())  # what `initialize` says the client can do
SERVER_COMMAND = [sys.executable, "-m", "grok_lsp", "--log-level", "WARNING"]


def ms(ns: float) -> float:
    return ns / 1e6


@dataclass
class Reply:
    result: Any
    error: Any
    sent_ns: int
    received_ns: int

    @property
    def round_trip_ms(self) -> float:
        return ms(self.received_ns - self.sent_ns)


@dataclass
class LspProcess:
    """A language server on stdio, driven with timestamped JSON-RPC."""

    process: asyncio.subprocess.Process
    configuration: dict[str, Any] = field(default_factory=dict)
    notifications: dict[str, int] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    _next_id: int = 0
    _pending: dict[int, asyncio.Future[tuple[dict[str, Any], int]]] = field(default_factory=dict)
    _reader: asyncio.Task[None] | None = None
    _stderr: asyncio.Task[None] | None = None

    @classmethod
    async def start(
        cls,
        argv: Sequence[str],
        env: dict[str, str] | None = None,
        configuration: dict[str, Any] | None = None,
        cwd: str | None = None,
    ) -> LspProcess:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            cwd=cwd,
            limit=1 << 26,
        )
        server = cls(process, configuration or {})
        server._reader = asyncio.create_task(server._read_loop())
        server._stderr = asyncio.create_task(server._drain_stderr())
        return server

    @property
    def pid(self) -> int:
        return self.process.pid

    def _write(self, message: dict[str, Any]) -> int:
        body = json.dumps(message, separators=(",", ":")).encode()
        data = b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        assert self.process.stdin is not None
        sent = time.monotonic_ns()
        self.process.stdin.write(data)
        return sent

    def notify(self, method: str, params: Any) -> int:
        """Send a notification; returns when its bytes went out (monotonic ns)."""
        return self._write({"jsonrpc": "2.0", "method": method, "params": params})

    def send(
        self, method: str, params: Any
    ) -> tuple[int, asyncio.Future[tuple[dict[str, Any], int]], int]:
        """Send a request without waiting: (id, future of (message, received_ns), sent_ns)."""
        self._next_id += 1
        ident = self._next_id
        future: asyncio.Future[tuple[dict[str, Any], int]] = (
            asyncio.get_running_loop().create_future()
        )
        self._pending[ident] = future
        sent = self._write({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        return ident, future, sent

    async def request(self, method: str, params: Any, limit_s: float = 60.0) -> Reply:
        _, future, sent = self.send(method, params)
        message, received = await asyncio.wait_for(future, limit_s)
        return Reply(message.get("result"), message.get("error"), sent, received)

    async def ping(self) -> Reply:
        """A round trip through the server's message loop that does no work."""
        return await self.request(PING, None)

    async def drain(self) -> None:
        assert self.process.stdin is not None
        await self.process.stdin.drain()

    async def _read_loop(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        try:
            while True:
                header = await stdout.readuntil(b"\r\n\r\n")
                length = 0
                for line in header.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                body = await stdout.readexactly(length)
                received = time.monotonic_ns()
                self._dispatch(json.loads(body), received)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(ConnectionError("the server went away"))

    def _dispatch(self, message: dict[str, Any], received: int) -> None:
        method = message.get("method")
        ident = message.get("id")
        if method is None:
            future = self._pending.pop(ident, None) if isinstance(ident, int) else None
            if future is not None and not future.done():
                future.set_result((message, received))
            return
        if ident is None:
            self.notifications[method] = self.notifications.get(method, 0) + 1
            if method in ("window/logMessage", "window/showMessage"):
                self.log.append(str(message.get("params", {}).get("message", "")))
            return
        result: Any = None
        if method == "workspace/configuration":
            items = message.get("params", {}).get("items", [])
            result = [self.configuration.get(item.get("section"), None) for item in items]
        self._write({"jsonrpc": "2.0", "id": ident, "result": result})

    async def _drain_stderr(self) -> None:
        stderr = self.process.stderr
        assert stderr is not None
        while line := await stderr.readline():
            self.log.append(line.decode(errors="replace").rstrip())

    async def close(self, limit_s: float = 10.0) -> None:
        """`shutdown`, `exit`, then wait; killed if it does not go."""
        if self.process.returncode is None:
            with contextlib.suppress(Exception):
                await self.request("shutdown", None, limit_s=limit_s)
                self.notify("exit", None)
                await self.drain()
            try:
                await asyncio.wait_for(self.process.wait(), limit_s)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        for task in (self._reader, self._stderr):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


async def initialize(
    server: LspProcess, root_uri: str, options: dict[str, Any] | None = None, limit_s: float = 60
) -> Reply:
    """`initialize` as VS Code (its capabilities) with these `initializationOptions`, then
    `initialized`."""
    reply = await server.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": root_uri,
            "capabilities": VSCODE,
            "initializationOptions": options,
            "clientInfo": {"name": "grok-lsp-bench", "version": "1"},
            "workspaceFolders": [{"uri": root_uri, "name": "bench"}],
        },
        limit_s,
    )
    server.notify("initialized", {})
    return reply


async def start_server(
    base_url: str, state_dir: str, settings: dict[str, Any], root_uri: str = "file:///bench"
) -> LspProcess:
    """grok-lsp against the API at `base_url`, initialized with these `grok` settings (also its
    answer to `workspace/configuration`); its state in `state_dir`."""
    env = server_env(base_url, state_dir)
    server = await LspProcess.start(SERVER_COMMAND, env, {"grok": settings})
    try:
        await initialize(server, root_uri, settings)
    except BaseException:
        await server.close()
        raise
    return server


def open_document(server: LspProcess, uri: str, text: str, language: str = "python") -> int:
    return server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}},
    )


def position_of(text: str, offset: int) -> dict[str, int]:
    """The LSP position (UTF-16) of `offset` in `text` with only `\\n` line breaks."""
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return {"line": line, "character": len(text[start:offset].encode("utf-16-le")) // 2}


def server_env(base_url: str, state_dir: str, **extra: str) -> dict[str, str]:
    """grok-lsp's environment: a test key, this upstream, and a throwaway state directory."""
    env = {k: v for k, v in os.environ.items() if k != "XAI_API_KEY"}
    env.update(
        {
            "XAI_API_KEY": "xai-bench-0123456789abcdef0123",
            "GROK_LSP_BASE_URL": base_url,
            "GROK_LSP_STATE_DIR": state_dir,
        }
    )
    env.update(extra)
    return env
