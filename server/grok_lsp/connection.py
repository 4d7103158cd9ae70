"""The client for the API, built when first needed and again after a connection setting changes.

The fields a server refused (`refusals.py`) are remembered for the server's life, across
clients.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from grok_lsp.privacy import key_in_clear
from grok_lsp.provider.errors import ConfigurationError
from grok_lsp.provider.refusals import RefusedFields
from grok_lsp.redaction import scrub

if TYPE_CHECKING:  # httpx and pydantic load after `initialize` is answered (see warmup.py)
    from grok_lsp.provider.client import ProviderClient
    from grok_lsp.settings import Settings

# What the client is built from: a change to any of them builds a new one.
_CONNECTION_FIELDS = ("api_key", "base_url", "ca_bundle", "api")


def connection_changed(old: Settings, new: Settings) -> bool:
    """Whether `new` needs another client than `old` (its timeout is the client's too)."""
    return old.completion.timeout_ms != new.completion.timeout_ms or any(
        getattr(old, name) != getattr(new, name) for name in _CONNECTION_FIELDS
    )


class Connection:
    def __init__(
        self,
        settings: Callable[[], Settings],
        tell: Callable[[str], None],
        spawn: Callable[[Coroutine[Any, Any, Any]], None],
    ) -> None:
        """`settings`: the settings in force; `tell` shows the user a warning; `spawn` runs a
        coroutine in the background."""
        self._settings = settings
        self._tell = tell
        self._spawn = spawn
        self._client: ProviderClient | None = None
        self.refused_fields = RefusedFields()  # outlives each client: for the server's life

    def client(self) -> ProviderClient:
        """The client, built now if there is none: `ConfigurationError` if it cannot be."""
        if self._client is None:
            # The client, and httpx with it (~80 ms, its CLI's `rich` included), load here: at
            # `initialized`, which opens the connection, or at the first request.
            import httpx

            from grok_lsp.provider.client import ProviderClient

            settings = self._settings()
            key = settings.api_key_value()
            in_clear = key is not None and key_in_clear(settings.base_url)
            try:
                self._client = ProviderClient(
                    settings.base_url,
                    None if in_clear else key,
                    timeout=httpx.Timeout(settings.completion.timeout_ms / 1000, connect=5.0),
                    verify=settings.ca_bundle or True,
                    api=settings.wire_api,
                    refused=self.refused_fields,
                )
            except OSError as error:  # ssl.SSLError too: a missing or unreadable CA bundle
                reason = error.strerror or str(error)
                raise ConfigurationError(
                    f"cannot use `grok.caBundle` {settings.ca_bundle}: {reason}"
                ) from None
            except (ValueError, ImportError, httpx.InvalidURL) as error:
                # httpx builds a transport for each proxy in the environment at once: an unknown
                # scheme, a bad URL, or SOCKS without the `socksio` package fails here.
                raise ConfigurationError(
                    "cannot use the proxy set in the environment (HTTPS_PROXY, HTTP_PROXY or "
                    f"ALL_PROXY): {scrub(str(error))} Fix it and restart grok-lsp."
                ) from None
            if in_clear:
                self._tell(
                    f"grok-lsp: `grok.baseUrl` ({settings.base_url}) is plain http:// to "
                    "another machine, so the API key is not sent: it would cross the network "
                    "readable by anyone on the way. Use https://, or a loopback address "
                    "(localhost, 127.0.0.1, [::1]) for a local server."
                )
        return self._client

    def drop(self) -> None:
        """The next request builds a new client; the old one closes in the background."""
        if self._client is not None:
            old, self._client = self._client, None
            self._spawn(old.aclose())

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
