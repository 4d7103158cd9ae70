"""Builds the language server: its state, and the wiring of each feature module."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx
from lsprotocol import types as t
from pygls.lsp.server import LanguageServer

from grok_lsp import __version__
from grok_lsp.clients import ClientQuirks
from grok_lsp.explainstore import ExplanationStore
from grok_lsp.failures import describe
from grok_lsp.governor import Governor
from grok_lsp.logging_setup import REDACTOR
from grok_lsp.metrics import Metrics
from grok_lsp.pipeline import Pipeline, Query
from grok_lsp.pricing import ModelPrice, cost_usd
from grok_lsp.prompt import PromptBuilder
from grok_lsp.protocol import LenientProtocol
from grok_lsp.provider.client import ProviderClient
from grok_lsp.provider.errors import (
    AuthenticationError,
    ConfigurationError,
    CreditsExhaustedError,
    ModelNotFoundError,
    ProviderError,
    RateLimitError,
)
from grok_lsp.provider.usage import Usage
from grok_lsp.redaction import scrub
from grok_lsp.settings import LoadedSettings, Settings, load_settings

log = logging.getLogger(__name__)

STATUS_NOTIFICATION = "grok/status"
# Failures that every further request would repeat: pause until the settings change.
_STOPPING_ERRORS = (
    AuthenticationError,
    ConfigurationError,
    CreditsExhaustedError,
    ModelNotFoundError,
)


def state_dir(environ: dict[str, str]) -> Path:
    """Where small state survives restarts (today's spend): `GROK_LSP_STATE_DIR` or XDG's."""
    if explicit := environ.get("GROK_LSP_STATE_DIR"):
        return Path(explicit)
    cache = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "grok-lsp"


def _call_later(delay: float, callback: Callable[[], None]) -> None:
    asyncio.get_running_loop().call_later(delay, callback)


class GrokServer(LanguageServer):
    def __init__(self, environ: dict[str, str] | None = None) -> None:
        super().__init__("grok-lsp", __version__, protocol_cls=LenientProtocol, max_workers=2)
        self.environ = dict(os.environ if environ is None else environ)
        self.initialization_options: object = None
        self.quirks = ClientQuirks()  # what the editor does that its capabilities do not say
        self.settings = Settings()
        self.metrics = Metrics()
        self.prompts = PromptBuilder(self.settings.prompt)
        self.pipeline = Pipeline(
            self.provider, self.metrics, self.record_usage, self._busy, self.admit, self.pace
        )
        self.governor = Governor(state_dir(self.environ) / "spend.json", later=_call_later)
        self.state = "idle"
        self.last_error: str | None = None
        self._provider: ProviderClient | None = None
        self._announced: set[str] = set()  # error kinds already shown to the user
        self._unpriced: set[str] = set()  # models whose price is unknown, already told
        # The day the spend ceiling was announced: once a day, not again after every success.
        self._spend_announced: dt.date | None = None
        self._background: set[asyncio.Future[Any]] = set()
        self.paused_reason: str | None = None  # set by failures that retrying cannot fix
        self.explanations = ExplanationStore()

    # settings -------------------------------------------------------------------------------
    def apply_settings(self, workspace_config: object = None) -> LoadedSettings:
        loaded = load_settings(self.environ, self.initialization_options, workspace_config)
        old, self.settings = self.settings, loaded.settings
        REDACTOR.add_secret(self.settings.api_key_value())
        if loaded.problems:
            self.window_show_message(
                t.ShowMessageParams(
                    type=t.MessageType.Warning,
                    message="grok-lsp: invalid settings, using defaults for: "
                    + "; ".join(loaded.problems),
                )
            )
        if (old.model, old.completion, old.actions) != (
            self.settings.model,
            self.settings.completion,
            self.settings.actions,
        ):
            self.paused_reason = None  # e.g. a model that was not found has been changed
            self._spend_announced = None  # e.g. a ceiling raised, then reached again
        if old.prompt != self.settings.prompt:
            self.prompts = PromptBuilder(self.settings.prompt)
        connection = ("api_key", "base_url", "ca_bundle", "api")
        rebuild = old.completion.timeout_ms != self.settings.completion.timeout_ms
        if rebuild or any(
            getattr(old, name) != getattr(self.settings, name) for name in connection
        ):
            self._announced.clear()  # a new key or endpoint deserves fresh error messages
            self.paused_reason = None
            self._drop_provider()
        return loaded

    # provider -------------------------------------------------------------------------------
    def provider(self) -> ProviderClient:
        if self._provider is None:
            try:
                self._provider = ProviderClient(
                    self.settings.base_url,
                    self.settings.api_key_value(),
                    timeout=httpx.Timeout(self.settings.completion.timeout_ms / 1000, connect=5.0),
                    verify=self.settings.ca_bundle or True,
                    api=self.settings.wire_api,
                )
            except OSError as error:  # ssl.SSLError too: a missing or unreadable CA bundle
                reason = error.strerror or str(error)
                raise ConfigurationError(
                    f"cannot use `grok.caBundle` {self.settings.ca_bundle}: {reason}"
                ) from None
            except (ValueError, ImportError, httpx.InvalidURL) as error:
                # httpx builds a transport for each proxy in the environment at once: an unknown
                # scheme, a bad URL, or SOCKS without the `socksio` package fails here.
                raise ConfigurationError(
                    "cannot use the proxy set in the environment (HTTPS_PROXY, HTTP_PROXY or "
                    f"ALL_PROXY): {scrub(str(error))} Fix it and restart grok-lsp."
                ) from None
        return self._provider

    def _drop_provider(self) -> None:
        if self._provider is not None:
            old = self._provider
            self._provider = None
            self.spawn(old.aclose())

    def forget(self, uri: str) -> None:
        """A document was closed: drop everything kept for it."""
        self.pipeline.forget(uri)
        self.prompts.forget(uri)
        self.governor.forget(uri)
        self.explanations.forget(uri)

    async def close(self) -> None:
        self.governor.flush()
        await self.pipeline.close()
        if self._provider is not None:
            await self._provider.aclose()
            self._provider = None

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Run in the background, keeping a reference and logging failures."""
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background_done)

    def _background_done(self, task: asyncio.Future[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("background task failed", exc_info=task.exception())

    # accounting and status ------------------------------------------------------------------
    def record_usage(
        self, usage: Usage | None, model: str | None, estimated_prompt: int
    ) -> float | None:
        """Count a response's usage; its cost in USD, None where unknown."""
        if model:
            self.metrics.served_model = model
        prices = {
            name: ModelPrice(price.input, price.cached_input, price.output)
            for name, price in self.settings.prices.items()
        }
        served = model or self.settings.completion_model
        if usage is None:
            cost = cost_usd(Usage(prompt_tokens=estimated_prompt), served, prices)
            self.metrics.record_estimate(estimated_prompt, cost)
        else:
            cost = cost_usd(usage, served, prices)
            self.metrics.record_usage(usage, cost)
        if cost is None:
            self._unpriced_model(served)
        self.governor.add_spend(cost or 0.0)
        return cost

    def _unpriced_model(self, model: str) -> None:
        """Once per model: its cost is unknown where the API reports none (a stream closed
        early never gets its usage), which a daily spend ceiling would silently not count."""
        if model in self._unpriced:
            return
        self._unpriced.add(model)
        text = (
            f"grok-lsp: no price is known for the model `{model}`, so the cost of requests the "
            "API does not report (a stream closed early) is not counted"
        )
        if self.settings.completion.daily_spend_limit_usd is None:
            log.warning("%s.", text)
        else:
            self.notify_user(
                f"{text} against `completion.dailySpendLimitUsd`. Add the model to `grok.prices`."
            )

    def pace(self, query: Query) -> float:
        """Seconds an automatic request waits for the per-second rate; explicit ones do not."""
        if not query.automatic:
            return 0.0
        return self.governor.pace(self.settings.completion.max_requests_per_minute)

    def admit(self, query: Query) -> bool:
        """The cost governor's word on sending `query` upstream."""
        completion = self.settings.completion
        refusal = self.governor.refusal(
            query.uri,
            query.version,
            query.automatic,
            completion.max_requests_per_minute,
            completion.daily_spend_limit_usd,
        )
        if refusal is None:
            return True
        log.debug("completion not sent: %s", refusal.reason)
        if refusal.kind == "spend" and self._spend_announced != self.governor.day:
            self._spend_announced = self.governor.day
            self.notify_user(
                f"grok-lsp: automatic completions are paused: {refusal.reason} "
                "(`grok.completion.dailySpendLimitUsd`). Explicit requests still work."
            )
            self.set_state("paused", refusal.reason)
        return False

    def _busy(self, busy: bool) -> None:
        if self.state not in ("error", "paused") or busy:
            self.set_state("thinking" if busy else "idle")

    def set_state(self, state: str, message: str | None = None) -> None:
        if state == self.state and message is None:
            return
        self.state = state
        self.protocol.notify(STATUS_NOTIFICATION, {"state": state, "message": message})

    def report_error(self, error: ProviderError, action: str) -> None:
        """One clear message per kind of failure; every failure is logged."""
        self.metrics.errors += 1
        kind = type(error).__name__
        text = describe(error, action)
        self.last_error = text
        log.warning("%s (%s, status %s)", text, kind, error.status_code)
        self.window_log_message(t.LogMessageParams(type=t.MessageType.Warning, message=text))
        self.set_state("error", text)
        if isinstance(error, _STOPPING_ERRORS):
            self.paused_reason = text
            text += " Requests are paused until the settings change."
        elif isinstance(error, RateLimitError):
            wait = self.governor.rate_limited(error.retry_after)
            text += f" Completions resume in {wait:.0f} s."
        if kind not in self._announced:
            self._announced.add(kind)
            self.window_show_message(t.ShowMessageParams(type=t.MessageType.Error, message=text))

    def conv_id(self, uri: str) -> str:
        """Stable per workspace+document, so requests reach the server holding their prefix."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.workspace.root_uri or ''}|{uri}"))

    def notify_user(self, message: str) -> None:
        log.info("%s", message)
        self.window_show_message(t.ShowMessageParams(type=t.MessageType.Warning, message=message))

    def is_paused(self) -> bool:
        return self.paused_reason is not None

    def clear_error(self) -> None:
        self.governor.succeeded()
        self._announced.clear()
        if self.state == "error":
            self.set_state("idle")

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Log out-of-band errors instead of a pop-up for each."""
        log.error("server error from %s", getattr(source, "__name__", source), exc_info=error)


def create_server(environ: dict[str, str] | None = None) -> GrokServer:
    from grok_lsp.features import actions, explanations, inline, lifecycle, stats

    server = GrokServer(environ)
    lifecycle.register(server)
    inline.register(server)
    actions.register(server)
    explanations.register(server)
    stats.register(server)
    return server


__all__ = ["GrokServer", "create_server", "load_settings"]
