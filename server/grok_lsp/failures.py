"""What the user reads when the API fails: a plain headline per kind, then the API's words."""

from __future__ import annotations

from grok_lsp.provider import errors as e

_HEADLINES: list[tuple[type[e.ProviderError], str]] = [
    (e.AuthenticationError, "the API key was refused"),
    (e.ModelNotFoundError, "the model was not found; check `grok.model` / `grok.completion.model`"),
    (
        e.ContextTooLongError,
        "the prompt is too long for the model; lower `grok.prompt.budgetTokens`",
    ),
    (e.CreditsExhaustedError, "the xAI team's credits or spending limit are used up"),
    (e.RateLimitError, "rate limited by the API"),
    (e.BadRequestError, "the API refused the request"),
    (e.ServerError, "the API failed"),
    (
        e.ProviderTimeoutError,
        "the API did not answer in time (`grok.completion.timeoutMs`, `grok.actions.timeoutMs`)",
    ),
    (e.ProviderConnectionError, "cannot reach the API (`grok.baseUrl`)"),
    (e.StreamInterruptedError, "the response stream ended before it was complete"),
    (e.MalformedStreamError, "the API sent a malformed stream line"),
    (e.ConfigurationError, "a connection setting cannot be used"),
]


def describe(error: e.ProviderError, action: str, *, detail: bool = True) -> str:
    """The headline; with `detail`, followed by the API's own (bounded) words."""
    if isinstance(error, e.ProxyConnectionError):
        headline = f"could not reach the API through the proxy {error.proxy}"
    else:
        headline = next((t for kind, t in _HEADLINES if isinstance(error, kind)), "API error")
    status = f" (HTTP {error.status_code})" if error.status_code else ""
    said = f" {error.message}" if detail else ""
    return f"grok-lsp: {action} failed{status}: {headline}.{said}"
