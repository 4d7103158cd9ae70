"""The Responses API (`POST /v1/responses`): the request body, and its streamed events as deltas.

xAI recommends it over Chat Completions, which it calls deprecated. What differs from chat is
only the body and the events; the transport, errors, early stop, cancellation and usage are
the chat path's (`ProviderClient`, `ChatStream`, `Usage`).

The cached prefix stays the same bytes as on chat: a leading system message (the stable
`SYSTEM` layer) becomes `instructions`, which the server puts first, and every other message
goes into `input` unchanged and in order. Cache routing is the body's `prompt_cache_key`,
set to the conversation id the `x-grok-conv-id` header carries on chat.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grok_lsp.provider.chunks import StreamDelta, as_str, decode_object
from grok_lsp.provider.errors import error_from_payload
from grok_lsp.provider.request import ChatRequest
from grok_lsp.provider.usage import Usage

PATH = "responses"
_TEXT = "response.output_text.delta"
# xAI streams a summary of the reasoning; OpenAI-style servers may stream the reasoning itself.
_REASONING = frozenset({"response.reasoning_summary_text.delta", "response.reasoning_text.delta"})
_STARTED = frozenset({"response.created", "response.in_progress"})
_FINISHED = frozenset({"response.completed", "response.incomplete"})
# `incomplete_details.reason` as the chat API's finish_reason.
_INCOMPLETE_REASONS = {"max_output_tokens": "length", "content_filter": "content_filter"}


def responses_body(request: ChatRequest) -> dict[str, Any]:
    """The JSON body. `store: false`: the answer is not kept on xAI's servers (the default
    keeps it 30 days), since nothing here continues a stored response."""
    messages = [dict(message) for message in request.messages]
    body: dict[str, Any] = {"model": request.model}
    if messages and messages[0].get("role") == "system":
        body["instructions"] = messages.pop(0)["content"]
    body["input"] = messages
    body |= {"stream": True, "store": False, "max_output_tokens": request.max_tokens}
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.reasoning_effort is not None:
        body["reasoning"] = {"effort": request.reasoning_effort}
    if request.conv_id is not None:
        body["prompt_cache_key"] = request.conv_id
    if request.service_tier is not None:
        body["service_tier"] = request.service_tier
    if request.response_format is not None:
        body["text"] = {"format": text_format(request.response_format)}
    return body


def text_format(response_format: Mapping[str, Any]) -> dict[str, Any]:
    """Chat's `response_format` as the Responses API's `text.format`: the same schema, with the
    `json_schema` object's fields (name, schema, strict) one level up."""
    form = dict(response_format)
    inner = form.pop("json_schema", None)
    return form | dict(inner) if isinstance(inner, Mapping) else form


def parse_event(data: str, *, secret: str | None = None) -> StreamDelta:
    """One streamed event as a delta. Unknown events (output items, content parts, `.done`
    events that repeat the text) are empty deltas; `response.failed` and `error` are raised
    as the matching ProviderError; data that is not a JSON object raises MalformedStreamError."""
    event = decode_object(data, secret=secret)
    kind = event.get("type")
    if kind == _TEXT:
        return StreamDelta(content=as_str(event.get("delta")) or "")
    if kind in _REASONING:
        return StreamDelta(reasoning=as_str(event.get("delta")) or "")
    if kind == "error":
        raise error_from_payload(event, secret=secret)
    response = event.get("response")
    if not isinstance(response, Mapping):
        return StreamDelta()
    if kind == "response.failed":
        failure = response.get("error")
        raise error_from_payload(
            {"error": failure} if isinstance(failure, Mapping) else {}, secret=secret
        )
    model = as_str(response.get("model"))
    if kind in _STARTED:
        return StreamDelta(model=model)
    if kind not in _FINISHED:
        return StreamDelta()
    usage = response.get("usage")
    return StreamDelta(
        finish_reason=_finish_reason(response),
        model=model,
        usage=Usage.from_responses_json(usage) if isinstance(usage, Mapping) else None,
    )


def _finish_reason(response: Mapping[str, Any]) -> str:
    if response.get("status") != "incomplete":
        return "stop"
    details = response.get("incomplete_details")
    reason = as_str(details.get("reason")) if isinstance(details, Mapping) else None
    return _INCOMPLETE_REASONS.get(reason or "", reason or "length")
