"""What is asked of the model: one chat request, and its JSON body on Chat Completions.

Apart from the client (`client.py`) so that the features and the pipeline, which build
requests, load without httpx: the client, and httpx with it, are loaded when the server
builds its client, after `initialize` is answered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

HEADER_TOKEN = re.compile(r"[\x21-\x7e]+")  # visible ASCII: what a header value can carry as is


@dataclass(frozen=True, slots=True)
class ChatRequest:
    model: str
    messages: Sequence[Mapping[str, str]]  # {"role": ..., "content": ...}
    max_tokens: int
    temperature: float | None = None
    # Sent only when the model, or the model the API said served it, accepts it.
    reasoning_effort: str | None = None
    conv_id: str | None = None  # -> header "x-grok-conv-id"; visible ASCII only
    service_tier: str | None = None
    response_format: Mapping[str, Any] | None = None  # structured outputs, where accepted

    def __post_init__(self) -> None:
        if self.conv_id is not None and not HEADER_TOKEN.fullmatch(self.conv_id):
            raise ValueError("conv_id must be non-empty visible ASCII (it is sent as a header)")

    def body(self) -> dict[str, Any]:
        """The JSON body. Never `stop` or penalties: output is cut client-side."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [dict(message) for message in self.messages],
            "stream": True,
            "stream_options": {"include_usage": True},
            "max_tokens": self.max_tokens,
        }
        if self.temperature is not None:
            body["temperature"] = self.temperature
        if self.reasoning_effort is not None:
            body["reasoning_effort"] = self.reasoning_effort
        if self.service_tier is not None:
            body["service_tier"] = self.service_tier
        if self.response_format is not None:
            body["response_format"] = dict(self.response_format)
        return body
