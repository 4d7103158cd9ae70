"""Behind a corporate proxy: requests go through HTTP_PROXY (httpx's `trust_env`), NO_PROXY is
honoured, a proxy that is down is named in one clear message, and its credentials stay out of
every log line, message and `grok/stats`."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from tests.conftest import (
    Emulator,
    GrokClient,
    StartClient,
    everything_said,
    open_document,
)
from tests.e2e.test_inline import EXPECTED, ORACLE, PARTIAL, inline_params, inserted, set_oracle

CHAT = "POST /v1/chat/completions"
PROXY_USER = "proxyuser"
PROXY_SECRET = "pr0xy-s3cret-4711"


class ForwardProxy:
    """A plain-HTTP forward proxy on loopback. Each absolute-form request goes to its origin on
    a connection of its own (`Connection: close` both ways, so every request is seen here), and
    is recorded as "METHOD /path" with the Proxy-Authorization and Authorization it carried.
    `origin` ("host", port): where every request goes instead (a test's host names are not
    resolved)."""

    def __init__(self, port: int = 0, origin: tuple[str, int] | None = None) -> None:
        self.port = port
        self.origin = origin
        self.forwarded: list[str] = []
        self.authorizations: list[str] = []
        self.api_authorizations: list[str] = []
        self._server: asyncio.Server | None = None

    def url(self, userinfo: str = "") -> str:
        return f"http://{userinfo}127.0.0.1:{self.port}"

    async def start(self) -> ForwardProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def __aenter__(self) -> ForwardProxy:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _serve(self, client: asyncio.StreamReader, to_client: asyncio.StreamWriter) -> None:
        try:
            head = await client.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            to_client.close()
            return
        request_line, *lines = head.decode("latin-1").split("\r\n")[:-2]
        method, target, version = request_line.split(" ")
        url = urlsplit(target)
        self.forwarded.append(f"{method} {url.path}")
        for header, found in (
            ("proxy-authorization:", self.authorizations),
            ("authorization:", self.api_authorizations),
        ):
            found += [
                line.split(":", 1)[1].strip() for line in lines if line.lower().startswith(header)
            ]
        kept = [line for line in lines if not line.lower().startswith(("proxy-", "connection:"))]
        host, port = self.origin or (url.hostname, url.port)
        origin, to_origin = await asyncio.open_connection(host, port)
        path = url.path + (f"?{url.query}" if url.query else "")
        to_origin.write(
            "\r\n".join([f"{method} {path} {version}", *kept, "Connection: close", "", ""]).encode(
                "latin-1"
            )
        )
        pipes = [
            asyncio.ensure_future(_pipe(client, to_origin)),
            asyncio.ensure_future(_pipe(origin, to_client)),
        ]
        await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        for pipe in pipes:
            pipe.cancel()
        to_client.close()
        to_origin.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()


def closed_port() -> int:
    """A loopback port nothing listens on (until a test starts the proxy there)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture(autouse=True)
def no_inherited_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server inherits this process's environment: only the test's proxy settings count
    (a lower-case `no_proxy` from CI would override the test's NO_PROXY)."""
    for scheme in ("http", "https", "all", "no"):
        monkeypatch.delenv(f"{scheme}_proxy", raising=False)
        monkeypatch.delenv(f"{scheme.upper()}_PROXY", raising=False)


async def ask(client: GrokClient, uri: str) -> list[str]:
    return inserted(await client.text_document_inline_completion_async(inline_params(uri, 1, 23)))


async def test_a_completion_goes_through_the_proxy(
    start_client: StartClient, emulator: Emulator
) -> None:
    set_oracle(emulator, ORACLE)
    async with ForwardProxy() as proxy:
        client = await start_client(env=dict(HTTP_PROXY=proxy.url()))
        uri = open_document(client, PARTIAL)
        assert await ask(client, uri) == [EXPECTED]
        assert CHAT in proxy.forwarded
        assert emulator.stats()["requests"] == proxy.forwarded.count(CHAT)
        await asyncio.sleep(0.1)
        assert not client.messages


async def test_no_proxy_covering_the_api_host_bypasses_the_proxy(
    start_client: StartClient, emulator: Emulator
) -> None:
    set_oracle(emulator, ORACLE)
    async with ForwardProxy() as proxy:
        host = urlsplit(emulator.base_url).hostname
        assert host is not None
        proxied = dict(HTTP_PROXY=proxy.url(), NO_PROXY=f"example.com,{host}")
        client = await start_client(env=proxied)
        uri = open_document(client, PARTIAL)
        assert await ask(client, uri) == [EXPECTED]
        assert proxy.forwarded == []


async def test_a_proxy_that_is_down_is_named_once_and_the_next_request_after_it_works(
    start_client: StartClient, emulator: Emulator
) -> None:
    set_oracle(emulator, ORACLE)
    proxy = ForwardProxy(closed_port())
    client = await start_client(env=dict(HTTP_PROXY=proxy.url(f"{PROXY_USER}:{PROXY_SECRET}@")))
    uri = open_document(client, PARTIAL)
    assert await ask(client, uri) == []
    assert await ask(client, uri) == []
    await asyncio.sleep(0.1)
    [message] = [m.message for m in client.messages]  # the connect check's, then no more
    assert f"through the proxy {proxy.url()} (from HTTP_PROXY)" in message, message
    assert PROXY_SECRET not in message and PROXY_USER not in message
    assert emulator.stats()["requests"] == 0
    async with proxy:
        assert await ask(client, uri) == [EXPECTED]
        assert CHAT in proxy.forwarded
        expected = base64.b64encode(f"{PROXY_USER}:{PROXY_SECRET}".encode()).decode()
        assert set(proxy.authorizations) == {f"Basic {expected}"}  # the proxy got them


async def test_proxy_credentials_are_in_no_log_line_message_or_stats(
    start_client: StartClient, emulator: Emulator, tmp_path: Path
) -> None:
    set_oracle(emulator, ORACLE)
    log_file = tmp_path / "grok.log"
    proxy = ForwardProxy(closed_port())
    client = await start_client(
        env=dict(HTTP_PROXY=proxy.url(f"{PROXY_USER}:{PROXY_SECRET}@")),
        args=["--log-level", "DEBUG", "--log-file", str(log_file)],
    )
    uri = open_document(client, PARTIAL)
    assert await ask(client, uri) == []  # down: the failure is logged and shown
    async with proxy:
        assert await ask(client, uri) == [EXPECTED]
    seen = await everything_said(client, log_file)
    assert "through the proxy" in seen["log file"]  # the failure was logged
    assert len(seen["log file"].splitlines()) > 5  # DEBUG did log
    for where, text in seen.items():
        assert PROXY_SECRET not in text, where


@pytest.mark.parametrize("proxy", ["ftp://proxyuser:pr0xy-s3cret-4711@127.0.0.1:1", "http://[::1"])
async def test_a_proxy_setting_httpx_cannot_use_is_one_clear_message(
    start_client: StartClient, emulator: Emulator, proxy: str
) -> None:
    set_oracle(emulator, ORACLE)
    client = await start_client(env=dict(HTTP_PROXY=proxy))
    uri = open_document(client, PARTIAL)
    assert await ask(client, uri) == []
    assert await ask(client, uri) == []
    await asyncio.sleep(0.1)
    [message] = [m.message for m in client.messages]
    assert "cannot use the proxy set in the environment" in message, message
    assert PROXY_SECRET not in message
    assert emulator.stats()["requests"] == 0
