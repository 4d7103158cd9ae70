"""ProviderClient's error responses and network failures: each a typed error with a clear,
key-free message."""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Callable

import certifi
import httpx
import pytest

from grok_lsp.provider.client import ProviderClient
from grok_lsp.provider.errors import (
    AuthenticationError,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
)
from tests.support.fake_api import (
    BASE,
    KEY,
    TIMEOUT,
    Body,
    FakeAPI,
    answered,
    collect,
    event,
    request,
    sse_response,
)

# --- error responses and network failures ------------------------------------------------------


async def test_rate_limited(make_client: Callable[..., ProviderClient]) -> None:
    body = Body([b'{"code": "Too many requests", "error": "Slow down."}'])
    api = FakeAPI(httpx.Response(429, headers={"retry-after": "3"}, stream=body))
    with pytest.raises(RateLimitError) as caught:
        await collect(make_client(api), request())
    assert (caught.value.message, caught.value.retry_after) == ("Slow down.", 3.0)
    assert caught.value.status_code == 429
    assert body.closed


async def test_bad_key_echo_is_redacted(make_client: Callable[..., ProviderClient]) -> None:
    text = (
        f"Incorrect API key provided: {KEY}. You can obtain an API key from https://console.x.ai."
    )
    body = json.dumps({"code": "Client specified an invalid argument", "error": text}).encode()
    with pytest.raises(AuthenticationError) as caught:
        await collect(make_client(FakeAPI(httpx.Response(400, content=body))), request())
    assert KEY not in str(caught.value)
    assert caught.value.message.startswith("Incorrect API key provided: <redacted-secret>.")


@pytest.mark.parametrize(
    ("exc", "error"),
    [
        (httpx.ConnectError(f"cannot connect, key {KEY}"), ProviderConnectionError),
        (httpx.ConnectTimeout("connect timed out"), ProviderTimeoutError),
        (httpx.RemoteProtocolError("server disconnected"), ProviderConnectionError),
    ],
)
async def test_network_failure_before_the_response(
    make_client: Callable[..., ProviderClient], exc: Exception, error: type
) -> None:
    with pytest.raises(error) as caught:
        await collect(make_client(FakeAPI(exc)), request())
    assert KEY not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"HTTPS_PROXY": "http://user:s3cret@proxy.corp:3128"},
         "http://proxy.corp:3128 (from HTTPS_PROXY)"),
        ({"https_proxy": "user:s3cret@proxy.corp:3128", "HTTPS_PROXY": "http://other:1"},
         "http://proxy.corp:3128 (from https_proxy)"),  # urllib's choice: lower case first
        ({"ALL_PROXY": "http://proxy.corp:3128"}, "http://proxy.corp:3128 (from ALL_PROXY)"),
        ({"HTTP_PROXY": "http://proxy.corp:3128"}, None),  # the API is https
        ({"ALL_PROXY": "http://proxy.corp:3128", "NO_PROXY": "localhost,api.test"}, None),
        ({}, None),
    ],
)  # fmt: skip
async def test_the_proxy_is_named_without_credentials(
    monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], named: str | None
) -> None:
    for scheme in ("http", "https", "all", "no"):
        monkeypatch.delenv(f"{scheme}_proxy", raising=False)
        monkeypatch.delenv(f"{scheme.upper()}_PROXY", raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    client = ProviderClient(BASE, KEY, timeout=TIMEOUT)
    try:
        assert client._proxy == named
    finally:
        await client.aclose()


async def test_list_models(make_client: Callable[..., ProviderClient]) -> None:
    models = {"object": "list", "data": [{"id": "grok-4.3"}, {"id": "grok-code-fast-1"}, {}]}
    api = FakeAPI(
        httpx.Response(200, json=models),
        httpx.Response(401, json={"code": "Unauthenticated", "error": "No key."}),
        httpx.Response(200, json=["not", "a", "list"]),
        httpx.Response(200, content=b"<html>"),
    )
    client = make_client(api)
    assert await client.list_models() == ["grok-4.3", "grok-code-fast-1"]
    assert api.requests[0].method == "GET"
    assert str(api.requests[0].url) == f"{BASE}/models"
    assert api.requests[0].headers["authorization"] == f"Bearer {KEY}"
    with pytest.raises(AuthenticationError, match="No key"):
        await client.list_models()
    for _ in range(2):
        with pytest.raises(ProviderError, match="model list"):
            await client.list_models()


async def test_warm_up_swallows_errors(
    make_client: Callable[..., ProviderClient], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api = FakeAPI(
        httpx.Response(200, json={"data": []}),
        httpx.ConnectError(f"refused {KEY}"),
        httpx.Response(500, content=b"boom"),
    )
    client = make_client(api)
    for _ in range(3):
        await client.warm_up()
    assert [str(r.url) for r in api.requests] == [f"{BASE}/models"] * 3
    assert "warm-up failed: ConnectError: refused <redacted-secret>" in caplog.text
    assert KEY not in caplog.text


async def test_key_never_logged(
    make_client: Callable[..., ProviderClient], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    echo = json.dumps({"error": f"Incorrect API key provided: {KEY}"}).encode()
    api = FakeAPI(
        answered("a"),
        httpx.Response(400, content=echo),
        httpx.ConnectError(f"refused {KEY}"),
        sse_response(Body([event({"error": f"key {KEY} revoked"})])),
    )
    client = make_client(api)
    messages = []
    for _ in range(4):
        try:
            await collect(client, request(conv_id="conv-1"))
        except ProviderError as exc:
            logging.getLogger("test").exception("request failed")
            messages.append(str(exc))
    assert len(messages) == 3
    assert "model=grok-code-fast-1 conv=conv-1" in caplog.text
    assert all(KEY not in m for m in messages)
    assert KEY not in caplog.text
    assert all(KEY not in record.getMessage() for record in caplog.records)


def test_verify_accepts_a_ca_bundle_path() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ProviderClient(BASE, KEY, timeout=TIMEOUT, verify=certifi.where())
