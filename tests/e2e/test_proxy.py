"""Behind a corporate proxy: requests go through HTTP_PROXY (httpx's `trust_env`), NO_PROXY is
honoured, a proxy that is down is named in one clear message, and its credentials stay out of
every log line, message and `grok/stats`."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import StartClient
from tests.support.emulator import Emulator
from tests.support.inline import EXPECTED, ORACLE, PARTIAL, inline_params, inserted
from tests.support.lsp import GrokClient, everything_said, open_document
from tests.support.proxy import ForwardProxy, closed_port

pytestmark = pytest.mark.usefixtures("no_inherited_proxy")

CHAT = "POST /v1/chat/completions"
PROXY_USER = "proxyuser"
PROXY_SECRET = "pr0xy-s3cret-4711"


async def ask(client: GrokClient, uri: str) -> list[str]:
    return inserted(await client.text_document_inline_completion_async(inline_params(uri, 1, 23)))


async def test_a_completion_goes_through_the_proxy(
    start_client: StartClient, emulator: Emulator
) -> None:
    emulator.set_oracle(ORACLE)
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
    emulator.set_oracle(ORACLE)
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
    emulator.set_oracle(ORACLE)
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
    emulator.set_oracle(ORACLE)
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
    emulator.set_oracle(ORACLE)
    client = await start_client(env=dict(HTTP_PROXY=proxy))
    uri = open_document(client, PARTIAL)
    assert await ask(client, uri) == []
    assert await ask(client, uri) == []
    await asyncio.sleep(0.1)
    [message] = [m.message for m in client.messages]
    assert "cannot use the proxy set in the environment" in message, message
    assert PROXY_SECRET not in message
    assert emulator.stats()["requests"] == 0
