"""Mapping error responses, mid-stream errors and network failures to typed errors."""

from __future__ import annotations

import json
import time
from email.utils import formatdate

import httpx
import pytest

from grok_lsp.failures import describe
from grok_lsp.provider.chunks import parse_chunk
from grok_lsp.provider.error_bodies import parse_retry_after
from grok_lsp.provider.errors import (
    AuthenticationError,
    BadRequestError,
    ContextTooLongError,
    CreditsExhaustedError,
    MalformedStreamError,
    ModelNotFoundError,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeoutError,
    ProxyConnectionError,
    RateLimitError,
    ServerError,
    StreamInterruptedError,
    error_from_payload,
    error_from_response,
    error_from_transport,
)
from grok_lsp.provider.redact import redact

KEY = "xai-Sup3rSecretKey0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH"


def flat(code: str, error: str) -> bytes:
    """xAI's error body."""
    return json.dumps({"code": code, "error": error}).encode()


def nested(message: str, type_: str = "invalid_request_error", code: str | None = None) -> bytes:
    """OpenAI's error body, as some gateways send it."""
    return json.dumps({"error": {"message": message, "type": type_, "code": code}}).encode()


BAD_KEY = (
    "Incorrect API key provided: xa***GH. You can obtain an API key from https://console.x.ai."
)
CREDITS = (
    "Your team 0a1b2c3d-0000-4000-8000-123456789abc has either used all available credits or "
    "reached its monthly spending limit. To continue making API requests, please purchase more "
    "credits or raise your spending limit."
)
CONTEXT = "This model's maximum prompt length is 256000 but the request contains 301234 tokens."
CLOUDFLARE_502 = (
    b"<!DOCTYPE html>\n<html><head><title>api.x.ai | 502: Bad gateway</title>"
    b"<style>body{color:red}</style></head><body><h1>Bad gateway</h1>"
    b"<p>Error code 502</p></body></html>"
)

CASES = [
    # (id, status, headers, body, class, message, retry_after)
    ("bad-key-400", 400, {}, flat("Client specified an invalid argument", BAD_KEY),
     AuthenticationError, BAD_KEY, None),
    ("no-key-401", 401, {}, flat("Unauthenticated", "No API key provided."),
     AuthenticationError, "No API key provided.", None),
    ("blocked-403", 403, {}, flat("The caller does not have permission to execute the specified "
                                  "operation", "Your team is blocked."),
     AuthenticationError, "Your team is blocked.", None),
    ("unknown-model-404", 404, {}, flat("Some requested entity was not found",
                                        "The model grok-code-fast-1 does not exist or your team "
                                        "does not have access to it."),
     ModelNotFoundError, "The model grok-code-fast-1 does not exist or your team does not have "
     "access to it.", None),
    ("context-400", 400, {}, flat("Client specified an invalid argument", CONTEXT),
     ContextTooLongError, CONTEXT, None),
    ("other-400", 400, {}, flat("Client specified an invalid argument",
                                "Argument not supported on this model: reasoningEffort"),
     BadRequestError, "Argument not supported on this model: reasoningEffort", None),
    ("unprocessable-422", 422, {}, b"Failed to deserialize the JSON body: missing field `model`",
     BadRequestError, "Failed to deserialize the JSON body: missing field `model`", None),
    ("rate-429", 429, {}, flat("Some resource has been exhausted", "Too many requests."),
     RateLimitError, "Too many requests.", None),
    ("rate-429-generic-text", 429, {},
     flat("Too many requests", "Some resource has been exhausted"),
     RateLimitError, "Some resource has been exhausted", None),
    ("rate-429-retry-after", 429, {"Retry-After": "7"}, flat("Too many requests", "Slow down."),
     RateLimitError, "Slow down.", 7.0),
    ("rate-429-retry-after-ms", 429, {"retry-after-ms": "250", "retry-after": "9"}, b"",
     RateLimitError, "HTTP 429 Too Many Requests", 0.25),
    ("credits-429", 429, {}, flat("Some resource has been exhausted", CREDITS),
     CreditsExhaustedError, CREDITS, None),
    ("openai-quota-429", 429, {}, nested("You exceeded your current quota, please check your plan "
                                         "and billing details.", "insufficient_quota",
                                         "insufficient_quota"),
     CreditsExhaustedError, "You exceeded your current quota, please check your plan and billing "
     "details.", None),
    ("openai-rate-429", 429, {"retry-after": "1.5"},
     nested("Rate limit reached for requests", "requests", "rate_limit_exceeded"),
     RateLimitError, "Rate limit reached for requests", 1.5),
    ("server-500", 500, {}, flat("Internal error", "Something went wrong."),
     ServerError, "Something went wrong.", None),
    ("server-500-empty", 500, {}, b"", ServerError, "HTTP 500 Internal Server Error", None),
    ("unavailable-503", 503, {"retry-after": "2"},
     b"upstream connect error or disconnect/reset before headers. reset reason: overflow",
     ServerError, "upstream connect error or disconnect/reset before headers. reset reason: "
     "overflow", 2.0),
    ("cloudflare-502", 502, {}, CLOUDFLARE_502, ServerError, "api.x.ai | 502: Bad gateway", None),
    ("nested-context", 400, {}, nested("Too long.", code="context_length_exceeded"),
     ContextTooLongError, "Too long.", None),
    ("nested-bad-key", 401, {}, nested("Invalid API key", "invalid_request_error",
                                       "invalid_api_key"),
     AuthenticationError, "Invalid API key", None),
    ("nested-model", 404, {}, nested("The model `grok-9` does not exist", code="model_not_found"),
     ModelNotFoundError, "The model `grok-9` does not exist", None),
    ("gateway-model-400", 400, {}, nested("Model not found: grok-9"),
     ModelNotFoundError, "Model not found: grok-9", None),
    ("redirect-302", 302, {"location": "https://login"}, b"",
     ProviderError, "HTTP 302 Found", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("status", "headers", "body", "cls", "message", "retry_after"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_error_from_response(
    status: int,
    headers: dict[str, str],
    body: bytes,
    cls: type[ProviderError],
    message: str,
    retry_after: float | None,
) -> None:
    error = error_from_response(status, headers, body, secret=KEY)
    assert type(error) is cls
    assert error.message == message == str(error)
    assert error.status_code == status
    assert error.retry_after == retry_after
    assert error.retryable is cls.retryable


@pytest.mark.parametrize(
    ("cls", "retryable"),
    [
        (AuthenticationError, False),
        (ModelNotFoundError, False),
        (ContextTooLongError, False),
        (BadRequestError, False),
        (RateLimitError, True),
        (CreditsExhaustedError, False),
        (ServerError, True),
        (ProviderTimeoutError, True),
        (ProviderConnectionError, True),
        (StreamInterruptedError, True),
        (MalformedStreamError, False),
    ],
)
def test_retryable(cls: type[ProviderError], retryable: bool) -> None:
    assert issubclass(cls, ProviderError)
    assert cls.retryable is retryable
    assert cls("x").retryable is retryable


def test_html_body_without_title_is_cleaned_and_shortened() -> None:
    body = b"<html><script>var x = '<b>';</script><body>\n  <p>Gateway&nbsp;Timeout</p>" + (
        b"<p>" + b"detail " * 100 + b"</p></body></html>"
    )
    error = error_from_response(504, {}, body)
    assert error.message.startswith("Gateway Timeout detail detail")
    assert "<" not in error.message and "var x" not in error.message
    assert len(error.message) == 200 and error.message.endswith("…")


def test_binary_body_gives_a_printable_message() -> None:
    error = error_from_response(500, {}, b"\x00\x01\xff\xfe oops \x1b[31m")
    assert error.message.isprintable()
    assert "oops" in error.message


def test_json_body_without_a_message_falls_back_to_text() -> None:
    assert error_from_response(400, {}, b'{"detail": 3}').message == '{"detail": 3}'
    assert error_from_response(400, {}, b"[1, 2]").message == "[1, 2]"


def test_full_key_is_redacted_but_masked_echo_is_kept() -> None:
    body = flat("Client specified an invalid argument", f"Incorrect API key provided: {KEY}.")
    error = error_from_response(400, {}, body, secret=KEY)
    assert KEY not in str(error)
    assert error.message == "Incorrect API key provided: <redacted-secret>."
    assert isinstance(error, AuthenticationError)
    masked = error_from_response(400, {}, flat("x", "Incorrect API key provided: xai-****wxyz"))
    assert masked.message == "Incorrect API key provided: xai-****wxyz"


def test_redact() -> None:
    assert redact(f"a {KEY} b {KEY}", KEY) == "a <redacted-secret> b <redacted-secret>"
    assert redact("nothing", None) == "nothing"
    assert redact("nothing", "") == "nothing"


def test_retry_after_http_date() -> None:
    now = time.time()
    headers = {"Retry-After": formatdate(now + 30, usegmt=True)}
    assert parse_retry_after(headers, now=now) == pytest.approx(30, abs=1)
    past = {"Retry-After": formatdate(now - 30, usegmt=True)}
    assert parse_retry_after(past, now=now) == 0.0
    error = error_from_response(429, headers, b"")
    assert error.retry_after is not None and 25 < error.retry_after <= 31


@pytest.mark.parametrize(
    "headers",
    [{}, {"retry-after": "soon"}, {"retry-after": "-3"}, {"retry-after": "nan"},
     {"retry-after": "inf"}, {"retry-after-ms": "x"}],
)  # fmt: skip
def test_retry_after_absent_or_unusable(headers: dict[str, str]) -> None:
    assert parse_retry_after(headers) is None


def test_retry_after_with_httpx_headers() -> None:
    assert parse_retry_after(httpx.Headers({"Retry-After": "3"})) == 3.0


@pytest.mark.parametrize(
    ("payload", "cls", "status"),
    [
        ({"code": "Internal error", "error": "The model is overloaded."}, ServerError, None),
        ({"code": "Some resource has been exhausted", "error": CREDITS}, CreditsExhaustedError,
         None),
        ({"error": {"message": "Rate limit", "type": "rate_limit", "code": 429}}, RateLimitError,
         429),
        ({"error": {"message": "boom", "code": "503"}}, ServerError, 503),
        ({"error": {"message": CONTEXT}}, ContextTooLongError, None),
        ({"error": {}}, ServerError, None),
    ],
)  # fmt: skip
def test_error_from_payload(payload: dict[str, object], cls: type, status: int | None) -> None:
    error = error_from_payload(payload)
    assert type(error) is cls
    assert error.status_code == status
    assert error.retry_after is None


@pytest.mark.parametrize(
    ("data", "cls"),
    [
        ('{"code": "Internal error", "error": "The model is overloaded."}', ServerError),
        ('{"error": {"message": "quota exceeded", "type": "insufficient_quota"}}',
         CreditsExhaustedError),
        ("not json", MalformedStreamError),
        ("", MalformedStreamError),
        ("[1, 2]", MalformedStreamError),
        ("null", MalformedStreamError),
        ('"[DONE]"', MalformedStreamError),
        ('{"choices": [{"delta": {"content": "x"}}', MalformedStreamError),
    ],
)  # fmt: skip
def test_parse_chunk_errors(data: str, cls: type[ProviderError]) -> None:
    with pytest.raises(cls):
        parse_chunk(data)


def test_parse_chunk_redacts_key() -> None:
    with pytest.raises(MalformedStreamError) as malformed:
        parse_chunk(f"key={KEY}", secret=KEY)
    assert KEY not in str(malformed.value)
    with pytest.raises(ServerError) as mid_stream:
        parse_chunk(json.dumps({"error": f"bad {KEY}"}), secret=KEY)
    assert KEY not in str(mid_stream.value)


@pytest.mark.parametrize(
    ("exc", "mid_stream", "cls"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), False, ProviderConnectionError),
        (httpx.ConnectTimeout("timed out"), False, ProviderTimeoutError),
        (httpx.ReadTimeout("timed out"), True, ProviderTimeoutError),
        (httpx.RemoteProtocolError("peer closed connection"), True, StreamInterruptedError),
        (httpx.ReadError("reset"), True, StreamInterruptedError),
        (httpx.LocalProtocolError(f"Illegal header value b'Bearer {KEY}'"), False,
         ProviderConnectionError),
    ],
)  # fmt: skip
def test_error_from_transport(
    exc: httpx.TransportError, mid_stream: bool, cls: type[ProviderError]
) -> None:
    error = error_from_transport(exc, KEY, mid_stream=mid_stream)
    assert type(error) is cls
    assert KEY not in str(error)
    assert type(exc).__name__ in error.message


@pytest.mark.parametrize(
    ("exc", "mid_stream", "cls"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), False, ProxyConnectionError),
        (httpx.ConnectTimeout("timed out"), False, ProxyConnectionError),
        (httpx.ProxyError("407 Proxy Authentication Required"), False, ProxyConnectionError),
        (httpx.RemoteProtocolError("Server disconnected"), False, ProxyConnectionError),
        (httpx.ReadTimeout("timed out"), False, ProviderTimeoutError),  # the API was slow
        (httpx.ReadError("reset"), True, StreamInterruptedError),
    ],
)  # fmt: skip
def test_error_from_transport_through_a_proxy(
    exc: httpx.TransportError, mid_stream: bool, cls: type[ProviderError]
) -> None:
    proxy = "http://proxy.corp:3128 (from HTTPS_PROXY)"
    error = error_from_transport(exc, KEY, mid_stream=mid_stream, proxy=proxy)
    assert type(error) is cls
    assert isinstance(error, ProxyConnectionError) == (cls is ProxyConnectionError)
    if isinstance(error, ProxyConnectionError):
        assert error.proxy == proxy
        assert describe(error, "completion") == (
            f"grok-lsp: completion failed: could not reach the API through the proxy {proxy}. "
            f"{type(exc).__name__}: {exc}"
        )
