"""The cost governor: when an automatic completion may go upstream at all.

Explicit requests (the user asked) always pass. Automatic ones must fit under the per-minute
cap and the daily spend ceiling, and only go out when the text changed since the last request
for that document (opening or scrolling a file costs nothing). They are also paced per second,
as xAI has enforced its limits since June 2026: at most RPM / 60 (rounded up) in any one second,
RPM being the account's limit (`rateLimitPerMinute`), not the user's own cap (pacing 60 a
minute to one a second would hold back every second suggestion of a burst of typing, and those
are the ones the user waits for); one over that waits for its slot (`pace`) rather than being
dropped, and a newer keystroke replaces it while it waits.
A rate limit opens a short circuit: automatic completions are dropped until it closes, with the
API's `retry-after` when it sent one, else a doubling backoff, never longer than
`policy.MAX_PAUSE_S`. An explicit request, or a settings change (`close_circuit`), tries again
at once.

Today's spend is saved to a small file, at most every `policy.SAVE_EVERY_S` and when the
server stops. A save adds what this server spent
since its last save to what the file holds, so two servers on the same day add up.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from grok_lsp.policy import BACKOFF_MAX_S, BACKOFF_START_S, MAX_PAUSE_S, SAVE_EVERY_S

if TYPE_CHECKING:  # pydantic loads after `initialize` is answered (see warmup.py)
    from grok_lsp.settings import Settings

log = logging.getLogger(__name__)

Later = Callable[[float, Callable[[], None]], object]
"""Runs a callback after a delay in seconds (the event loop's `call_later`)."""


@dataclass(frozen=True, slots=True)
class Refusal:
    kind: Literal["circuit", "unchanged", "rate", "pace", "spend"]
    reason: str


@dataclass(frozen=True, slots=True)
class Limits:
    """The user's caps and the account's rate, as the settings give them."""

    per_minute: int  # automatic requests a minute (`completion.maxRequestsPerMinute`)
    daily_usd: float | None  # `completion.dailySpendLimitUsd`
    account_per_minute: int  # the account's limit (`rateLimitPerMinute`): sets the pace

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        completion = settings.completion
        return cls(
            completion.max_requests_per_minute,
            completion.daily_spend_limit_usd,
            settings.rate_limit_per_minute,
        )


def per_second_of(per_minute: int) -> int:
    """RPS = RPM / 60, rounded up: a cap under 60 a minute still lets one through a second."""
    return math.ceil(per_minute / 60)


class Governor:
    def __init__(
        self,
        spend_file: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], dt.date] = dt.date.today,
        later: Later | None = None,
        on_spend_ceiling: Callable[[str], None] = lambda _reason: None,
    ) -> None:
        """Without `later`, every spend is saved at once. `on_spend_ceiling` is told the reason
        each time the daily ceiling refuses a request."""
        self._limits: Limits | None = None  # the defaults' until the settings are read
        self._on_spend_ceiling = on_spend_ceiling
        self._clock = clock
        self._today = today
        self._spend_file = spend_file
        self._later = later
        self._unsaved = 0.0
        self._saved_at = -SAVE_EVERY_S
        self._save_pending = False
        self._sent: deque[float] = deque()  # automatic requests in the last minute
        self._open_until = 0.0
        self._backoff = BACKOFF_START_S
        self._last_version: dict[str, int | None] = {}
        self._day, self._spent = self._load_spend()

    @property
    def limits(self) -> Limits:
        if self._limits is None:
            from grok_lsp.settings import Settings  # the defaults: pydantic, not before needed

            self._limits = Limits.of(Settings())
        return self._limits

    @limits.setter
    def limits(self, limits: Limits) -> None:
        self._limits = limits

    # the circuit breaker ----------------------------------------------------------------------

    def rate_limited(self, retry_after: float | None) -> float:
        """Open the circuit; returns for how many seconds."""
        wait = min(retry_after if retry_after is not None else self._backoff, MAX_PAUSE_S)
        self._backoff = min(self._backoff * 2, BACKOFF_MAX_S)
        self._open_until = self._clock() + wait
        return wait

    def circuit_open(self) -> bool:
        return self._clock() < self._open_until

    def paused_for(self) -> float:
        """Seconds until the circuit closes (0 when it is closed)."""
        return max(0.0, self._open_until - self._clock())

    def close_circuit(self) -> None:
        """A request succeeded, or the settings changed: the backoff starts again."""
        self._open_until = 0.0
        self._backoff = BACKOFF_START_S

    # automatic requests -----------------------------------------------------------------------
    def admits(self, key: str, version: int | None, automatic: bool) -> bool:
        """The word on a request for document `key` (a URI, or a name of its own for another
        feature's requests) at `version`, under `limits`; an admitted one is counted."""
        limits = self.limits
        refusal = self.refusal(
            key, version, automatic, limits.per_minute, limits.daily_usd, limits.account_per_minute
        )
        if refusal is None:
            return True
        log.debug("not sent: %s", refusal.reason)
        if refusal.kind == "spend":
            self._on_spend_ceiling(refusal.reason)
        return False

    def wait_for_pace(self, automatic: bool) -> float:
        """Seconds an automatic request waits for the per-second rate; explicit ones do not."""
        return self.pace(self.limits.account_per_minute) if automatic else 0.0

    def refusal(
        self,
        uri: str,
        version: int | None,
        automatic: bool,
        per_minute: int,
        daily_usd: float | None,
        limit_per_minute: int,
    ) -> Refusal | None:
        """Why this request may not go upstream now, or None if it may (and is counted)."""
        if automatic:
            if self.circuit_open():
                return Refusal("circuit", "rate limited: waiting for the API's limit to reset")
            if version is not None and self._last_version.get(uri, -1) == version:
                return Refusal("unchanged", "nothing typed since the last request")
            now = self._clock()
            while self._sent and now - self._sent[0] > 60:
                self._sent.popleft()
            if len(self._sent) >= per_minute:
                return Refusal("rate", f"more than {per_minute} automatic requests a minute")
            if daily_usd is not None and self.spent_today() >= daily_usd:
                spent = f"today's spend reached the ceiling of ${daily_usd:.2f}"
                return Refusal("spend", spent)
            if self.pace(limit_per_minute) > 0:  # another document took this second's slot
                per_second = per_second_of(limit_per_minute)
                return Refusal("pace", f"more than {per_second} automatic requests a second")
            self._sent.append(now)
        self._last_version[uri] = version
        return None

    def pace(self, per_minute: int) -> float:
        """Seconds until an automatic request fits the per-second rate (0: it fits now)."""
        now = self._clock()
        in_last_second = [sent for sent in self._sent if now - sent < 1.0]
        over = len(in_last_second) - per_second_of(per_minute)
        return 0.0 if over < 0 else in_last_second[over] + 1.0 - now

    def opened(self, uri: str, version: int | None) -> None:
        """A freshly opened (or scrolled) document has nothing typed yet."""
        self._last_version[uri] = version

    def forget(self, uri: str) -> None:
        """The document closed: its record goes, and those other features keep under
        `uri#name` (next edits)."""
        for key in [key for key in self._last_version if key == uri or key.startswith(uri + "#")]:
            del self._last_version[key]

    # daily spend ------------------------------------------------------------------------------
    @property
    def day(self) -> dt.date:
        """The day today's spend is counted for."""
        self.spent_today()  # rolls over at midnight
        return self._day

    def spent_today(self) -> float:
        if self._today() != self._day:
            self._day, self._spent = self._today(), 0.0
        return self._spent

    def add_spend(self, usd: float) -> None:
        self._spent = self.spent_today() + usd
        self._unsaved += usd
        if self._later is None or self._clock() - self._saved_at >= SAVE_EVERY_S:
            self.flush()
        elif not self._save_pending:
            self._save_pending = True
            self._later(SAVE_EVERY_S, self.flush)

    def flush(self) -> None:
        """Save what was spent since the last save (added to what the file holds)."""
        self._save_pending = False
        if self._spend_file is None or not self._unsaved:
            self._unsaved = 0.0
            return
        self._saved_at = self._clock()
        day, on_file = self._load_spend()
        if day != self._day:
            on_file = 0.0  # the file is of another day (or unreadable)
        total = on_file + self._unsaved
        try:
            self._spend_file.parent.mkdir(parents=True, exist_ok=True)
            self._spend_file.write_text(json.dumps({"day": self._day.isoformat(), "usd": total}))
        except OSError as error:
            log.info("could not save today's spend: %s", error)
            return
        self._unsaved = 0.0
        self._spent = max(self._spent, total)  # other servers' spend counts against the ceiling

    def _load_spend(self) -> tuple[dt.date, float]:
        """The day the file is of (today when it is missing or unreadable) and its spend."""
        today = self._today()
        if self._spend_file is None:
            return today, 0.0
        try:
            saved = json.loads(self._spend_file.read_text())
            return dt.date.fromisoformat(saved["day"]), float(saved.get("usd", 0.0))
        except (OSError, ValueError, TypeError, AttributeError, KeyError):
            return today, 0.0
