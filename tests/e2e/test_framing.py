"""A raw client on the server's stdio writing its own bytes: bad `Content-Length` headers, frames
too large, bodies that are not JSON-RPC, and the lifecycle out of order. The server answers
what it can, gets back in step at the next header, and never crashes."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from grok_lsp import warmup
from tests.support.emulator import Emulator
from tests.support.lsp import SERVER_COMMAND, TEST_KEY

BOUND_S = 30


class RawClient:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.received: list[dict[str, Any]] = []

    def write(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)

    def send(self, message: dict[str, Any], *, length_delta: int = 0) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.frame(body, str(len(body) + length_delta))

    def frame(self, body: bytes, length: str) -> None:
        self.write(f"Content-Length: {length}\r\n\r\n".encode() + body)

    def request(self, msg_id: int | str, method: str, params: Any = None) -> None:
        self.send({"id": msg_id, "method": method, "params": params})

    async def answer(self, msg_id: Any) -> dict[str, Any]:
        """The response to `msg_id` (server requests and notifications are kept aside)."""
        for message in self.received:
            if "method" not in message and message.get("id") == msg_id:
                return message
        while True:
            message = await asyncio.wait_for(self._read(), BOUND_S)
            self.received.append(message)
            if "method" not in message and message.get("id") == msg_id:
                return message

    async def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        head = await self.process.stdout.readuntil(b"\r\n\r\n")
        length = int(head.split(b":")[1].split(b"\r\n")[0])
        message: dict[str, Any] = json.loads(await self.process.stdout.readexactly(length))
        return message

    async def initialize(self) -> None:
        self.request(1, "initialize", {"processId": None, "rootUri": None, "capabilities": {}})
        assert "result" in await self.answer(1)
        self.send({"method": "initialized", "params": {}})

    async def alive(self, msg_id: int | str) -> None:
        self.request(msg_id, "grok/stats", {})
        assert "result" in await self.answer(msg_id)

    async def exit_code(self) -> int:
        return await asyncio.wait_for(self.process.wait(), BOUND_S)


@pytest_asyncio.fixture
async def raw(emulator: Emulator, tmp_path: Path) -> AsyncIterator[RawClient]:
    env = {
        **os.environ,
        "XAI_API_KEY": TEST_KEY,
        "GROK_LSP_BASE_URL": emulator.base_url,
        "GROK_LSP_STATE_DIR": str(tmp_path / "state"),
    }
    process = await asyncio.create_subprocess_exec(
        *SERVER_COMMAND,
        "--log-file",
        str(tmp_path / "grok.log"),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        limit=1 << 24,
        env=env,
    )
    yield RawClient(process)
    if process.returncode is None:
        process.kill()
        await process.wait()


def log_of(tmp_path: Path) -> str:
    return (tmp_path / "grok.log").read_text()


# -- 13: framing --------------------------------------------------------------------------------
async def test_a_content_length_too_short_or_too_long_is_recovered(raw: RawClient) -> None:
    await raw.initialize()
    stats = {"method": "grok/stats", "params": {}}
    raw.send({"id": 10, **stats}, length_delta=-7)
    raw.send({"id": 11, **stats}, length_delta=+25)
    await raw.alive(12)
    assert "result" in await raw.answer(10)
    assert "result" in await raw.answer(11)
    raw.send({"id": 13, **stats}, length_delta=+25)  # nothing follows it: alone, then
    assert "result" in await raw.answer(13)
    await raw.alive(14)


@pytest.mark.parametrize("length", ["-1", "99999999999999999999", str(10**12), "abc", ""], ids=repr)
async def test_an_impossible_content_length_is_skipped_with_a_log_line(
    raw: RawClient, tmp_path: Path, length: str
) -> None:
    await raw.initialize()
    raw.frame(b'{"jsonrpc": "2.0", "id": 20, "method": "grok/stats", "params": {}}', length)
    await raw.alive(21)
    log = log_of(tmp_path)
    assert "over the limit" in log or "without a valid Content-Length" in log
    assert "Traceback" not in log
    raw.request(22, "shutdown")
    await raw.answer(22)
    raw.send({"method": "exit"})
    assert await raw.exit_code() == 0


async def test_garbage_between_frames_is_skipped(raw: RawClient) -> None:
    """Half a megabyte without a line break: no header can be that long."""
    await raw.initialize()
    raw.write(b"\x00\xff not a header at all " * 20000)
    await raw.alive(30)
    raw.write(b"\r\n".join([b"junk"] * 100) + b"\r\n\r\n")
    await raw.alive(31)


# -- 14: bodies that are not JSON-RPC -----------------------------------------------------------
async def test_bodies_that_are_not_json_rpc_get_errors_with_their_id(raw: RawClient) -> None:
    await raw.initialize()
    invalid_utf8 = b'{"jsonrpc": "2.0", "id": 40, "method": "grok/stats", "params": {"x": "\xff"}}'
    raw.frame(invalid_utf8, str(len(invalid_utf8)))
    assert (await raw.answer(40))["error"]["code"] == -32700
    raw.frame(b"{not json", "9")
    assert (await raw.answer(None))["error"]["code"] == -32700
    batch = json.dumps([{"jsonrpc": "2.0", "id": 41, "method": "grok/stats", "params": {}}])
    raw.frame(batch.encode(), str(len(batch)))
    assert (await raw.answer(41))["error"]["code"] == -32600
    no_version = json.dumps({"id": 42, "method": "grok/stats", "params": {}}).encode()
    raw.frame(no_version, str(len(no_version)))
    assert (await raw.answer(42))["error"]["code"] == -32600
    await raw.alive(43)


# -- 14: the lifecycle --------------------------------------------------------------------------
async def test_a_request_before_initialize_gets_server_not_initialized(raw: RawClient) -> None:
    raw.request(50, "grok/stats", {})
    assert (await raw.answer(50))["error"]["code"] == -32002
    await raw.initialize()
    await raw.alive(51)


async def test_initialize_is_answered_before_the_deferred_modules_load(tmp_path: Path) -> None:
    """httpx, pydantic and the rest of `warmup.DEFERRED` load after the answer: `initialize`
    alone, to a server that prints each import as it ends (`-X importtime`)."""
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1", "GROK_LSP_STATE_DIR": str(tmp_path)}
    process = await asyncio.create_subprocess_exec(
        *SERVER_COMMAND,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    assert process.stderr is not None
    printed = asyncio.create_task(process.stderr.read())
    raw = RawClient(process)
    try:
        raw.request(1, "initialize", {"processId": None, "rootUri": None, "capabilities": {}})
        assert "result" in await raw.answer(1)
    finally:
        process.kill()
        await process.wait()
    lines = (await asyncio.wait_for(printed, BOUND_S)).decode().splitlines()
    loaded = {line.rpartition("|")[2].strip() for line in lines if line.startswith("import time:")}
    assert "grok_lsp.features.inline" in loaded  # the features are registered, and printed
    heavy = {"httpx", "pydantic", "importlib.metadata", "email.utils", "http"}
    assert loaded.isdisjoint({*warmup.DEFERRED, *heavy})


async def test_a_second_initialize_is_refused_and_documents_stay(raw: RawClient) -> None:
    await raw.initialize()
    uri = "file:///work/kept.py"
    document = {"uri": uri, "languageId": "python", "version": 1, "text": "x = 1\n"}
    raw.send({"method": "textDocument/didOpen", "params": {"textDocument": document}})
    raw.request(60, "initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    assert (await raw.answer(60))["error"]["code"] == -32600
    raw.request(61, "grok/document", {"uri": uri})
    assert (await raw.answer(61))["result"]["text"] == "x = 1\n"


async def test_after_shutdown_requests_are_invalid_and_exit_is_0(raw: RawClient) -> None:
    await raw.initialize()
    raw.request(70, "shutdown")
    assert (await raw.answer(70))["result"] is None
    raw.request(71, "grok/stats", {})
    assert (await raw.answer(71))["error"]["code"] == -32600
    raw.send({"method": "exit"})
    assert await raw.exit_code() == 0


async def test_exit_without_shutdown_exits_1(raw: RawClient) -> None:
    await raw.initialize()
    raw.send({"method": "exit"})
    assert await raw.exit_code() == 1
