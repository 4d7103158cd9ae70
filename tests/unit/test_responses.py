"""The Responses API path of ProviderClient: the body, the events, usage, errors, early stop."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grok_lsp.provider.client import ProviderClient
from grok_lsp.provider.errors import (
    ContextTooLongError,
    MalformedStreamError,
    ServerError,
    StreamInterruptedError,
)
from grok_lsp.provider.usage import Usage
from grok_lsp.settings import Settings
from tests.support.fake_api import (
    BASE,
    KEY,
    MESSAGES,
    Body,
    FakeAPI,
    answered,
    collect,
    event,
    fake_client,
    request,
    sse_response,
)

USAGE = {
    "input_tokens": 120,
    "input_tokens_details": {"cached_tokens": 100},
    "output_tokens": 9,
    "output_tokens_details": {"reasoning_tokens": 4},
    "total_tokens": 129,
    "cost_in_usd_ticks": 123456,
}


def typed(kind: str, **fields: Any) -> bytes:
    return f"event: {kind}\n".encode() + event({"type": kind, **fields})


def response(status: str = "completed", model: str = "grok-4.3", **fields: Any) -> dict[str, Any]:
    return {"id": "resp_1", "object": "response", "model": model, "status": status, **fields}


def stream_of(*texts: str, model: str = "grok-4.3", reasoning: str = "") -> list[bytes]:
    parts = [typed("response.created", response=response("in_progress", model))]
    if reasoning:
        parts.append(typed("response.reasoning_summary_text.delta", delta=reasoning))
    parts += [typed("response.output_text.delta", delta=text) for text in texts]
    parts.append(typed("response.output_text.done", text="".join(texts)))  # repeats: ignored
    parts.append(typed("response.completed", response=response(model=model, usage=USAGE)))
    return parts


@pytest.fixture
async def make_client() -> AsyncIterator[Callable[[FakeAPI], ProviderClient]]:
    clients: list[ProviderClient] = []

    def make(api: FakeAPI) -> ProviderClient:
        client = fake_client(api, api="responses")
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


async def test_the_body_keeps_the_layers_and_routes_the_cache_by_the_conversation(
    make_client: Callable[[FakeAPI], ProviderClient],
) -> None:
    api = FakeAPI(sse_response(Body(stream_of("x"))))
    req = request("grok-4.3", temperature=0.0, reasoning_effort="none", conv_id="ws-1/file-2")
    await collect(make_client(api), req)
    sent = api.requests[0]
    assert str(sent.url) == f"{BASE}/responses"
    assert sent.headers["x-grok-conv-id"] == "ws-1/file-2"
    assert (
        json.loads(sent.content)
        == {
            "model": "grok-4.3",
            "instructions": MESSAGES[0]["content"],  # the system layer: first, byte for byte
            "input": MESSAGES[1:],
            "stream": True,
            "store": False,
            "max_output_tokens": 64,
            "temperature": 0.0,
            "reasoning": {"effort": "none"},
            "prompt_cache_key": "ws-1/file-2",
        }
    )


async def test_events_give_content_reasoning_model_and_usage(
    make_client: Callable[[FakeAPI], ProviderClient],
) -> None:
    body = Body(stream_of("def ", "f():", reasoning="thinking"))
    api = FakeAPI(sse_response(body))
    content, reasoning, stream = await collect(make_client(api), request())
    assert (content, reasoning) == ("def f():", "thinking")
    assert stream.done and stream.model == "grok-4.3"
    # OpenAI's convention (total = input + output): the reasoning is taken out of the output.
    assert stream.usage == Usage(120, 100, 5, 4, 123456)
    assert body.finalized  # read to its end: the connection goes back to the pool


@given(
    prompt=st.integers(0, 10**6),
    cached=st.integers(0, 10**6),
    visible=st.integers(0, 10**5),
    reasoning=st.integers(0, 10**5),
)
def test_usage_reads_the_same_whether_output_includes_reasoning_or_not(
    prompt: int, cached: int, visible: int, reasoning: int
) -> None:
    details = {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens_details": {"reasoning_tokens": reasoning},
    }
    inside = {**details, "output_tokens": visible + reasoning}
    inside["total_tokens"] = prompt + visible + reasoning
    apart = {**details, "output_tokens": visible, "total_tokens": prompt + visible + reasoning}
    expected = Usage(prompt, min(cached, prompt), visible, reasoning)  # cached: at most prompt
    if reasoning:  # with none, both shapes are the same numbers
        assert Usage.from_responses_json(apart) == expected
    assert Usage.from_responses_json(inside) == expected
    assert expected.output_tokens_billed == visible + reasoning


async def test_an_output_limit_is_a_finish_not_an_interruption(
    make_client: Callable[[FakeAPI], ProviderClient],
) -> None:
    cut = response("incomplete", incomplete_details={"reason": "max_output_tokens"}, usage=USAGE)
    parts = [
        typed("response.output_text.delta", delta="ab"),
        typed("response.incomplete", response=cut),
    ]
    content, _, stream = await collect(make_client(FakeAPI(sse_response(Body(parts)))), request())
    assert content == "ab" and stream.done and stream.usage.prompt_tokens == 120


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (
            typed(
                "response.failed",
                response=response(
                    "failed", error={"code": "server_error", "message": "overloaded"}
                ),
            ),
            ServerError,
        ),
        (
            typed(
                "error",
                code="invalid_request",
                message="maximum prompt length is 10 but the request contains 20 tokens",
            ),
            ContextTooLongError,
        ),
        (typed("response.output_text.delta", delta="a") + b"data: {oops\n\n", MalformedStreamError),
        (typed("response.output_text.delta", delta="a"), StreamInterruptedError),  # no completed
    ],
)
async def test_failures_in_the_stream_are_typed_errors_without_the_key(
    make_client: Callable[[FakeAPI], ProviderClient], failure: bytes, error: type[Exception]
) -> None:
    api = FakeAPI(sse_response(Body([failure])))
    with pytest.raises(error) as raised:
        await collect(make_client(api), request())
    assert KEY not in str(raised.value)


async def test_breaking_out_stops_the_download(
    make_client: Callable[[FakeAPI], ProviderClient],
) -> None:
    body = Body([typed("response.output_text.delta", delta="x")] * 3, then="hang")
    async with make_client(FakeAPI(sse_response(body))).stream_chat(request()) as stream:
        async for delta in stream:
            assert delta.content == "x"
            break
    assert body.closed and body.sent == 1


async def test_reasoning_effort_follows_the_model_that_served_a_retired_slug(
    make_client: Callable[[FakeAPI], ProviderClient],
) -> None:
    """grok-code-fast-1 rejected `reasoning_effort`; today grok-4.3 answers for it and takes it."""
    api = FakeAPI(*(sse_response(Body(stream_of("x", model="grok-4.3"))) for _ in range(2)))
    client = make_client(api)
    for _ in range(2):
        await collect(client, request("grok-code-fast-1", reasoning_effort="none"))
    first, second = (json.loads(sent.content) for sent in api.requests)
    assert "reasoning" not in first
    assert second["reasoning"] == {"effort": "none"}


async def test_a_slug_served_by_itself_never_gets_reasoning_effort_on_chat() -> None:
    replies = [answered() for _ in range(2)]
    api = FakeAPI(*replies)
    client = fake_client(api)
    try:
        for _ in range(2):
            await collect(client, request("grok-code-fast-1", reasoning_effort="none"))
    finally:
        await client.aclose()
    assert all("reasoning_effort" not in json.loads(sent.content) for sent in api.requests)


@pytest.mark.parametrize(
    ("settings", "api"),
    [
        ({}, "responses"),  # the default base URL is xAI's
        ({"baseUrl": "https://api.x.ai/v1/"}, "responses"),
        ({"baseUrl": "http://127.0.0.1:8080/v1"}, "chat"),  # llama.cpp, Ollama, vLLM
        ({"baseUrl": "https://openrouter.ai/api/v1"}, "chat"),
        ({"baseUrl": "http://127.0.0.1:8080/v1", "api": "responses"}, "responses"),
        ({"api": "chat"}, "chat"),
    ],
)
def test_auto_speaks_responses_to_xai_only(settings: dict[str, str], api: str) -> None:
    assert Settings.model_validate(settings).wire_api == api
