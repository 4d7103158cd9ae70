"""Streaming answers (Chat Completions or the Responses API) over one long-lived, pooled httpx
client."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import ssl
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import httpx
from httpx._utils import (  # private, but what the client itself routes by (httpx is pinned)
    URLPattern,
    get_environment_proxies,
)

from grok_lsp import __version__
from grok_lsp.provider import responses
from grok_lsp.provider.bounded import ERROR_BODY_LIMIT, MODELS_BODY_LIMIT, read_prefix
from grok_lsp.provider.chunks import EventParser, parse_chunk
from grok_lsp.provider.errors import (
    AuthenticationError,
    ProviderError,
    error_from_response,
    error_from_transport,
)
from grok_lsp.provider.models import accepts_reasoning_effort
from grok_lsp.provider.redact import redact
from grok_lsp.provider.refusals import RefusedFields
from grok_lsp.provider.request import HEADER_TOKEN, ChatRequest
from grok_lsp.provider.stream import ChatStream

__all__ = ["API", "ChatStream", "ProviderClient"]

logger = logging.getLogger(__name__)

# Idle pooled connections live this long, so the one opened by warm_up() is there at the first
# keystroke (the server may still close it sooner; httpx then reconnects transparently).
_KEEPALIVE_SECONDS = 300.0
_REWARM_DELAY_S = 0.05


API = Literal["chat", "responses"]


@dataclass(frozen=True, slots=True)
class _Wire:
    """What differs between the two APIs: the route, the body, and how an event reads."""

    path: str
    body: Callable[[ChatRequest], dict[str, Any]]
    parse: EventParser


_WIRES: Mapping[API, _Wire] = {
    "chat": _Wire("chat/completions", ChatRequest.body, parse_chunk),
    "responses": _Wire(responses.PATH, responses.responses_body, responses.parse_event),
}


class ProviderClient:
    """One pooled `httpx.AsyncClient` for the life of the server. The API key is sent only in
    the Authorization header and redacted from every error message; logs carry only status,
    model and conversation id.

    HTTP/1.1 by default: httpcore 1.0 never sends RST_STREAM when an HTTP/2 stream is closed
    early (encode/httpcore#943, #1022), so the server would go on generating, and billing, every
    cancelled suggestion. Over HTTP/1.1 an early close drops the connection, which the server
    sees at once; a spare connection is then re-opened in the background (`warm_up`) so the
    next keystroke does not pay for a TLS handshake. Only over TLS: a plain-http server is
    local or near, where a connection costs one round trip, and it may have a single slot that
    any request interrupts (llama-cpp-python's `interrupt_requests` ends the running stream
    when the re-warm's `GET /models` arrives).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        timeout: httpx.Timeout,
        http2: bool = False,
        verify: bool | str = True,
        transport: httpx.AsyncBaseTransport | None = None,
        proxy: str | None = None,
        api: API = "chat",
        refused: RefusedFields | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._wire = _WIRES[api]
        self._refused = refused or RefusedFields()
        # The model the API last echoed for each model asked for (the retired grok-code-fast-1
        # is served by grok-4.3), which decides whether `reasoning_effort` is sent.
        self._served_by: dict[str, str] = {}
        self._rewarms = httpx.URL(self._base_url).scheme == "https"
        self._api_key = (api_key or "").strip() or None
        self._rewarming: set[asyncio.Task[None]] = set()
        # A `GET /models` and a stream are never in flight together: on a single-slot server
        # (llama-cpp-python) a request that arrives while a stream runs ends that stream, as the
        # start-up check did to the first completion. Streams may overlap one another.
        self._turns = asyncio.Condition()
        self._in_flight = {"stream": 0, "side": 0}
        self._client = httpx.AsyncClient(
            timeout=timeout,
            http2=http2,
            verify=_ssl_verify(verify),
            transport=transport,
            proxy=proxy,
            limits=httpx.Limits(max_keepalive_connections=8, keepalive_expiry=_KEEPALIVE_SECONDS),
            headers={"User-Agent": f"grok-lsp/{__version__}"},
        )
        self._proxy = _proxy_for(self._base_url, proxy)
        if self._proxy is not None:
            logger.info("requests to %s go through the proxy %s", self._base_url, self._proxy)

    async def warm_up(self) -> None:
        """Open the pooled connection (TLS, ALPN) before it is needed. Never raises."""
        try:
            response, _ = await self._get_models(ERROR_BODY_LIMIT)
        except (ProviderError, httpx.HTTPError) as exc:
            logger.debug(
                "warm-up failed: %s", redact(f"{type(exc).__name__}: {exc}", self._api_key)
            )
            return
        logger.debug("warm-up: HTTP %s over %s", response.status_code, response.http_version)

    async def list_models(self) -> list[str]:
        """The ids served at GET {base}/models."""
        try:
            response, body = await self._get_models(MODELS_BODY_LIMIT)
        except httpx.TransportError as exc:
            raise error_from_transport(
                exc, self._api_key, mid_stream=False, proxy=self._proxy
            ) from None
        if not response.is_success:
            raise error_from_response(
                response.status_code, response.headers, body, secret=self._api_key
            )
        try:
            data = json.loads(body).get("data")
        except (ValueError, AttributeError):
            data = None
        if not isinstance(data, list):
            raise ProviderError("GET /models did not return a model list", status_code=200)
        return [m["id"] for m in data if isinstance(m, dict) and isinstance(m.get("id"), str)]

    async def _get_models(self, limit: int) -> tuple[httpx.Response, bytes]:
        """GET {base}/models, closed, and a bounded prefix of its body. A body read to its end
        (the usual small list) leaves the connection in the pool."""
        url = f"{self._base_url}/models"
        async with (
            self._turn("side"),
            self._client.stream("GET", url, headers=self._auth()) as response,
        ):
            return response, await read_prefix(response, limit)

    def stream_chat(
        self, request: ChatRequest
    ) -> contextlib.AbstractAsyncContextManager[ChatStream]:
        """POST {base}/chat/completions, or {base}/responses. Leaving the context, however it
        happens (end, break, exception, cancellation), closes the response so the download
        stops."""
        return self._stream_chat(request)

    async def aclose(self) -> None:
        for task in self._rewarming:
            task.cancel()
        await self._client.aclose()

    @contextlib.asynccontextmanager
    async def _stream_chat(self, request: ChatRequest) -> AsyncIterator[ChatStream]:
        # identity: a compressed event stream could be held back by the compressor's buffer.
        headers = {"Accept": "text/event-stream", "Accept-Encoding": "identity", **self._auth()}
        if request.conv_id is not None:
            headers["x-grok-conv-id"] = request.conv_id
        async with self._turn("stream"):
            response = await self._send_dropping_refused(request, headers)
            stream: ChatStream | None = None
            try:
                if not response.is_success:
                    raise await self._error(response)
                stream = ChatStream(response, self._api_key, self._wire.parse)
                yield stream
            finally:
                await response.aclose()
                if stream is not None and stream.model is not None:
                    self._served_by[request.model] = stream.model
                if (
                    stream is not None
                    and not stream.done
                    and self._rewarms
                    and not self._client.is_closed
                ):
                    self._rewarm()  # closed before the end: that connection is gone

    def _with_accepted_effort(self, request: ChatRequest) -> ChatRequest:
        served = self._served_by.get(request.model)
        if accepts_reasoning_effort(request.model) or (
            served is not None and accepts_reasoning_effort(served)
        ):
            return request
        return replace(request, reasoning_effort=None)

    async def _send_dropping_refused(
        self, request: ChatRequest, headers: dict[str, str]
    ) -> httpx.Response:
        """The streamed response (any status but 400/422/500), without the fields the server
        refused for this model: an error naming one more is learned (see `refusals.py`) and the
        request sent once again. Other 400s, 422s and 500s raise here."""
        url = f"{self._base_url}/{self._wire.path}"
        wire_body = self._wire.body(self._with_accepted_effort(request))
        for attempt in range(2):
            body = self._refused.without_refused(self._base_url, request.model, wire_body)
            http_request = self._client.build_request("POST", url, json=body, headers=headers)
            try:
                response = await self._client.send(http_request, stream=True)
            except httpx.TransportError as exc:
                raise error_from_transport(
                    exc, self._api_key, mid_stream=False, proxy=self._proxy
                ) from None
            logger.debug(
                "chat: HTTP %s over %s, model=%s conv=%s",
                response.status_code,
                response.http_version,
                request.model,
                request.conv_id,
            )
            if response.status_code not in (400, 422, 500):
                return response
            error = await self._error(response)
            await response.aclose()
            learned = self._refused.learn(self._base_url, request.model, body, error.message)
            if not learned or attempt > 0:  # once only; what it learned still counts next time
                raise error
        raise AssertionError("unreachable")

    async def _error(self, response: httpx.Response) -> ProviderError:
        return error_from_response(
            response.status_code,
            response.headers,
            await read_prefix(response, ERROR_BODY_LIMIT),
            secret=self._api_key,
        )

    def _rewarm(self) -> None:
        # A moment later: not while the answer that closed the stream is still going out.
        asyncio.get_running_loop().call_later(_REWARM_DELAY_S, self._start_rewarm)

    def _start_rewarm(self) -> None:
        if self._client.is_closed:
            return
        task = asyncio.ensure_future(self.warm_up())
        self._rewarming.add(task)
        task.add_done_callback(self._rewarming.discard)

    @contextlib.asynccontextmanager
    async def _turn(self, kind: str) -> AsyncIterator[None]:
        """Wait until no request of the other kind is in flight, then count this one."""
        other = "side" if kind == "stream" else "stream"
        async with self._turns:
            await self._turns.wait_for(lambda: not self._in_flight[other])
            self._in_flight[kind] += 1
        try:
            yield
        finally:
            async with self._turns:
                self._in_flight[kind] -= 1
                self._turns.notify_all()

    def _auth(self) -> dict[str, str]:
        if self._api_key is None:
            return {}
        if not HEADER_TOKEN.fullmatch(self._api_key):
            raise AuthenticationError(
                "the API key contains spaces or characters that cannot be sent in a header"
            )
        return {"Authorization": f"Bearer {self._api_key}"}


def _proxy_for(url: str, proxy: str | None) -> str | None:
    """The proxy httpx routes `url` through, for messages: without its credentials, and with
    the variable it came from ("http://proxy:3128 (from HTTPS_PROXY)"). None if direct.

    The same choice the client makes (httpx 0.28, `trust_env`): `proxy` if given, else the
    environment's proxies matched as its mounts are, most specific first, so NO_PROXY counts.
    """
    if proxy is not None:
        return str(httpx.Proxy(proxy).url)
    target = httpx.URL(url)
    mounts = sorted(get_environment_proxies().items(), key=lambda mount: URLPattern(mount[0]))
    for pattern, proxy_url in mounts:
        if URLPattern(pattern).matches(target):
            if proxy_url is None:  # NO_PROXY
                return None
            return f"{httpx.Proxy(proxy_url).url} (from {_proxy_variable(pattern)})"
    return None


def _proxy_variable(pattern: str) -> str:
    # "https://" came from https_proxy or HTTPS_PROXY (urllib prefers the lower-case one).
    scheme = pattern.removesuffix("://")
    for name in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY"):
        if os.environ.get(name):
            return name
    return "the system proxy settings"


def _ssl_verify(verify: bool | str) -> bool | ssl.SSLContext:
    # httpx 0.28 deprecates a CA path string; build the context it asks for.
    if isinstance(verify, bool):
        return verify
    if os.path.isdir(verify):
        return ssl.create_default_context(capath=verify)
    return ssl.create_default_context(cafile=verify)
