"""Injected faults, each served to the next chat request(s), and xAI-shaped error responses.

`POST /emulator/faults {"kind": "rate_limit", "count": 2, "retryAfter": 2}` queues a fault; the
queue is first in, first out, and a fault with `count: N` is served to N requests in a row.
HTTP faults answer with an error status; stream faults (`cut_stream`, `interrupted`,
`malformed`, `bad_json_content`, `hang`) change what a successful response carries.
"""

from __future__ import annotations

import json
from collections import deque
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from starlette.responses import JSONResponse

FaultKind = Literal[
    "bad_key",
    "unauthorized",
    "forbidden",
    "model_not_found",
    "context_too_long",
    "rate_limit",
    "credits_exhausted",
    "server_error",
    "unavailable",
    "cut_stream",
    "interrupted",
    "malformed",
    "bad_json_content",
    "hang",
]
ErrorShape = Literal["xai", "openai"]

# xAI's "code" is the gRPC status description; OpenAI's nested shape has a type and a code.
_STATUS: dict[int, tuple[str, str]] = {
    400: ("Client specified an invalid argument", "invalid_request_error"),
    401: ("The request does not have valid authentication credentials", "authentication_error"),
    403: (
        "The caller does not have permission to execute the specified operation",
        "permission_error",
    ),
    404: ("Some requested entity was not found", "not_found_error"),
    429: ("Some resource has been exhausted", "rate_limit_error"),
    500: ("Internal error", "server_error"),
    503: ("The service is currently unavailable", "server_error"),
}
TEAM = "00000000-0000-4000-8000-000000000e11"


class Fault(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    kind: FaultKind
    count: int = Field(default=1, ge=1)
    retry_after: float | None = Field(default=None, ge=0)
    """Seconds for a `retry-after` header (rate_limit, unavailable); none when absent."""
    after_tokens: int = Field(default=0, ge=0)
    """Content tokens sent before `cut_stream` cuts, `interrupted` ends or `malformed` garbles
    the stream."""
    shape: ErrorShape = "xai"


class FaultQueue:
    def __init__(self) -> None:
        self._queue: deque[Fault] = deque()

    def push(self, fault: Fault) -> None:
        self._queue.append(fault)

    def take(self) -> Fault | None:
        """The fault for this request, if any; a fault leaves the queue after `count` uses."""
        if not self._queue:
            return None
        head = self._queue[0]
        if head.count <= 1:
            return self._queue.popleft()
        self._queue[0] = head.model_copy(update={"count": head.count - 1})
        return head.model_copy(update={"count": 1})

    def pending(self) -> list[Fault]:
        return list(self._queue)

    def clear(self) -> None:
        self._queue.clear()


def mask_key(key: str | None) -> str:
    """How xAI echoes a key in an error: `xa***yz`."""
    if not key or len(key) < 6:
        return "xa***yz"
    return f"{key[:2]}***{key[-2:]}"


def error_response(
    status: int,
    message: str,
    *,
    shape: ErrorShape = "xai",
    openai_code: str | None = None,
    retry_after: float | None = None,
) -> JSONResponse:
    code, kind = _STATUS[status]
    body: dict[str, object]
    if shape == "xai":
        body = {"code": code, "error": message}
    else:
        body = {"error": {"message": message, "type": kind, "code": openai_code}}
    headers = {} if retry_after is None else {"retry-after": f"{retry_after:g}"}
    return JSONResponse(body, status_code=status, headers=headers)


def bad_key(key: str | None, shape: ErrorShape = "xai") -> JSONResponse:
    message = (
        f"Incorrect API key provided: {mask_key(key)}. "
        "You can obtain an API key from https://console.x.ai."
    )
    return error_response(400, message, shape=shape, openai_code="invalid_api_key")


def missing_key(shape: ErrorShape = "xai") -> JSONResponse:
    message = (
        "No API key provided: send it in the Authorization header as 'Bearer <key>'. "
        "You can obtain an API key from https://console.x.ai."
    )
    return error_response(401, message, shape=shape, openai_code="missing_api_key")


def model_not_found(model: str, shape: ErrorShape = "xai") -> JSONResponse:
    message = f"The model {model} does not exist or your team does not have access to it."
    return error_response(404, message, shape=shape, openai_code="model_not_found")


def context_too_long(limit: int, tokens: int, shape: ErrorShape = "xai") -> JSONResponse:
    message = (
        f"This model's maximum prompt length is {limit} but the request contains {tokens} tokens."
    )
    return error_response(400, message, shape=shape, openai_code="context_length_exceeded")


def fault_response(
    fault: Fault, *, key: str | None, model: str, prompt_tokens: int, max_prompt_tokens: int
) -> JSONResponse | None:
    """The error an HTTP fault answers with; None for the stream faults."""
    shape = fault.shape
    match fault.kind:
        case "bad_key":
            return bad_key(key, shape)
        case "unauthorized":
            return missing_key(shape)
        case "forbidden":
            message = (
                "Your newly created team doesn't have any credits or licenses yet. "
                f"You can purchase those on https://console.x.ai/team/{TEAM}."
            )
            return error_response(403, message, shape=shape, openai_code="permission_denied")
        case "model_not_found":
            return model_not_found(model, shape)
        case "context_too_long":
            tokens = max(prompt_tokens, max_prompt_tokens + 1)
            return context_too_long(max_prompt_tokens, tokens, shape)
        case "rate_limit":
            message = (
                f"Team {TEAM} has exceeded its requests-per-minute limit for model {model}. "
                "Please slow down and retry."
            )
            return error_response(
                429,
                message,
                shape=shape,
                openai_code="rate_limit_exceeded",
                retry_after=fault.retry_after,
            )
        case "credits_exhausted":
            message = (
                f"Your team {TEAM} has either used all available credits or reached its "
                "monthly spending limit. To continue making API requests, please purchase "
                "more credits or raise your spending limit."
            )
            return error_response(429, message, shape=shape, openai_code="insufficient_quota")
        case "server_error":
            return error_response(500, "Internal server error.", shape=shape)
        case "unavailable":
            return error_response(
                503,
                "The service is temporarily unavailable. Please retry.",
                shape=shape,
                retry_after=fault.retry_after,
            )
    return None


def non_json_content(content: str) -> str:
    """What `bad_json_content` sends instead of an edit's JSON: chatter that holds no code."""
    try:
        summary = json.loads(content)["summary"]
    except (ValueError, KeyError, TypeError):
        summary = "a change"
    return f"Sure! I would make {summary!r} there, but I cannot show the code.\n"
