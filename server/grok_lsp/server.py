"""Builds the language server: its state, and the wiring of each feature module."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import sys
import threading
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types as t
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer

from grok_lsp import __version__, framing
from grok_lsp.clients import ClientQuirks
from grok_lsp.estimate import Exchange, UsageEstimator
from grok_lsp.explainstore import ExplanationStore
from grok_lsp.failures import describe
from grok_lsp.governor import Governor
from grok_lsp.masking import mask
from grok_lsp.metrics import Metrics
from grok_lsp.pipeline import Pipeline, Query
from grok_lsp.pricing import ModelPrice, cost_usd
from grok_lsp.privacy import key_in_clear
from grok_lsp.prompt import PromptBuilder
from grok_lsp.protocol import LenientProtocol
from grok_lsp.provider.errors import (
    AuthenticationError,
    ConfigurationError,
    CreditsExhaustedError,
    ModelNotFoundError,
    ProviderError,
    RateLimitError,
)
from grok_lsp.provider.refusals import RefusedFields
from grok_lsp.provider.usage import Usage
from grok_lsp.redaction import scrub

if TYPE_CHECKING:
    from grok_lsp.provider.client import ProviderClient
    from grok_lsp.settings import LoadedSettings, Settings

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
        # Read at the first use (`initialized`, for a client that keeps to the protocol), not
        # here: `initialize` is answered without waiting for pydantic (see `apply_settings`).
        self._settings: Settings | None = None
        self._prompts: PromptBuilder | None = None  # built with the settings, for them
        self.metrics = Metrics()
        self.pipeline = Pipeline(
            self.provider, self.metrics, self.record_usage, self._busy, self.admit, self.pace
        )
        self.governor = Governor(state_dir(self.environ) / "spend.json", later=_call_later)
        self.state = "idle"
        self.last_error: str | None = None
        self._provider: ProviderClient | None = None
        self.refused_fields = RefusedFields()  # outlives each client: for the server's life
        self._announced: set[str] = set()  # error kinds already shown to the user
        self._unpriced: set[str] = set()  # models whose price is unknown, already told
        # The day the spend ceiling was announced: once a day, not again after every success.
        self._spend_announced: dt.date | None = None
        self._background: set[asyncio.Future[Any]] = set()
        self.paused_reason: str | None = None  # set by failures that retrying cannot fix
        self._rate_limited = False  # the state shows a rate limit's pause
        self.explanations = ExplanationStore()
        self.usage_estimator = UsageEstimator()
        self.exit_code = 0

    def start_io(self, stdin: Any = None, stdout: Any = None) -> None:
        """pygls's, with frames read by `framing` (which gets back in step after a bad header)
        and the code `exit` asks for kept: pygls swallows it, so an `exit` without `shutdown`
        ended the process with 0, not 1."""
        self._stop_event = threading.Event()
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        assert isinstance(self.protocol, LenientProtocol)
        try:
            asyncio.run(
                framing.serve(
                    self._stop_event,
                    stdin or sys.stdin.buffer,
                    self.protocol.receive,
                    self.thread_pool,
                )
            )
        except BrokenPipeError:
            log.error("the connection to the client is lost")
        except SystemExit as exiting:
            self.exit_code = exiting.code if isinstance(exiting.code, int) else 1
        except KeyboardInterrupt:
            pass
        finally:
            self.shutdown()  # type: ignore[no-untyped-call]  # pygls: unannotated

    # settings -------------------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        return self._loaded()[0]

    @property
    def prompts(self) -> PromptBuilder:
        return self._loaded()[1]

    def _loaded(self) -> tuple[Settings, PromptBuilder]:
        """The settings in force and the prompt builder made for them: read at the first use,
        from the environment and the initialization options, until `initialized` pulls the
        client's."""
        if self._settings is None or self._prompts is None:
            self.apply_settings()
        assert self._settings is not None and self._prompts is not None
        return self._settings, self._prompts

    def apply_settings(self, workspace_config: object = None) -> LoadedSettings:
        # Here, not at the top: pydantic and the settings model take ~70 ms to load (with
        # `importlib.metadata`, for pydantic's plugins), and `initialize` is answered first.
        from grok_lsp.settings import load_settings

        loaded = load_settings(self.environ, self.initialization_options, workspace_config)
        old, self._settings = self._settings, loaded.settings
        if loaded.problems:
            self.window_show_message(
                t.ShowMessageParams(
                    type=t.MessageType.Warning,
                    message="grok-lsp: invalid settings, using defaults for: "
                    + "; ".join(loaded.problems),
                )
            )
        if old is None:  # the first read: nothing was paused, announced or connected before
            self._prompts = PromptBuilder(loaded.settings.prompt)
            return loaded
        if (old.model, old.completion, old.actions) != (
            self.settings.model,
            self.settings.completion,
            self.settings.actions,
        ):
            self.paused_reason = None  # e.g. a model that was not found has been changed
            self._spend_announced = None  # e.g. a ceiling raised, then reached again
        if old.prompt != self.settings.prompt or old.api_key != self.settings.api_key:
            # (a new key is masked in prompts: snapshots scrubbed before it was held go)
            self._prompts = PromptBuilder(self.settings.prompt)
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
            # The client, and httpx with it (~80 ms, its CLI's `rich` included), load here: at
            # `initialized`, which opens the connection, or at the first request. Not before
            # `initialize` is answered.
            import httpx

            from grok_lsp.provider.client import ProviderClient

            key = self.settings.api_key_value()
            in_clear = key is not None and key_in_clear(self.settings.base_url)
            try:
                self._provider = ProviderClient(
                    self.settings.base_url,
                    None if in_clear else key,
                    timeout=httpx.Timeout(self.settings.completion.timeout_ms / 1000, connect=5.0),
                    verify=self.settings.ca_bundle or True,
                    api=self.settings.wire_api,
                    refused=self.refused_fields,
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
            if in_clear:
                self.notify_user(
                    f"grok-lsp: `grok.baseUrl` ({self.settings.base_url}) is plain http:// to "
                    "another machine, so the API key is not sent: it would cross the network "
                    "readable by anyone on the way. Use https://, or a loopback address "
                    "(localhost, 127.0.0.1, [::1]) for a local server."
                )
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
        self.usage_estimator.forget(self.conv_id(uri))

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
    def record_usage(self, exchange: Exchange) -> tuple[Usage, float | None]:
        """Count a request that reached the API (one that never did costs nothing): its usage,
        reported or estimated, and its cost (None when the model's price is unknown)."""
        if exchange.model:
            self.metrics.served_model = exchange.model
        prices = {
            name: ModelPrice(price.input, price.cached_input, price.output)
            for name, price in self.settings.prices.items()
        }
        served = exchange.model or self.settings.completion_model
        usage, estimated = self.usage_estimator.usage(exchange)
        cost = cost_usd(usage, served, prices)
        if estimated:
            self.metrics.record_estimate(usage, cost)
        else:
            self.metrics.record_usage(usage, cost)
        if cost is None:
            self._unpriced_model(served)
        self.governor.add_spend(cost or 0.0)
        return usage, cost

    def _unpriced_model(self, model: str) -> None:
        """Once per model: its cost is unknown where the API reports none (a stream closed
        early never gets its usage), which a daily spend ceiling would silently not count."""
        if model in self._unpriced:
            return
        self._unpriced.add(model)
        ceiling = self.settings.completion.daily_spend_limit_usd is not None
        self.notify_user(
            f"grok-lsp: no price is known for the model `{model}`, so the cost of requests the "
            "API does not report (a stream closed early, a server that sends no usage) is not "
            + ("counted against `completion.dailySpendLimitUsd`" if ceiling else "counted")
            + ". Add the model to `grok.prices` (all zeros for a local model)."
        )

    def pace(self, query: Query) -> float:
        """Seconds an automatic request waits for the per-second rate; explicit ones do not."""
        if not query.automatic:
            return 0.0
        return self.governor.pace(self.settings.rate_limit_per_minute)

    def admit(self, query: Query) -> bool:
        """The cost governor's word on sending `query` upstream."""
        return self.admits(query.uri, query.version, query.automatic)

    def admits(self, key: str, version: int | None, automatic: bool) -> bool:
        """The cost governor's word on a request for document `key` (a URI, or a name of
        its own for another feature's requests) at `version`."""
        completion = self.settings.completion
        refusal = self.governor.refusal(
            key,
            version,
            automatic,
            completion.max_requests_per_minute,
            completion.daily_spend_limit_usd,
            self.settings.rate_limit_per_minute,
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
        shown = None if message is None else mask(message)
        self.protocol.notify(STATUS_NOTIFICATION, {"state": state, "message": shown})

    def report_error(self, error: ProviderError, action: str) -> None:
        """One clear message per kind of failure; every failure is logged."""
        self.metrics.errors += 1
        kind = type(error).__name__
        text = describe(error, action)
        self.last_error = text
        log.warning("%s (%s, status %s)", text, kind, error.status_code)
        self.window_log_message(t.LogMessageParams(type=t.MessageType.Warning, message=text))
        # The status bar gets the headline: the API's words go to the log and one pop-up only.
        state, status = "error", describe(error, action, detail=False)
        if isinstance(error, _STOPPING_ERRORS):
            self.paused_reason = text
            text += " Requests are paused until the settings change."
        elif isinstance(error, RateLimitError):
            wait = self.governor.rate_limited(error.retry_after)
            resume = f"Automatic completions resume in {_duration(wait)}"
            text += f" {resume}; an explicit request tries at once."
            state, status = "paused", f"{status} {resume}."
            self._rate_limited = True
            asyncio.get_running_loop().call_later(wait, self._circuit_closed)
        self.set_state(state, status)
        if kind not in self._announced:
            self._announced.add(kind)
            self.window_show_message(t.ShowMessageParams(type=t.MessageType.Error, message=text))

    def _circuit_closed(self) -> None:
        if self._rate_limited and not self.governor.circuit_open():
            self._rate_limited = False
            if self.state == "paused":
                self.set_state("idle")

    def conv_id(self, uri: str) -> str:
        """Stable per workspace+document, so requests reach the server holding their prefix."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.workspace.root_uri or ''}|{uri}"))

    # Every message to the user passes here: each key the server has held is masked.
    def window_show_message(self, params: t.ShowMessageParams) -> None:
        super().window_show_message(t.ShowMessageParams(params.type, mask(params.message)))

    def window_log_message(self, params: t.LogMessageParams) -> None:
        super().window_log_message(t.LogMessageParams(params.type, mask(params.message)))

    def notify_user(self, message: str) -> None:
        log.info("%s", message)
        self.window_show_message(t.ShowMessageParams(type=t.MessageType.Warning, message=message))

    def is_paused(self) -> bool:
        return self.paused_reason is not None

    def clear_error(self) -> None:
        """A request went through, or the settings changed: failures may be new again."""
        self.governor.close_circuit()
        self._announced.clear()
        self._circuit_closed()
        if self.state == "error":
            self.set_state("idle")

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Log out-of-band errors instead of a pop-up for each."""
        log.error("server error from %s", getattr(source, "__name__", source), exc_info=error)


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def create_server(environ: dict[str, str] | None = None) -> GrokServer:
    from grok_lsp.features import (
        acceptance,
        actions,
        explanations,
        inline,
        lifecycle,
        nextedits,
        stats,
    )

    server = GrokServer(environ)
    lifecycle.register(server)
    inline.register(server)
    acceptance.register(server)
    nextedits.register(server)
    actions.register(server)
    explanations.register(server)
    stats.register(server)
    return server


__all__ = ["GrokServer", "create_server"]
