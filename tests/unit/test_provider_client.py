"""ProviderClient and ChatStream: the request on the wire, the stream, and closing early
(errors and network failures: `test_provider_failures.py`; a real loopback connection:
`test_provider_loopback.py`)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx
import pytest

from grok_lsp.provider.client import ProviderClient
from grok_lsp.provider.errors import (
    AuthenticationError,
    MalformedStreamError,
    ProviderError,
    ProviderTimeoutError,
    ServerError,
    StreamInterruptedError,
)
from grok_lsp.provider.models import accepts_reasoning_effort
from grok_lsp.provider.usage import Usage
from tests.support.fake_api import (
    BASE,
    DONE,
    KEY,
    MESSAGES,
    Body,
    FakeAPI,
    answered,
    chunk,
    collect,
    event,
    request,
    sse_response,
)
from tests.support.streams import FIXTURES

# --- the request -------------------------------------------------------------------------------


async def test_request_body_and_headers(make_client: Callable[..., ProviderClient]) -> None:
    api = FakeAPI(answered())
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
    api = FakeAPI(answered())
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
    api = FakeAPI(answered())
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
