"""Usage and parse_chunk on the recorded xAI streams, and Usage on odd input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grok_lsp.pricing import cost_usd
from grok_lsp.provider.chunks import StreamDelta, parse_chunk
from grok_lsp.provider.usage import Usage

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO.parent / "shared" / "fixtures" / "xai-streams"


def fixture_lines(name: str) -> list[str]:
    path = FIXTURES / name
    if not path.is_file():
        pytest.skip(f"recorded xAI stream {path} not found (/work/shared, beside the repo)")
    return path.read_text(encoding="utf-8").splitlines()


def parse_fixture(name: str) -> list[StreamDelta]:
    return [parse_chunk(line) for line in fixture_lines(name)]


def last_usage(deltas: list[StreamDelta]) -> Usage | None:
    usages = [delta.usage for delta in deltas if delta.usage is not None]
    return usages[-1] if usages else None


def test_grok_3_mini_text() -> None:
    deltas = parse_fixture("grok-3-mini-text.jsonl")
    assert "".join(d.reasoning for d in deltas) == "First, the user said"
    assert "".join(d.content for d in deltas) == "Hello"
    assert [d.finish_reason for d in deltas if d.finish_reason] == ["stop"]
    assert {d.model for d in deltas} == {"grok-3-mini"}
    # usage comes only in the last chunk, whose `choices` is empty
    assert [d.usage is not None for d in deltas] == [False] * 7 + [True]
    assert deltas[-1] == StreamDelta(model="grok-3-mini", usage=deltas[-1].usage)
    usage = last_usage(deltas)
    assert usage == Usage(
        prompt_tokens=12,
        cached_tokens=11,
        completion_tokens=1,
        reasoning_tokens=290,
        cost_in_usd_ticks=1466250,
    )
    assert usage.cost_usd == pytest.approx(0.000146625, rel=1e-12)
    assert usage.output_tokens_billed == 291
    # xAI counts reasoning outside completion_tokens: prompt + completion + reasoning = total.
    total = json.loads(fixture_lines("grok-3-mini-text.jsonl")[-1])["usage"]["total_tokens"]
    assert usage.prompt_tokens + usage.output_tokens_billed == total == 303


def test_grok_3_mini_tool_call() -> None:
    deltas = parse_fixture("grok-3-mini-tool-call.jsonl")
    assert "".join(d.reasoning for d in deltas) == "First, the user is"
    assert "".join(d.content for d in deltas) == ""  # the tool call itself is ignored
    assert [d.finish_reason for d in deltas if d.finish_reason] == ["tool_calls"]
    usage = last_usage(deltas)
    assert usage == Usage(
        prompt_tokens=291,
        cached_tokens=290,
        completion_tokens=26,
        reasoning_tokens=196,
        cost_in_usd_ticks=1330500,
    )
    assert usage.prompt_tokens + usage.output_tokens_billed == 513
    assert usage.cost_usd == pytest.approx(0.00013305, rel=1e-12)


def test_gateway_usage_in_the_finish_reason_chunk() -> None:
    deltas = parse_fixture("gateway-grok-4.1-fast-non-reasoning.jsonl")
    assert "".join(d.content for d in deltas) == "OK"
    assert "".join(d.reasoning for d in deltas) == ""
    final = deltas[-1]
    assert final.finish_reason == "stop"
    assert final.model == "spacexai/grok-4.1-fast-non-reasoning"
    # No cost_in_usd_ticks from the gateway (its own USD `cost` field is not read).
    assert final.usage == Usage(prompt_tokens=675, cached_tokens=674, completion_tokens=1)
    assert final.usage.cost_usd is None
    assert final.usage.output_tokens_billed == 1


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        ({}, Usage()),
        ({"prompt_tokens": None, "prompt_tokens_details": None}, Usage()),
        ({"prompt_tokens_details": {}, "completion_tokens_details": {}}, Usage()),
        ({"prompt_tokens_details": [], "completion_tokens_details": "x"}, Usage()),
        ({"prompt_tokens": "12", "completion_tokens": 1.5, "cost_in_usd_ticks": "9"}, Usage()),
        ({"prompt_tokens": True, "cost_in_usd_ticks": False}, Usage()),
        (
            {"prompt_tokens": 5, "completion_tokens_details": {"reasoning_tokens": 7}},
            Usage(prompt_tokens=5, reasoning_tokens=7),
        ),
        ({"cost_in_usd_ticks": 0}, Usage(cost_in_usd_ticks=0)),
    ],
)
def test_from_json_is_tolerant(obj: dict[str, Any], expected: Usage) -> None:
    assert Usage.from_json(obj) == expected


def test_cost_usd() -> None:
    assert Usage().cost_usd is None
    assert Usage(cost_in_usd_ticks=0).cost_usd == 0.0
    assert Usage(cost_in_usd_ticks=10_000_000_000).cost_usd == 1.0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "prompt_tokens",
                    "completion_tokens",
                    "prompt_tokens_details",
                    "completion_tokens_details",
                    "cached_tokens",
                    "reasoning_tokens",
                    "cost_in_usd_ticks",
                    "input_tokens",
                    "output_tokens",
                    "total_tokens",
                    "input_tokens_details",
                    "output_tokens_details",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@given(obj=st.dictionaries(st.text(max_size=30), json_values, max_size=6) | json_values)
def test_from_json_never_raises(obj: Any) -> None:
    for usage in (Usage.from_json(obj), Usage.from_responses_json(obj)):
        assert all(
            isinstance(value, int) and not isinstance(value, bool)
            for value in (
                usage.prompt_tokens,
                usage.cached_tokens,
                usage.completion_tokens,
                usage.reasoning_tokens,
            )
        )


@pytest.mark.parametrize("model", ["grok-code-fast-1", "grok-code-fast-1-0825", "grok-4.3"])
def test_the_retired_grok_code_fast_1_costs_what_grok_4_3_serving_it_costs(model: str) -> None:
    million = 1_000_000
    usage = Usage(prompt_tokens=2 * million, cached_tokens=million, completion_tokens=million)
    assert cost_usd(usage, model, {}) == pytest.approx(1.25 + 0.20 + 2.50)
    # The API's own figure wins over any table.
    ticks = Usage(prompt_tokens=million, cost_in_usd_ticks=5_000_000_000)
    assert cost_usd(ticks, model, {}) == pytest.approx(0.5)


def test_parse_chunk_ignores_odd_shapes() -> None:
    assert parse_chunk('{"choices": "no", "usage": 3, "model": 7}') == StreamDelta()
    assert parse_chunk('{"choices": [{"delta": null, "finish_reason": null}]}') == StreamDelta()
    assert parse_chunk('{"choices": [{"delta": {"content": null, "role": "assistant"}}]}') == (
        StreamDelta()
    )
    assert parse_chunk('{"error": null, "choices": [{"delta": {"content": "x"}}]}') == (
        StreamDelta(content="x")
    )
