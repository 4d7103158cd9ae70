"""The cost governor: when an automatic completion may go upstream at all.

Explicit requests (the user asked) pass unless the circuit is open. Automatic ones must also
fit under the per-minute cap and the daily spend ceiling, and only go out when the text
changed since the last request for that document (opening or scrolling a file costs nothing).
A rate limit opens a short circuit: completions are dropped until it closes, with the API's
`retry-after` when it sent one, else a doubling backoff.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

log = logging.getLogger(__name__)

BACKOFF_START_S = 1.0
BACKOFF_MAX_S = 60.0


@dataclass(frozen=True, slots=True)
class Refusal:
    kind: Literal["circuit", "unchanged", "rate", "spend"]
    reason: str


class Governor:
    def __init__(
        self,
        spend_file: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self._clock = clock
        self._today = today
        self._spend_file = spend_file
        self._sent: deque[float] = deque()  # automatic requests in the last minute
        self._open_until = 0.0
        self._backoff = BACKOFF_START_S
        self._last_version: dict[str, int | None] = {}
        self._day, self._spent = self._load_spend()

    # the circuit breaker ----------------------------------------------------------------------
    def rate_limited(self, retry_after: float | None) -> float:
        """Open the circuit; returns for how many seconds."""
        wait = retry_after if retry_after is not None else self._backoff
        self._backoff = min(self._backoff * 2, BACKOFF_MAX_S)
        self._open_until = self._clock() + wait
        return wait

    def succeeded(self) -> None:
        self._backoff = BACKOFF_START_S

    def circuit_open(self) -> bool:
        return self._clock() < self._open_until

    # automatic requests -----------------------------------------------------------------------
    def refusal(
        self,
        uri: str,
        version: int | None,
        automatic: bool,
        per_minute: int,
        daily_usd: float | None,
    ) -> Refusal | None:
        """Why this request may not go upstream now, or None if it may (and is counted)."""
        if self.circuit_open():
            return Refusal("circuit", "rate limited: waiting for the API's limit to reset")
        if automatic:
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
            self._sent.append(now)
        self._last_version[uri] = version
        return None

    def opened(self, uri: str, version: int | None) -> None:
        """A freshly opened (or scrolled) document has nothing typed yet."""
        self._last_version[uri] = version

    def forget(self, uri: str) -> None:
        self._last_version.pop(uri, None)

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
        self._save_spend()

    def _load_spend(self) -> tuple[dt.date, float]:
        today = self._today()
        if self._spend_file is None:
            return today, 0.0
        try:
            saved = json.loads(self._spend_file.read_text())
            if saved.get("day") == today.isoformat():
                return today, float(saved.get("usd", 0.0))
        except (OSError, ValueError, TypeError, AttributeError):
            pass
        return today, 0.0

    def _save_spend(self) -> None:
        if self._spend_file is None:
            return
        try:
            self._spend_file.parent.mkdir(parents=True, exist_ok=True)
            saved = {"day": self._day.isoformat(), "usd": self._spent}
            self._spend_file.write_text(json.dumps(saved))
        except OSError as error:
            log.info("could not save today's spend: %s", error)
