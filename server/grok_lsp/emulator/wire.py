"""xAI's chat-completions shapes: chunks, usage with cost, and the timed steps of a response.

Chunks match the recorded xAI streams (`/work/shared/fixtures/xai-streams`): the role rides on
the first delta, `reasoning_content` deltas come before `content`, a chunk with only
`finish_reason`, then (with `stream_options.include_usage`) a chunk with `"choices": []` and the
usage, then `data: [DONE]`. Reasoning tokens are billed at the output rate and reported outside
`completion_tokens`, so `total_tokens = prompt + completion + reasoning`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from grok_lsp.emulator.faults import Fault

MODEL = "grok-lsp-emulator"
MODELS = (
    "grok-code-fast-1",
    "grok-build-0.1",
    "grok-4.3",
    "grok-4.20-0309-non-reasoning",
    MODEL,
)
CODE_MODELS = frozenset({"grok-code-fast-1", "grok-build-0.1"})
UNSUPPORTED_BY_CODE_MODELS = ("stop", "presence_penalty", "frequency_penalty", "reasoning_effort")
FINGERPRINT = "fp_emulator"
DONE = b"data: [DONE]\n\n"
Ending = Literal["done", "cut", "hang"]
API = Literal["chat", "responses"]


class Prices(NamedTuple):
    """USD per million tokens (grok-code-fast-1's launch prices by default); one tick is
    1e-10 USD, so a token costs `price * 1e4` ticks."""

    input: float = 0.20
    cached_input: float = 0.02
    output: float = 1.50


CODE_FAST_PRICES = Prices()


def cost_ticks(prompt: int, cached: int, output: int, prices: Prices = CODE_FAST_PRICES) -> int:
    usd_per_million = (
        (prompt - cached) * prices.input + cached * prices.cached_input + output * prices.output
    )
    return round(usd_per_million * 10_000)


def usage(prompt: int, cached: int, completion: int, reasoning: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion + reasoning,
        "prompt_tokens_details": {
            "text_tokens": prompt,
            "audio_tokens": 0,
            "image_tokens": 0,
            "cached_tokens": cached,
        },
        "completion_tokens_details": {
            "reasoning_tokens": reasoning,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
        "num_sources_used": 0,
        "cost_in_usd_ticks": cost_ticks(prompt, cached, completion + reasoning),
    }


@dataclass(frozen=True)
class Generation:
    id: str
    created: int
    reasoning: list[str]
    content: list[str]
    finish_reason: Literal["stop", "length"]
    usage: dict[str, Any]


@dataclass(frozen=True)
class Step:
    """Wait `delay` seconds, then send `data`; `token` says what kind of token it carries."""

    delay: float
    data: bytes
    token: Literal["reasoning", "content"] | None = None


def sse(payload: dict[str, Any]) -> bytes:
    return (
        b"data: "
        + json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        + b"\n\n"
    )


def _chunk(gen: Generation, choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "id": gen.id,
        "object": "chat.completion.chunk",
        "created": gen.created,
        "model": MODEL,
        "choices": choices,
        **extra,
        "system_fingerprint": FINGERPRINT,
    }


def stream_steps(
    gen: Generation, first: float, interval: float, include_usage: bool, fault: Fault | None
) -> tuple[list[Step], Ending]:
    """The SSE events of a streamed answer, timed, with a stream fault applied."""
    if fault is not None and fault.kind == "hang":
        return [], "hang"
    tokens: list[tuple[Literal["reasoning", "content"], str]] = [
        *(("reasoning", t) for t in gen.reasoning),
        *(("content", t) for t in gen.content),
    ] or [("content", "")]
    steps: list[Step] = []
    for i, (kind, text) in enumerate(tokens):
        delta: dict[str, Any] = {"reasoning_content" if kind == "reasoning" else "content": text}
        if i == 0:
            delta["role"] = "assistant"
        choice = {"index": 0, "delta": delta}
        token: Literal["reasoning", "content"] | None = kind if text else None
        steps.append(Step(first if i == 0 else interval, sse(_chunk(gen, [choice])), token))
    if fault is not None and fault.kind in ("cut_stream", "malformed"):
        content_at = [i for i, step in enumerate(steps) if step.token == "content"]
        at = content_at[fault.after_tokens] if fault.after_tokens < len(content_at) else len(steps)
        if fault.kind == "cut_stream":
            return steps[:at], "cut"
        steps.insert(at, Step(0.0, b'data: {"id": "' + gen.id.encode() + b'", "choices": [\n\n'))
    finish = {"index": 0, "delta": {}, "finish_reason": gen.finish_reason}
    steps.append(Step(0.0, sse(_chunk(gen, [finish]))))
    if include_usage:
        steps.append(Step(0.0, sse(_chunk(gen, [], usage=gen.usage))))
    steps.append(Step(0.0, DONE))
    return steps, "done"


def completion_steps(
    gen: Generation, delay: float, fault: Fault | None
) -> tuple[list[Step], Ending]:
    """The one JSON body of a non-streamed answer, sent after `delay`, with a fault applied."""
    message = {"role": "assistant", "content": "".join(gen.content), "refusal": None}
    body = {
        "id": gen.id,
        "object": "chat.completion",
        "created": gen.created,
        "model": MODEL,
        "choices": [{"index": 0, "message": message, "finish_reason": gen.finish_reason}],
        "usage": gen.usage,
        "system_fingerprint": FINGERPRINT,
    }
    return one_body_steps(json.dumps(body, ensure_ascii=False).encode(), delay, fault)


def one_body_steps(data: bytes, delay: float, fault: Fault | None) -> tuple[list[Step], Ending]:
    """A whole JSON body sent after `delay`; a stream fault sends half of it (or nothing)."""
    if fault is not None and fault.kind == "hang":
        return [], "hang"
    if fault is not None and fault.kind in ("cut_stream", "malformed"):
        half = Step(delay, data[: len(data) // 2])
        return [half], "cut" if fault.kind == "cut_stream" else "done"
    return [Step(delay, data)], "done"
