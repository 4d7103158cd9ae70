"""The Responses API (`POST /v1/responses`) in the emulator: its body read as a chat request,
and an answer sent back as typed events.

A request is translated to the chat fields the emulator already checks and answers
(`instructions` becomes a leading system message, `input` the messages, `max_output_tokens`
the limit, `reasoning.effort` a `reasoning_effort`, `prompt_cache_key` the conversation id the
prefix cache is keyed by), so both APIs share one model, one cache and one set of faults.

Events follow OpenAI's Responses streaming shape, which xAI serves: `response.created`, the
reasoning item with `response.reasoning_summary_text.delta`s, the message item with
`response.output_text.delta`s, then `response.completed` (or `response.incomplete` when the
limit cut the answer) carrying the whole response and its usage. No `[DONE]`. Usage follows
that spec too: `output_tokens` include the reasoning tokens, `total = input + output`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from starlette.responses import Response

from grok_lsp.emulator.faults import Fault, error_response
from grok_lsp.emulator.wire import MODEL, Ending, Generation, Step, one_body_steps


def chat_request(body: object) -> tuple[dict[str, Any], str | None] | Response:
    """(the chat-shaped body, the cache key), or the 400 a malformed request gets."""
    if not isinstance(body, dict):
        return error_response(400, "The request body must be a JSON object.")
    instructions = body.get("instructions")
    given = body.get("input")
    items = [{"role": "user", "content": given}] if isinstance(given, str) else given
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        return error_response(400, "`input` must be a string or a non-empty list of messages.")
    system = [{"role": "system", "content": instructions}] if isinstance(instructions, str) else []
    chat = {
        key: value
        for key, value in body.items()
        if key not in ("instructions", "input", "max_output_tokens", "reasoning")
    }
    chat["messages"] = system + items
    if "max_output_tokens" in body:
        chat["max_tokens"] = body["max_output_tokens"]
    reasoning = body.get("reasoning")
    if isinstance(reasoning, Mapping) and reasoning.get("effort") is not None:
        chat["reasoning_effort"] = reasoning["effort"]
    text = body.get("text")
    form = text.get("format") if isinstance(text, Mapping) else None
    if isinstance(form, Mapping) and form.get("type") == "json_schema":
        # Structured outputs, as chat names them; `text` stays, so it can be refused by name.
        schema = {name: value for name, value in form.items() if name != "type"}
        chat["response_format"] = {"type": "json_schema", "json_schema": schema}
    key = body.get("prompt_cache_key")
    return chat, key if isinstance(key, str) and key else None


def usage(chat_usage: Mapping[str, Any]) -> dict[str, Any]:
    """The Responses API's usage for the numbers of a chat usage (`wire.usage`)."""
    reasoning = chat_usage["completion_tokens_details"]["reasoning_tokens"]
    output = chat_usage["completion_tokens"] + reasoning
    return {
        "input_tokens": chat_usage["prompt_tokens"],
        "input_tokens_details": {
            "cached_tokens": chat_usage["prompt_tokens_details"]["cached_tokens"]
        },
        "output_tokens": output,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": chat_usage["prompt_tokens"] + output,
        "cost_in_usd_ticks": chat_usage["cost_in_usd_ticks"],
    }


def stream_steps(
    gen: Generation, first: float, interval: float, fault: Fault | None
) -> tuple[list[Step], Ending]:
    """The events of a streamed answer, timed, with a stream fault applied."""
    if fault is not None and fault.kind == "hang":
        return [], "hang"
    events = _Events(gen)
    steps = [events.step(0.0, "response.created", response=_response(gen, "in_progress"))]
    delay = first
    if gen.reasoning:
        steps.append(events.item_added(0, {"type": "reasoning", "summary": []}))
        for text in gen.reasoning:
            delta = {"output_index": 0, "summary_index": 0, "delta": text}
            steps.append(
                events.step(delay, "response.reasoning_summary_text.delta", "reasoning", **delta)
            )
            delay = interval
    index = 1 if gen.reasoning else 0
    steps.append(events.item_added(index, _message(gen, "")))
    content: list[Step] = []
    for text in gen.content:
        delta = {"output_index": index, "content_index": 0, "delta": text}
        content.append(events.step(delay, "response.output_text.delta", "content", **delta))
        delay = interval
    if fault is not None and fault.kind in ("cut_stream", "malformed"):
        at = min(fault.after_tokens, len(content))
        if fault.kind == "cut_stream":
            return steps + content[:at], "cut"
        content.insert(
            at, Step(0.0, b'event: response.output_text.delta\ndata: {"type": "resp\n\n')
        )
    steps += content
    text = "".join(gen.content)
    steps.append(events.step(0.0, "response.output_text.done", output_index=index, text=text))
    steps.append(events.step(0.0, "response.output_item.done", item=_message(gen, text)))
    ending = "response.completed" if gen.finish_reason == "stop" else "response.incomplete"
    steps.append(events.step(0.0, ending, response=_response(gen, "final")))
    return steps, "done"


def completion_steps(
    gen: Generation, delay: float, fault: Fault | None
) -> tuple[list[Step], Ending]:
    """The one JSON response object of a non-streamed answer."""
    data = json.dumps(_response(gen, "final"), ensure_ascii=False).encode()
    return one_body_steps(data, delay, fault)


class _Events:
    """Numbers the events (`sequence_number`) as they are made."""

    def __init__(self, gen: Generation) -> None:
        self._gen = gen
        self._sequence = 0

    def step(
        self,
        delay: float,
        kind: str,
        token: Literal["reasoning", "content"] | None = None,
        **fields: Any,
    ) -> Step:
        payload = {"type": kind, "sequence_number": self._sequence, **fields}
        self._sequence += 1
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        return Step(delay, f"event: {kind}\ndata: {data}\n\n".encode(), token)

    def item_added(self, index: int, item: dict[str, Any]) -> Step:
        return self.step(0.0, "response.output_item.added", output_index=index, item=item)


def _message(gen: Generation, text: str) -> dict[str, Any]:
    return {
        "type": "message",
        "id": f"msg_{gen.id}",
        "role": "assistant",
        "status": "completed" if text else "in_progress",
        "content": [{"type": "output_text", "text": text, "annotations": []}] if text else [],
    }


def _response(gen: Generation, state: Literal["in_progress", "final"]) -> dict[str, Any]:
    complete = gen.finish_reason == "stop"
    final = state == "final"
    status = "in_progress" if not final else "completed" if complete else "incomplete"
    output = [_message(gen, "".join(gen.content))] if final else []
    if final and gen.reasoning:
        output.insert(0, {"type": "reasoning", "summary": [], "status": "completed"})
    return {
        "id": f"resp_{gen.id}",
        "object": "response",
        "created_at": gen.created,
        "model": MODEL,
        "status": status,
        "incomplete_details": None if complete or not final else {"reason": "max_output_tokens"},
        "output": output,
        "usage": usage(gen.usage) if final else None,
    }
