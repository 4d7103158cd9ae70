"""Parsing one `chat.completion.chunk` (the `data` of one SSE event)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from grok_lsp.provider.errors import MalformedStreamError, error_from_payload
from grok_lsp.provider.redact import redact
from grok_lsp.provider.usage import Usage

_PREVIEW = 80


@dataclass(frozen=True, slots=True)
class StreamDelta:
    content: str = ""
    reasoning: str = ""
    finish_reason: str | None = None
    model: str | None = None
    usage: Usage | None = None


class EventParser(Protocol):
    """Reads the data of one SSE event (a chat chunk here, a Responses API event elsewhere)."""

    def __call__(self, data: str, *, secret: str | None = None) -> StreamDelta: ...


def parse_chunk(data: str, *, secret: str | None = None) -> StreamDelta:
    """Parse one chunk. Tool calls and unknown fields are ignored; fields of the wrong type
    count as absent. An error object sent mid-stream is raised as the matching ProviderError
    (with `secret` redacted); data that is not a JSON object raises MalformedStreamError."""
    obj = decode_object(data, secret=secret)
    if obj.get("error") is not None:
        raise error_from_payload(obj, secret=secret)
    choice = _first_choice(obj.get("choices"))
    delta = choice.get("delta")
    if not isinstance(delta, Mapping):
        delta = {}
    usage = obj.get("usage")
    return StreamDelta(
        content=as_str(delta.get("content")) or "",
        reasoning=as_str(delta.get("reasoning_content")) or "",
        finish_reason=as_str(choice.get("finish_reason")),
        model=as_str(obj.get("model")),
        usage=Usage.from_json(usage) if isinstance(usage, Mapping) else None,
    )


def decode_object(data: str, *, secret: str | None = None) -> dict[str, Any]:
    """The JSON object one SSE event carries; anything else raises MalformedStreamError."""
    try:
        obj = json.loads(data)
    except ValueError:
        raise MalformedStreamError(f"stream data is not JSON: {_preview(data, secret)}") from None
    if not isinstance(obj, dict):
        raise MalformedStreamError(f"stream data is not a JSON object: {_preview(data, secret)}")
    return obj


def _first_choice(choices: object) -> Mapping[str, Any]:
    # `choices` is empty in the usage-only last chunk.
    if isinstance(choices, list) and choices and isinstance(choices[0], Mapping):
        return choices[0]
    return {}


def as_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _preview(data: str, secret: str | None) -> str:
    return repr(redact(data, secret)[:_PREVIEW])
