"""ProviderClient and ChatStream: the request on the wire, the stream, errors, and closing."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import warnings
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import certifi
import httpx
import pytest

from grok_lsp.provider.client import ProviderClient
from grok_lsp.provider.errors import (
    AuthenticationError,
    MalformedStreamError,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
    ServerError,
    StreamInterruptedError,
)
from grok_lsp.provider.models import accepts_reasoning_effort
from grok_lsp.provider.request import ChatRequest
from grok_lsp.provider.usage import Usage

KEY = "xai-Sup3rSecretKey0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH"
BASE = "https://api.test/v1"
TIMEOUT = httpx.Timeout(5.0)
MESSAGES = [{"role": "system", "content": "Complete code."}, {"role": "user", "content": "def f("}]
FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "xai-streams"

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


@pytest.fixture
async def make_client() -> AsyncIterator[Callable[..., ProviderClient]]:
    clients: list[ProviderClient] = []

    def make(handler: Handler, api_key: str | None = KEY, base: str = BASE) -> ProviderClient:
        client = ProviderClient(
            base, api_key, timeout=TIMEOUT, transport=httpx.MockTransport(handler)
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


def request(model: str = "grok-code-fast-1", **kwargs: Any) -> ChatRequest:
    return ChatRequest(model=model, messages=MESSAGES, max_tokens=64, **kwargs)


async def collect(client: ProviderClient, req: ChatRequest) -> tuple[str, str, Any]:
    async with client.stream_chat(req) as stream:
        deltas = [delta async for delta in stream]
    content = "".join(d.content for d in deltas)
    return content, "".join(d.reasoning for d in deltas), stream


# --- the request -------------------------------------------------------------------------------


async def test_request_body_and_headers(make_client: Callable[..., ProviderClient]) -> None:
    api = FakeAPI(sse_response(Body([event(chunk("x", finish="stop")), DONE])))
    client = make_client(api, api_key=f"  {KEY}\n")  # pasted with whitespace: stripped
    req = request(temperature=0.2, reasoning_effort="low", conv_id="ws-3f2a/file-9c1e")
    await collect(client, req)
    sent = api.requests[0]
    assert sent.method == "POST"
    assert str(sent.url) == f"{BASE}/chat/completions"
    assert json.loads(sent.content) == {
        "model": "grok-code-fast-1",
        "messages": MESSAGES,
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_tokens": 64,
        "temperature": 0.2,
    }
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.headers["x-grok-conv-id"] == "ws-3f2a/file-9c1e"
    assert sent.headers["accept"] == "text/event-stream"
    assert sent.headers["accept-encoding"] == "identity"
    assert sent.headers["content-type"] == "application/json"


async def test_minimal_request(make_client: Callable[..., ProviderClient]) -> None:
    api = FakeAPI(sse_response(Body([event(chunk("x", finish="stop")), DONE])))
    await collect(make_client(api, api_key=None, base=BASE + "/"), request())
    sent = api.requests[0]
    assert str(sent.url) == f"{BASE}/chat/completions"
    assert set(json.loads(sent.content)) == {
        "model",
        "messages",
        "stream",
        "stream_options",
        "max_tokens",
    }
    assert "authorization" not in sent.headers
    assert "x-grok-conv-id" not in sent.headers


@pytest.mark.parametrize(
    ("model", "accepted"),
    [
        ("grok-4.3", True),
        ("grok-4.3-latest", True),
        ("GROK-4.3", True),
        ("xai/grok-4.3", True),
        ("grok-3-mini", True),
        ("grok-3-mini-fast", True),
        ("grok-code-fast-1", False),
        ("grok-code-fast", False),
        ("grok-build-0.1", False),
        ("grok-4.20-0309-non-reasoning", False),
        ("grok-3", False),
    ],
)
async def test_reasoning_effort_only_where_accepted(
    make_client: Callable[..., ProviderClient], model: str, accepted: bool
) -> None:
    assert accepts_reasoning_effort(model) is accepted
    api = FakeAPI(sse_response(Body([event(chunk("x", finish="stop")), DONE])))
    await collect(make_client(api), request(model, reasoning_effort="none"))
    body = json.loads(api.requests[0].content)
    assert ("reasoning_effort" in body) is accepted
    assert not {"stop", "presence_penalty", "frequency_penalty"} & set(body)


def test_conv_id_must_be_a_header_token() -> None:
    for bad in ["", "has space", "naïve", "line\nbreak"]:
        with pytest.raises(ValueError, match="conv_id"):
            request(conv_id=bad)


async def test_unsendable_key_fails_without_a_request(
    make_client: Callable[..., ProviderClient],
) -> None:
    api = FakeAPI()
    client = make_client(api, api_key="xai-abc def")
    with pytest.raises(AuthenticationError) as caught:
        await collect(client, request())
    assert "abc" not in str(caught.value)
    assert api.requests == []


# --- the stream --------------------------------------------------------------------------------


def fixture_parts(name: str, size: int) -> list[bytes]:
    path = FIXTURES / name
    if not path.is_file():
        pytest.skip(f"recorded xAI stream {path} not found (/work/shared, beside the repo)")
    data = b"".join(event(line) for line in path.read_text(encoding="utf-8").splitlines()) + DONE
    return [data[i : i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize("size", [1, 7, 4096])
async def test_recorded_stream(make_client: Callable[..., ProviderClient], size: int) -> None:
    body = Body(fixture_parts("grok-3-mini-text.jsonl", size))
    content, reasoning, stream = await collect(make_client(FakeAPI(sse_response(body))), request())
    assert (content, reasoning) == ("Hello", "First, the user said")
    assert stream.done and stream.model == "grok-3-mini"
    assert stream.usage == Usage(12, 11, 1, 290, 1466250)
    assert body.closed


async def test_usage_in_every_chunk_keeps_the_last(
    make_client: Callable[..., ProviderClient],
) -> None:
    parts = [
        event(chunk("a", usage={"prompt_tokens": 9, "completion_tokens": 1})),
        event(chunk("b", usage={"prompt_tokens": 9, "completion_tokens": 2})),
        event(chunk(finish="stop", usage={"prompt_tokens": 9, "completion_tokens": 3}, model="m2")),
        DONE,
    ]
    content, _, stream = await collect(make_client(FakeAPI(sse_response(Body(parts)))), request())
    assert content == "ab"
    assert stream.usage == Usage(prompt_tokens=9, completion_tokens=3)
    assert stream.model == "m2"  # the last echoed model


async def test_finish_reason_without_done_is_complete(
    make_client: Callable[..., ProviderClient],
) -> None:
    body = Body([event(chunk("a")), event(chunk(finish="length"))])
    content, _, stream = await collect(make_client(FakeAPI(sse_response(body))), request())
    assert content == "a" and stream.done


async def test_iteration_stops_at_done(make_client: Callable[..., ProviderClient]) -> None:
    finish = event(chunk(finish="stop"))
    body = Body([event(chunk("a")), finish + DONE + b"data: not json\n\n", event(chunk("late"))])
    content, _, stream = await collect(make_client(FakeAPI(sse_response(body))), request())
    assert content == "a" and stream.done


async def test_done_without_a_finish_reason_is_an_interrupted_stream(
    make_client: Callable[..., ProviderClient],
) -> None:
    """llama-cpp-python, interrupted by another request: `[DONE]`, no finish_reason."""
    body = Body([event(chunk("Ta")), DONE])
    seen: list[str] = []
    with pytest.raises(StreamInterruptedError, match="without a finish_reason") as caught:
        async with make_client(FakeAPI(sse_response(body))).stream_chat(request()) as stream:
            async for delta in stream:
                seen.append(delta.content)
    assert seen == ["Ta"] and caught.value.retryable
    assert stream.done  # read to the end: the connection is reusable


@pytest.mark.parametrize(("base", "rewarmed"), [(BASE, True), ("http://127.0.0.1:8080/v1", False)])
async def test_an_early_close_rewarms_only_over_tls(
    make_client: Callable[..., ProviderClient], base: str, rewarmed: bool
) -> None:
    api = FakeAPI(
        sse_response(Body([event(chunk("a"))], then="hang")), httpx.Response(200, json={})
    )
    async with make_client(api, base=base).stream_chat(request()) as stream:
        async for _ in stream:
            break
    await asyncio.sleep(0.3)
    assert [r.method for r in api.requests] == ["POST", "GET"] if rewarmed else ["POST"]


@pytest.mark.parametrize(
    ("then", "error"),
    [
        ("end", StreamInterruptedError),
        (httpx.RemoteProtocolError("peer closed connection"), StreamInterruptedError),
        (httpx.ReadError("connection reset"), StreamInterruptedError),
        (httpx.ReadTimeout("read timed out"), ProviderTimeoutError),
    ],
)
async def test_stream_cut_before_done(
    make_client: Callable[..., ProviderClient],
    then: str | Exception,
    error: type[ProviderError],
) -> None:
    body = Body([event(chunk("a")), b'data: {"cho'], then=then)
    seen: list[str] = []
    with pytest.raises(error) as caught:
        async with make_client(FakeAPI(sse_response(body))).stream_chat(request()) as stream:
            async for delta in stream:
                seen.append(delta.content)
    assert seen == ["a"]
    assert not stream.done and caught.value.retryable
    assert body.closed


async def test_malformed_line(make_client: Callable[..., ProviderClient]) -> None:
    body = Body([event(chunk("a")), b"data: {oops}\n\n", event(chunk("b"))], then="hang")
    seen: list[str] = []
    with pytest.raises(MalformedStreamError):
        async with make_client(FakeAPI(sse_response(body))).stream_chat(request()) as stream:
            async for delta in stream:
                seen.append(delta.content)
    assert seen == ["a"]
    assert body.closed and body.finalized


async def test_error_object_mid_stream(make_client: Callable[..., ProviderClient]) -> None:
    error = {"code": "Internal error", "error": "The service is overloaded."}
    body = Body([event(chunk("a")), event(error)])
    with pytest.raises(ServerError, match="overloaded"):
        await collect(make_client(FakeAPI(sse_response(body))), request())


# --- closing early -----------------------------------------------------------------------------


async def test_break_closes_the_response(make_client: Callable[..., ProviderClient]) -> None:
    body = Body([event(chunk("a")), event(chunk("b"))], then="hang")
    async with make_client(FakeAPI(sse_response(body))).stream_chat(request()) as stream:
        async for _ in stream:
            break
    assert body.closed and body.finalized
    assert body.sent == 1


async def test_exception_in_the_consumer_closes_the_response(
    make_client: Callable[..., ProviderClient],
) -> None:
    body = Body([event(chunk("a"))], then="hang")
    with pytest.raises(KeyError):
        async with make_client(FakeAPI(sse_response(body))).stream_chat(request()) as stream:
            async for _ in stream:
                raise KeyError("consumer bug")
    assert body.closed and body.finalized


@pytest.mark.parametrize("where", ["awaiting-next-chunk", "in-loop-body"])
async def test_cancellation_closes_the_response(
    make_client: Callable[..., ProviderClient], where: str
) -> None:
    body = Body([event(chunk("a"))], then="hang")
    client = make_client(FakeAPI(sse_response(body)))
    first = asyncio.Event()

    async def consume() -> None:
        async with client.stream_chat(request()) as stream:
            async for _ in stream:
                first.set()
                if where == "in-loop-body":
                    await asyncio.sleep(60)

    task = asyncio.create_task(consume())
    await first.wait()
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert body.closed and body.finalized


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
        sse_response(Body([event(chunk("a", finish="stop")), DONE])),
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
