"""What the user is told of the server's state: `grok/status`, the last error, the pause.

The state is one of idle, thinking, error and paused, sent as a `grok/status` notification
whenever it changes (the VS Code extension's status bar shows it). A failure is logged every
time, shown in a pop-up once per kind until a request goes through or the settings change, and
its headline (`failures.describe`) is the state's message. Failures that every further request
would repeat pause all requests until the settings change; a rate limit pauses automatic
completions until the governor's circuit closes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from lsprotocol import types as t

from grok_lsp.failures import describe
from grok_lsp.governor import Governor
from grok_lsp.masking import mask
from grok_lsp.metrics import Metrics
from grok_lsp.provider.errors import (
    AuthenticationError,
    ConfigurationError,
    CreditsExhaustedError,
    ModelNotFoundError,
    ProviderError,
    RateLimitError,
)

log = logging.getLogger(__name__)

STATUS_NOTIFICATION = "grok/status"
# Failures that every further request would repeat: pause until the settings change.
_STOPPING_ERRORS = (
    AuthenticationError,
    ConfigurationError,
    CreditsExhaustedError,
    ModelNotFoundError,
)


class Status:
    def __init__(
        self,
        notify: Callable[[str, object], None],
        show: Callable[[t.ShowMessageParams], None],
        log_message: Callable[[t.LogMessageParams], None],
        governor: Governor,
        metrics: Metrics,
    ) -> None:
        """`notify` sends a notification to the editor; `show` and `log_message` its window's
        messages (masked by the server)."""
        self._notify = notify
        self._show = show
        self._log_message = log_message
        self._governor = governor
        self._metrics = metrics
        self.state = "idle"
        self.last_error: str | None = None
        self.paused_reason: str | None = None  # set by failures that retrying cannot fix
        self._announced: set[str] = set()  # error kinds already shown to the user
        self._rate_limited = False  # the state shows a rate limit's pause
        # The day the spend ceiling was announced: once a day, not again after every success.
        self._spend_announced: dt.date | None = None

    def tell(self, message: str) -> None:
        """A warning for the user, logged too."""
        log.info("%s", message)
        self._show(t.ShowMessageParams(type=t.MessageType.Warning, message=message))

    def set(self, state: str, message: str | None = None) -> None:
        if state == self.state and message is None:
            return
        self.state = state
        shown = None if message is None else mask(message)
        self._notify(STATUS_NOTIFICATION, {"state": state, "message": shown})

    def busy(self, busy: bool) -> None:
        """Streams started or all ended; an error or pause stays shown until something works."""
        if self.state not in ("error", "paused") or busy:
            self.set("thinking" if busy else "idle")

    def is_paused(self) -> bool:
        return self.paused_reason is not None

    def report_error(self, error: ProviderError, action: str) -> None:
        """One clear message per kind of failure; every failure is logged."""
        self._metrics.errors += 1
        kind = type(error).__name__
        text = describe(error, action)
        self.last_error = text
        log.warning("%s (%s, status %s)", text, kind, error.status_code)
        self._log_message(t.LogMessageParams(type=t.MessageType.Warning, message=text))
        # The status bar gets the headline: the API's words go to the log and one pop-up only.
        state, status = "error", describe(error, action, detail=False)
        if isinstance(error, _STOPPING_ERRORS):
            self.paused_reason = text
            text += " Requests are paused until the settings change."
        elif isinstance(error, RateLimitError):
            wait = self._governor.rate_limited(error.retry_after)
            resume = f"Automatic completions resume in {_duration(wait)}"
            text += f" {resume}; an explicit request tries at once."
            state, status = "paused", f"{status} {resume}."
            self._rate_limited = True
            asyncio.get_running_loop().call_later(wait, self._circuit_closed)
        self.set(state, status)
        if kind not in self._announced:
            self._announced.add(kind)
            self._show(t.ShowMessageParams(type=t.MessageType.Error, message=text))

    def clear_error(self) -> None:
        """A request went through, or the settings changed: failures may be new again."""
        self._governor.close_circuit()
        self._announced.clear()
        self._circuit_closed()
        if self.state == "error":
            self.set("idle")

    def spend_ceiling_reached(self, reason: str) -> None:
        """The governor refused an automatic completion for the daily ceiling: told once a day."""
        if self._spend_announced == self._governor.day:
            return
        self._spend_announced = self._governor.day
        self.tell(
            f"grok-lsp: automatic completions are paused: {reason} "
            "(`grok.completion.dailySpendLimitUsd`). Explicit requests still work."
        )
        self.set("paused", reason)

    def requests_changed(self) -> None:
        """The model or the completion or action settings changed: a pause may be over (a model
        that was not found has been changed; a ceiling raised is told again when reached)."""
        self.paused_reason = None
        self._spend_announced = None

    def connection_changed(self) -> None:
        """A new key or endpoint deserves fresh error messages, and another try."""
        self._announced.clear()
        self.paused_reason = None

    def _circuit_closed(self) -> None:
        if self._rate_limited and not self._governor.circuit_open():
            self._rate_limited = False
            if self.state == "paused":
                self.set("idle")


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"
