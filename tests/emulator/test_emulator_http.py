"""The xAI wire protocol as the emulator speaks it, through httpx's ASGI transport."""

from __future__ import annotations

import argparse
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from grok_lsp.emulator import EmulatorConfig, create_app
from grok_lsp.emulator.__main__ import add_arguments, config_from_args
from grok_lsp.emulator.tokens import prompt_tokens
from grok_lsp.emulator.wire import Prices, cost_ticks

# The usage chunk of a real grok-3-mini stream (vercel/ai fixtures, Apache-2.0).
RECORDED_USAGE_CHUNK = json.loads(
    '{"id":"7327b9f5-1c2f-0a15-3fef-c14a71c460d3","object":"chat.completion.chunk",'
    '"created":1770774061,"model":"grok-3-mini","choices":[],"usage":{"prompt_tokens":12,'
    '"completion_tokens":1,"total_tokens":303,"prompt_tokens_details":{"text_tokens":12,'
    '"audio_tokens":0,"image_tokens":0,"cached_tokens":11},"completion_tokens_details":'
    '{"reasoning_tokens":290,"audio_tokens":0,"accepted_prediction_tokens":0,'
    '"rejected_prediction_tokens":0},"num_sources_used":0,"cost_in_usd_ticks":1466250},'
    '"system_fingerprint":"fp_2a885414fb"}'
)
SYSTEM = "You are a code completion engine. " * 40
FAST = EmulatorConfig(ttft_ms=0, tokens_per_second=0)


def body(messages: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "model": "grok-code-fast-1",
        "messages": messages,
        "stream": True,
        "stream_options": {"include_usage": True},
        **extra,
    }


def events(text: str) -> list[str]:
    """A minimal SSE split: the `data:` payload of each event."""
    return [b.removeprefix("data: ") for b in text.split("\n\n") if b.startswith("data: ")]


def usage_of(response: httpx.Response) -> dict[str, Any]:
    last: dict[str, Any] = json.loads(events(response.text)[-2])
    return dict(last["usage"])


async def client_for(config: EmulatorConfig) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(create_app(config))
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
        yield client


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async for c in client_for(FAST):
        yield c


async def test_models_list(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/models")
    assert response.json()["object"] == "list"
    ids = {m["id"] for m in response.json()["data"]}
    assert {"grok-code-fast-1", "grok-build-0.1", "grok-4.3", "grok-lsp-emulator"} <= ids


async def test_stream_is_shaped_like_xai() -> None:
    async for client in client_for(FAST.updated({"reasoningTokens": 3})):
        messages = [{"role": "user", "content": "hello"}]
        response = await client.post("/v1/chat/completions", json=body(messages))
    assert response.headers["content-type"].startswith("text/event-stream")
    data = events(response.text)
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    for chunk in chunks:
        assert set(chunk) >= {"id", "object", "created", "model", "choices", "system_fingerprint"}
        assert chunk["object"] == "chat.completion.chunk"
        assert chunk["model"] == "grok-lsp-emulator"
        assert chunk["id"] == chunks[0]["id"]
    deltas = [c["choices"][0]["delta"] for c in chunks[:-2]]
    assert deltas[0]["role"] == "assistant"
    assert all("reasoning_content" in d for d in deltas[:3])
    assert all(set(d) - {"role"} == {"content"} for d in deltas[3:])
    assert chunks[-2]["choices"] == [{"index": 0, "delta": {}, "finish_reason": "stop"}]
    assert chunks[-1]["choices"] == []
    usage = chunks[-1]["usage"]
    recorded = RECORDED_USAGE_CHUNK["usage"]
    assert set(usage) == set(recorded)
    for key in ("prompt_tokens_details", "completion_tokens_details"):
        assert set(usage[key]) == set(recorded[key])
    content = "".join(d.get("content", "") for d in deltas)
    assert "emulator" in content
    assert usage["completion_tokens"] == len(deltas) - 3
    assert usage["completion_tokens_details"]["reasoning_tokens"] == 3
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] + 3


async def test_no_usage_chunk_unless_asked(client: httpx.AsyncClient) -> None:
    request = body([{"role": "user", "content": "hi"}])
    del request["stream_options"]
    response = await client.post("/v1/chat/completions", json=request)
    assert all("usage" not in json.loads(d) for d in events(response.text)[:-1])


def test_cost_matches_the_recorded_stream() -> None:
    grok_3_mini = Prices(input=0.30, cached_input=0.075, output=0.50)
    assert cost_ticks(12, 11, 1 + 290, grok_3_mini) == 1466250
    assert cost_ticks(291, 290, 26 + 196, grok_3_mini) == 1330500  # the tool-call recording
    assert cost_ticks(1_000_000, 0, 0) == 2_000_000_000  # $0.20 per million fresh input


async def test_non_streamed_completion(client: httpx.AsyncClient) -> None:
    request = body([{"role": "user", "content": "hi"}], stream=False)
    response = await client.post("/v1/chat/completions", json=request)
    result = response.json()
    assert result["object"] == "chat.completion"
    assert result["model"] == "grok-lsp-emulator"
    assert result["choices"][0]["message"]["role"] == "assistant"
    assert result["choices"][0]["finish_reason"] == "stop"
    assert result["usage"]["prompt_tokens"] == len(prompt_tokens(request["messages"]))


async def test_max_tokens_counts_reasoning_first() -> None:
    async for client in client_for(FAST.updated({"reasoningTokens": 10})):
        messages = [{"role": "user", "content": "hello"}]
        short = await client.post("/v1/chat/completions", json=body(messages, max_tokens=4))
        longer = await client.post("/v1/chat/completions", json=body(messages, max_tokens=13))
    assert json.loads(events(short.text)[-3])["choices"][0]["finish_reason"] == "length"
    assert usage_of(short)["completion_tokens_details"]["reasoning_tokens"] == 4
    assert usage_of(short)["completion_tokens"] == 0
    assert usage_of(longer)["completion_tokens_details"]["reasoning_tokens"] == 10
    assert usage_of(longer)["completion_tokens"] == 3


async def test_cached_tokens_grow_as_a_conversation_appends() -> None:
    size = 16
    async for client in client_for(FAST.updated({"blockTokens": size})):
        turns = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "first"}]
        headers = {"x-grok-conv-id": "file-a"}
        previous = 0
        for round_ in range(3):
            response = await client.post("/v1/chat/completions", json=body(turns), headers=headers)
            usage = usage_of(response)
            n = len(prompt_tokens(turns))
            assert usage["prompt_tokens"] == n
            expected = 0 if round_ == 0 else size * min(previous // size, (n - 1) // size)
            assert usage["prompt_tokens_details"]["cached_tokens"] == expected
            previous = n
            turns = [
                *turns,
                {"role": "assistant", "content": "ok"},
                {"role": "user", "content": "more"},
            ]
        other = await client.post(
            "/v1/chat/completions", json=body(turns), headers={"x-grok-conv-id": "b"}
        )
        assert usage_of(other)["prompt_tokens_details"]["cached_tokens"] == 0
        edited = [{"role": "system", "content": "Now: 12:00. " + SYSTEM}, *turns[1:]]
        response = await client.post("/v1/chat/completions", json=body(edited), headers=headers)
        assert usage_of(response)["prompt_tokens_details"]["cached_tokens"] == 0
        stats = (await client.get("/emulator/stats")).json()
    assert stats["requests_by_conv_id"] == {"file-a": 4, "b": 1}
    assert stats["cached_tokens"] > 0


@pytest.mark.parametrize(
    "param", ["stop", "presence_penalty", "frequency_penalty", "reasoning_effort"]
)
async def test_code_models_reject_unsupported_params(client: httpx.AsyncClient, param: str) -> None:
    value: Any = "low" if param == "reasoning_effort" else ["\n"] if param == "stop" else 0.5
    request = body([{"role": "user", "content": "hi"}], **{param: value})
    response = await client.post("/v1/chat/completions", json=request)
    assert response.status_code == 400
    assert response.json()["code"] == "Client specified an invalid argument"
    assert param in response.json()["error"]
    request["model"] = "grok-4.3"
    assert (await client.post("/v1/chat/completions", json=request)).status_code == 200


async def test_unknown_model_is_404(client: httpx.AsyncClient) -> None:
    request = body([{"role": "user", "content": "hi"}], model="grok-xyz")
    response = await client.post("/v1/chat/completions", json=request)
    assert response.status_code == 404
    assert "The model grok-xyz does not exist" in response.json()["error"]


async def test_bad_requests_are_400(client: httpx.AsyncClient) -> None:
    bad = [b"not json", b"[]", json.dumps({"model": "grok-code-fast-1"}).encode()]
    for content in bad:
        response = await client.post("/v1/chat/completions", content=content)
        assert response.status_code == 400
        assert set(response.json()) == {"code", "error"}


async def test_required_key() -> None:
    async for client in client_for(FAST.updated({"requireApiKey": "xai-right-key"})):
        request = body([{"role": "user", "content": "hi"}])
        missing = await client.post("/v1/chat/completions", json=request)
        wrong = await client.post(
            "/v1/chat/completions", json=request, headers={"authorization": "Bearer xai-wrong-key"}
        )
        right = await client.post(
            "/v1/chat/completions", json=request, headers={"authorization": "Bearer xai-right-key"}
        )
        shown = (await client.get("/emulator/config")).text
    assert missing.status_code == 401
    assert wrong.status_code == 400
    assert wrong.json()["error"].startswith("Incorrect API key provided: xa***ey.")
    assert right.status_code == 200
    assert "xai-right-key" not in shown


async def test_stats_never_show_the_key(client: httpx.AsyncClient) -> None:
    request = body([{"role": "user", "content": "hi"}])
    headers = {"Authorization": "Bearer xai-SECRET-0123456789"}
    await client.post("/v1/chat/completions", json=request, headers=headers)
    stats = await client.get("/emulator/stats")
    assert "SECRET" not in stats.text
    last = stats.json()["last_request"]
    assert last["headers"]["authorization"] == "REDACTED"
    assert last["body"] == request
    assert stats.json()["requests"] == 1
    assert stats.json()["streams_completed"] == 1


async def test_config_updates_and_reset(client: httpx.AsyncClient) -> None:
    response = await client.post("/emulator/config", json={"ttftMs": 5, "tokens_per_second": 7})
    assert response.json()["ttftMs"] == 5
    assert response.json()["tokensPerSecond"] == 7
    assert (await client.post("/emulator/config", json={"nope": 1})).status_code == 400
    assert (await client.post("/emulator/config", json={"blockTokens": 0})).status_code == 400
    await client.post("/emulator/oracle", json={"texts": ["x"]})
    await client.post("/emulator/faults", json={"kind": "server_error"})
    await client.post("/emulator/reset")
    stats = (await client.get("/emulator/stats")).json()
    assert stats["requests"] == 0 and stats["faults_pending"] == 0
    assert (await client.delete("/emulator/oracle")).json() == {"texts": 0}


async def test_oracle_route_drives_inline_answers(client: httpx.AsyncClient) -> None:
    oracle = "def area(radius):\n    return math.pi * radius ** 2\n"
    assert (await client.post("/emulator/oracle", json={"texts": [oracle]})).status_code == 200
    region = (
        '<cursor_region path="a.py" language="python">\n'
        "def area(radius):\n    return <|cursor|>\n</cursor_region>"
    )
    request = body([{"role": "user", "content": region}], stream=False)
    response = await client.post("/v1/chat/completions", json=request)
    assert response.json()["choices"][0]["message"]["content"] == "math.pi * radius ** 2"
    assert (await client.post("/emulator/oracle", json={"texts": "x"})).status_code == 400


async def test_unknown_route_is_an_xai_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/nothing")
    assert response.status_code == 404
    assert set(response.json()) == {"code", "error"}


def test_cli_arguments_build_a_config() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    ns = parser.parse_args(
        ["--port", "9000", "--ttft-ms", "20", "--tps", "0", "--reasoning-tokens", "5"]
    )
    config = config_from_args(ns)
    assert (ns.host, ns.port) == ("127.0.0.1", 9000)
    assert (config.ttft_ms, config.tokens_per_second, config.reasoning_tokens) == (20, 0, 5)


def test_first_token_delay_includes_prefill_of_uncached_tokens() -> None:
    config = EmulatorConfig(ttft_ms=100, prefill_ms_per_1k_uncached=50, tokens_per_second=200)
    assert config.first_token_delay(0) == pytest.approx(0.1)
    assert config.first_token_delay(2000) == pytest.approx(0.2)
    assert config.token_interval() == pytest.approx(0.005)
    assert config.updated({"tokensPerSecond": 0}).token_interval() == 0
