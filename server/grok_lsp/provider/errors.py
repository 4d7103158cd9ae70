"""Typed provider errors, and how an error response (or an error inside a stream) maps to them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from grok_lsp.provider.error_bodies import (
    body_message,
    parse_retry_after,
    payload_message,
    payload_status,
)
from grok_lsp.provider.redact import redact

if TYPE_CHECKING:
    import httpx


class ProviderError(Exception):
    """Base class. `message` is the API's own text, with the API key redacted."""

    retryable: ClassVar[bool] = False

    def __init__(
        self, message: str, *, status_code: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.retry_after = retry_after


class AuthenticationError(ProviderError):
    """Bad, missing or blocked key. xAI answers a bad key with 400, a missing one with 401."""


class ModelNotFoundError(ProviderError):
    """Unknown model (or route: a wrong base URL also gives 404)."""


class ContextTooLongError(ProviderError):
    """The prompt exceeds the model's maximum prompt length."""


class BadRequestError(ProviderError):
    """Any other request the API refused (400, 422, other 4xx)."""


class RateLimitError(ProviderError):
    retryable = True


class CreditsExhaustedError(ProviderError):
    """429 for no credits left or the spending limit reached: retrying will not help."""


class ServerError(ProviderError):
    retryable = True


class ProviderTimeoutError(ProviderError):
    retryable = True


class ProviderConnectionError(ProviderError):
    retryable = True


class ProxyConnectionError(ProviderConnectionError):
    """No answer through the proxy requests are routed by (down, refusing, or unable to reach
    the API itself). Its own kind so the user is pointed at the proxy, not at `grok.baseUrl`."""

    def __init__(self, message: str, *, proxy: str) -> None:
        super().__init__(message)
        self.proxy = proxy  # "http://host:port (from HTTPS_PROXY)", without credentials


class StreamInterruptedError(ProviderError):
    """The stream ended or broke before `[DONE]` or a finish_reason."""

    retryable = True


class MalformedStreamError(ProviderError):
    """The stream carried something that is not a chat.completion.chunk."""


class ConfigurationError(ProviderError):
    """A setting makes every request fail before it is sent (an unreadable `caBundle`)."""


_API_KEY = re.compile(r"api[ _-]?key|unauthori[sz]ed|authenticat", re.I)
_CONTEXT = re.compile(
    r"maximum prompt length|context length|context window|context_length_exceeded"
    r"|prompt is too long",
    re.I,
)
_MODEL_MISSING = re.compile(
    r"model_not_found|unknown model|\bmodel\b[^.]{0,80}\b(?:not found|does not exist)", re.I
)
_CREDITS = re.compile(r"credit|spending limit|billing|quota|exhausted", re.I)
# gRPC's generic status text for RESOURCE_EXHAUSTED is also what rate limits report.
_GENERIC_EXHAUSTED = re.compile(
    r"(?:some )?resources? (?:has been |have been |is )?exhausted", re.I
)


def error_from_response(
    status: int, headers: Mapping[str, str], body: bytes, *, secret: str | None = None
) -> ProviderError:
    """Map a non-2xx response to a typed error; `secret` (the API key) is redacted."""
    message, hint = body_message(status, body)
    return _build(status, redact(message, secret), hint, parse_retry_after(headers))


def error_from_payload(payload: Mapping[str, Any], *, secret: str | None = None) -> ProviderError:
    """Map an error object received inside a 200 stream (status only if the object gives one)."""
    message, hint = payload_message(payload) or ("the stream reported an unspecified error", "")
    return _build(payload_status(payload), redact(message, secret), hint, None)


def error_from_transport(
    exc: httpx.TransportError, secret: str | None, *, mid_stream: bool, proxy: str | None = None
) -> ProviderError:
    """Map a network failure. Raise the result `from None`: httpx and h11 messages can quote
    header values, so the original exception is not kept as the cause.

    `proxy`: the proxy the request went through, if any. Before any response, every failure but
    a slow answer is then the proxy's (the connection is to it), so the message names it.
    """
    # Here, not at the top: the features load these errors before `initialize` is answered and
    # httpx takes ~80 ms to import (its CLI's `rich` with it); an httpx error means it is loaded.
    import httpx

    detail = redact(f"{type(exc).__name__}: {exc}", secret)
    waited = isinstance(exc, httpx.TimeoutException) and not isinstance(exc, httpx.ConnectTimeout)
    if proxy is not None and not mid_stream and not waited:
        return ProxyConnectionError(detail, proxy=proxy)
    if isinstance(exc, httpx.TimeoutException):
        return ProviderTimeoutError(f"timed out: {detail}")
    if mid_stream:
        return StreamInterruptedError(f"the stream was cut: {detail}")
    return ProviderConnectionError(detail)  # the headline says "cannot reach the API"


def _build(status: int | None, message: str, hint: str, retry_after: float | None) -> ProviderError:
    cls = _classify(status, f"{message} {hint}")
    return cls(message, status_code=status, retry_after=retry_after)


def _classify(status: int | None, text: str) -> type[ProviderError]:
    if status in (401, 403):
        return AuthenticationError
    if status == 404:
        return ModelNotFoundError
    if status == 408:
        return ProviderTimeoutError
    if status == 413:
        return ContextTooLongError
    if status == 429:
        return CreditsExhaustedError if _is_credits(text) else RateLimitError
    if status is not None and status >= 500:
        return ServerError
    # 400, 422, other 4xx, and errors inside a stream: the message tells what went wrong.
    if _API_KEY.search(text):
        return AuthenticationError
    if _CONTEXT.search(text):
        return ContextTooLongError
    if _MODEL_MISSING.search(text):
        return ModelNotFoundError
    if status is None:
        return CreditsExhaustedError if _is_credits(text) else ServerError
    if 400 <= status < 500:
        return BadRequestError
    return ProviderError  # 1xx or 3xx: not an answer this client can use


def _is_credits(text: str) -> bool:
    return bool(_CREDITS.search(_GENERIC_EXHAUSTED.sub(" ", text)))
