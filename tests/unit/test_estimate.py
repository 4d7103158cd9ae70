"""Usage estimates where the API sent none: calibrated tokens, cached share per conversation."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from grok_lsp.estimate import CHARS_PER_TOKEN, Exchange, UsageEstimator, tokens
from grok_lsp.provider.usage import Usage
from tests.support.streams import FIXTURE_NAMES, fixture_lines


def test_chars_per_token_matches_the_recorded_streams() -> None:
    """xAI streams one token per delta: the deltas' text is what a token holds."""
    texts = [
        delta[key]
        for name in FIXTURE_NAMES
        for line in fixture_lines(name)
        for choice in json.loads(line).get("choices") or []
        for delta in [choice.get("delta") or {}]
        for key in ("content", "reasoning_content")
        if delta.get(key)
    ]
    measured = sum(map(len, texts)) / len(texts)
    assert abs(measured - CHARS_PER_TOKEN) < 0.05


def test_an_exchange_with_usage_is_taken_as_reported() -> None:
    estimator = UsageEstimator()
    reported = Usage(prompt_tokens=1000, cached_tokens=900, completion_tokens=5)
    assert estimator.usage(Exchange("conv", 4000, 20, 0, reported)) == (reported, False)


@given(
    st.integers(1, 100_000),
    st.integers(0, 100_000),
    st.integers(0, 400_000),
    st.integers(0, 4000),
    st.integers(0, 4000),
)
def test_the_estimate_follows_the_conversation_s_last_report(
    prompt: int, cached: int, chars: int, content: int, reasoning: int
) -> None:
    estimator = UsageEstimator()
    cached = min(cached, prompt)
    estimator.usage(Exchange("a", 1, usage=Usage(prompt_tokens=prompt, cached_tokens=cached)))
    estimate, estimated = estimator.usage(Exchange("a", chars, content, reasoning))
    assert estimated and estimate.prompt_tokens == tokens(chars)
    assert 0 <= estimate.cached_tokens <= estimate.prompt_tokens
    assert estimate.cached_tokens == round(tokens(chars) * cached / prompt)
    assert estimate.completion_tokens == tokens(content)
    assert estimate.reasoning_tokens == tokens(reasoning)
    # Another conversation, an anonymous request, a forgotten one: nothing known cached.
    assert estimator.usage(Exchange("b", chars))[0].cached_tokens == 0
    assert estimator.usage(Exchange(None, chars))[0].cached_tokens == 0
    estimator.forget("a")
    assert estimator.usage(Exchange("a", chars))[0].cached_tokens == 0
