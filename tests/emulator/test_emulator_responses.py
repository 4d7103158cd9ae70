"""The Responses API as the emulator speaks it, through httpx's ASGI transport."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from grok_lsp.emulator import EmulatorConfig, create_app
from grok_lsp.provider.client import ProviderClient
from grok_lsp.provider.request import ChatRequest

FAST = EmulatorConfig(ttft_ms=0, tokens_per_second=0)
SYSTEM = "You are a code completion engine. " * 40


def body(**extra: Any) -> dict[str, Any]:
    return {
        "model": "grok-code-fast-1",
        "instructions": SYSTEM,
        "input": [{"role": "user", "content": "def add(a, b):\n    return "}],
        "stream": True,
        **extra,
    }


def events(text: str) -> list[tuple[str, dict[str, Any]]]:
    """(the `event:` name, the parsed `data:`) of each event."""
    out = []
    for block in text.split("\n\n"):
        if not block:
            continue
        name, data = block.split("\n")
        out.append((name.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return out


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(create_app(FAST))
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
        yield client


async def test_a_stream_is_typed_events_ending_in_completed_with_usage() -> None:
    config = FAST.model_copy(update={"reasoning_tokens": 3})
    transport = httpx.ASGITransport(create_app(config))
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
        response = await client.post("/v1/responses", json=body())
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert "[DONE]" not in response.text
    stream = events(response.text)
    names = [name for name, _ in stream]
    assert all(data["type"] == name for name, data in stream)
    assert [data["sequence_number"] for _, data in stream] == list(range(len(stream)))
    assert names[0] == "response.created" and names[-1] == "response.completed"
    reasoning = [i for i, n in enumerate(names) if n == "response.reasoning_summary_text.delta"]
    text = [i for i, n in enumerate(names) if n == "response.output_text.delta"]
    assert len(reasoning) == 3 and text and max(reasoning) < min(text)
    final = stream[-1][1]["response"]
    streamed = "".join(stream[i][1]["delta"] for i in text)
    assert final["status"] == "completed"
    assert final["output"][-1]["content"][0]["text"] == streamed
    usage = final["usage"]
    # The Responses spec's convention: output tokens include the reasoning ones.
    assert usage["output_tokens_details"]["reasoning_tokens"] == 3
    assert usage["output_tokens"] == len(text) + 3
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert usage["cost_in_usd_ticks"] > 0


async def test_the_cache_is_keyed_by_prompt_cache_key(client: httpx.AsyncClient) -> None:
    def cached(response: httpx.Response) -> int:
        usage = events(response.text)[-1][1]["response"]["usage"]
        return int(usage["input_tokens_details"]["cached_tokens"])

    first = await client.post("/v1/responses", json=body(prompt_cache_key="conv-a"))
    assert cached(first) == 0
    again = await client.post("/v1/responses", json=body(prompt_cache_key="conv-a"))
    assert cached(again) > 0
    # The chat header does not route a Responses request: another key is another cache.
    other = await client.post(
        "/v1/responses", json=body(prompt_cache_key="conv-b"), headers={"x-grok-conv-id": "conv-a"}
    )
    assert cached(other) == 0
    stats = (await client.get("/emulator/stats")).json()
    assert stats["requests_by_conv_id"] == {"conv-a": 2, "conv-b": 1}
    assert stats["requests_by_api"] == {"responses": 3}


async def test_the_output_limit_gives_an_incomplete_response(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/responses", json=body(max_output_tokens=1))
    name, data = events(response.text)[-1]
    assert name == "response.incomplete"
    assert data["response"]["incomplete_details"] == {"reason": "max_output_tokens"}
    assert data["response"]["usage"]["output_tokens"] == 1


async def test_a_non_streamed_response_is_one_response_object(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/responses", json=body(stream=False))
    answer = response.json()
    assert answer["object"] == "response" and answer["status"] == "completed"
    assert answer["output"][0]["content"][0]["text"]
    assert answer["usage"]["input_tokens"] > 0


@pytest.mark.parametrize(
    ("changes", "status", "says"),
    [
        ({"input": []}, 400, "`input` must be"),
        ({"input": 7}, 400, "`input` must be"),
        ({"model": "grok-9"}, 404, "grok-9"),
        ({"reasoning": {"effort": "low"}}, 400, "not supported on this model: reasoning_effort"),
        ({"max_output_tokens": 0}, 400, "max_tokens"),
    ],
)
async def test_bad_requests_get_xai_shaped_errors(
    client: httpx.AsyncClient, changes: dict[str, Any], status: int, says: str
) -> None:
    response = await client.post("/v1/responses", json=body(**changes))
    assert response.status_code == status
    error = response.json()
    assert set(error) == {"code", "error"} and says in error["error"]


async def test_a_malformed_fault_garbles_the_event_after_its_tokens(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/emulator/faults", json={"kind": "malformed", "afterTokens": 1})
    blocks = (await client.post("/v1/responses", json=body())).text.split("\n\n")
    broken = [i for i, block in enumerate(blocks) if block and not _parses(block)]
    assert len(broken) == 1
    before = [json.loads(b.split("data: ", 1)[1])["type"] for b in blocks[: broken[0]]]
    assert before.count("response.output_text.delta") == 1
    assert (await client.get("/emulator/stats")).json()["faults_served"] == 1


def _parses(block: str) -> bool:
    try:
        json.loads(block.split("data: ", 1)[1])
    except ValueError:
        return False
    return True


async def test_the_provider_reads_what_the_emulator_streams() -> None:
    config = FAST.model_copy(update={"reasoning_tokens": 2})
    provider = ProviderClient(
        "http://emulator/v1",
        "xai-key",
        timeout=httpx.Timeout(5.0),
        transport=httpx.ASGITransport(create_app(config)),
        api="responses",
    )
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "x = "}]
    request = ChatRequest("grok-4.3", messages, 64, reasoning_effort="none", conv_id="conv-1")
    try:
        async with provider.stream_chat(request) as stream:
            deltas = [delta async for delta in stream]
    finally:
        await provider.aclose()
    assert "".join(d.content for d in deltas)
    assert sum(bool(d.reasoning) for d in deltas) == 2
    assert stream.done and stream.model == "grok-lsp-emulator"
    assert stream.usage is not None
    assert stream.usage.reasoning_tokens == 2
    assert stream.usage.completion_tokens == sum(bool(d.content) for d in deltas)
    assert stream.usage.cost_in_usd_ticks
