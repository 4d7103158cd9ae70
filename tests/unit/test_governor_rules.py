"""The cost governor, with a fake clock and a fake calendar."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from grok_lsp.governor import Governor
from grok_lsp.policy import BACKOFF_MAX_S, MAX_PAUSE_S, SAVE_EVERY_S

URI = "file:///work/a.py"
DAY = dt.date(2026, 11, 25)


class Fake:
    """A clock and a calendar the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.day = DAY

    def clock(self) -> float:
        return self.now

    def today(self) -> dt.date:
        return self.day


@pytest.fixture
def fake() -> Fake:
    return Fake()


def governor(fake: Fake, spend_file: Path | None = None) -> Governor:
    return Governor(spend_file, clock=fake.clock, today=fake.today)


def ask(
    g: Governor,
    version: int,
    automatic: bool = True,
    per_minute: int = 60,
    daily_usd: float | None = None,
    uri: str = URI,
    limit_per_minute: int = 1800,
) -> str | None:
    refusal = g.refusal(uri, version, automatic, per_minute, daily_usd, limit_per_minute)
    return None if refusal is None else refusal.kind


def test_an_opened_document_sends_nothing_until_it_is_edited(fake: Fake) -> None:
    g = governor(fake)
    g.opened(URI, 1)
    assert ask(g, 1) == "unchanged"
    assert ask(g, 1) == "unchanged"  # scrolling, moving the cursor: still nothing typed
    assert ask(g, 2) is None
    assert ask(g, 2) == "unchanged"  # the same text asked twice
    assert ask(g, 2, automatic=False) is None  # the user asked: always


def test_forgetting_a_document_forgets_its_version(fake: Fake) -> None:
    g = governor(fake)
    g.opened(URI, 1)
    g.opened(URI + "#next-edit", 1)
    g.opened(URI + "x", 1)  # another document whose URI starts with this one's
    g.forget(URI)
    assert ask(g, 1) is None
    assert ask(g, 1, uri=URI + "#next-edit") is None
    assert ask(g, 1, uri=URI + "x") is not None


def a_second_apart(fake: Fake, g: Governor, versions: range, per_minute: int) -> list[str | None]:
    answers = []
    for version in versions:
        answers.append(ask(g, version, per_minute=per_minute))
        fake.now += 1.0
    return answers


def test_the_per_minute_cap_counts_automatic_requests_only(fake: Fake) -> None:
    g = governor(fake)
    assert a_second_apart(fake, g, range(1, 5), 3) == [None, None, None, "rate"]
    assert ask(g, 5, automatic=False, per_minute=3) is None  # explicit: passes, not counted
    fake.now += 30
    assert ask(g, 6, per_minute=3) == "rate"  # still within the minute
    fake.now += 31
    assert a_second_apart(fake, g, range(7, 11), 3) == [None, None, None, "rate"]


@pytest.mark.parametrize(("per_minute", "per_second"), [(1, 1), (60, 1), (61, 2), (1800, 30)])
def test_automatic_requests_are_paced_per_second(
    fake: Fake, per_minute: int, per_second: int
) -> None:
    g = governor(fake)
    for version in range(per_second):
        assert g.pace(per_minute) == 0.0
        assert ask(g, version, limit_per_minute=per_minute) is None
        fake.now += 0.1 / per_second
    assert ask(g, 100, limit_per_minute=per_minute) == "pace"  # the second is full
    assert ask(g, 101, automatic=False, limit_per_minute=per_minute) is None  # explicit: not paced
    wait = g.pace(per_minute)
    assert 0.8 < wait <= 1.0  # until the first of this second is a second old
    fake.now += wait
    assert g.pace(per_minute) == 0.0
    assert ask(g, 102, limit_per_minute=per_minute) is None


def test_the_users_cap_is_not_the_pace(fake: Fake) -> None:
    """60 automatic requests a minute (the default cap) is a budget, not one a second: a burst of
    typing sends its requests when they are made."""
    g = governor(fake)
    assert [ask(g, version, per_minute=60) for version in range(5)] == [None] * 5
    assert g.pace(1800) == 0.0


def test_a_refused_request_does_not_count(fake: Fake) -> None:
    g = governor(fake)
    assert ask(g, 1, per_minute=1) is None
    for version in range(2, 50):
        assert ask(g, version, per_minute=1) == "rate"
    fake.now += 61
    assert ask(g, 50, per_minute=1) is None


def test_the_daily_ceiling_pauses_automatic_requests_and_lets_explicit_ones_pass(
    fake: Fake,
) -> None:
    g = governor(fake)
    assert ask(g, 1, daily_usd=1e-9) is None  # nothing spent yet
    g.add_spend(0.00002)
    assert g.spent_today() == pytest.approx(0.00002)
    assert ask(g, 2, daily_usd=1e-9) == "spend"
    assert ask(g, 3, daily_usd=1e-9) == "spend"
    assert ask(g, 4, automatic=False, daily_usd=1e-9) is None
    assert ask(g, 5, daily_usd=None) is None  # no ceiling set
    fake.day += dt.timedelta(days=1)
    fake.now += 1
    assert g.spent_today() == 0.0
    assert g.day == fake.day
    assert ask(g, 6, daily_usd=1e-9) is None  # a new day


def test_the_spend_persists_across_restarts_on_the_same_day(fake: Fake, tmp_path: Path) -> None:
    spend_file = tmp_path / "state" / "spend.json"
    first = governor(fake, spend_file)
    first.add_spend(0.25)
    first.add_spend(0.5)
    assert json.loads(spend_file.read_text()) == {"day": DAY.isoformat(), "usd": 0.75}
    again = governor(fake, spend_file)
    assert again.spent_today() == pytest.approx(0.75)
    assert ask(again, 1, daily_usd=0.5) == "spend"
    fake.day += dt.timedelta(days=1)
    tomorrow = governor(fake, spend_file)
    assert tomorrow.spent_today() == 0.0


@pytest.mark.parametrize(
    "saved", ["", "not json", "[1, 2]", '{"day": "2026-11-25", "usd": "lots"}', '{"usd": 3}']
)
def test_an_unreadable_spend_file_counts_as_nothing_spent(
    fake: Fake, tmp_path: Path, saved: str
) -> None:
    spend_file = tmp_path / "spend.json"
    spend_file.write_text(saved)
    assert governor(fake, spend_file).spent_today() == 0.0


def test_an_unwritable_spend_file_does_not_fail(fake: Fake, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    g = governor(fake, blocker / "spend.json")  # its parent is a file: cannot be created
    g.add_spend(1.0)
    assert g.spent_today() == 1.0


def test_a_rate_limit_opens_the_circuit_for_retry_after(fake: Fake) -> None:
    g = governor(fake)
    assert g.rate_limited(5.0) == 5.0
    assert g.circuit_open()
    assert ask(g, 1) == "circuit"
    assert ask(g, 2, automatic=False) is None  # the user asked: try again
    fake.now += 5.0
    assert not g.circuit_open()
    assert ask(g, 3) is None


@pytest.mark.parametrize("retry_after", [999999999.0, 3600.0, 1e300])
def test_a_pause_is_minutes_however_long_the_api_asks_for(fake: Fake, retry_after: float) -> None:
    g = governor(fake)
    assert g.rate_limited(retry_after) == MAX_PAUSE_S
    assert g.paused_for() == MAX_PAUSE_S
    g.close_circuit()
    assert not g.circuit_open() and g.paused_for() == 0.0
    assert ask(g, 1) is None


def test_without_retry_after_the_backoff_doubles_to_a_cap_and_resets_on_success(
    fake: Fake,
) -> None:
    g = governor(fake)
    waits = [g.rate_limited(None) for _ in range(9)]
    assert waits == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, BACKOFF_MAX_S, BACKOFF_MAX_S, BACKOFF_MAX_S]
    g.close_circuit()
    assert g.rate_limited(None) == 1.0


def test_documents_are_governed_apart(fake: Fake) -> None:
    g = governor(fake)
    g.opened(URI, 1)
    g.opened("file:///work/b.py", 1)
    assert ask(g, 1) == "unchanged"
    assert ask(g, 2, uri="file:///work/b.py") is None


def test_spend_is_saved_at_most_every_few_seconds_and_two_servers_add_up(
    fake: Fake, tmp_path: Path
) -> None:
    spend_file = tmp_path / "spend.json"
    scheduled: list[tuple[float, Callable[[], None]]] = []
    later = lambda delay, callback: scheduled.append((delay, callback))  # noqa: E731
    first = Governor(spend_file, clock=fake.clock, today=fake.today, later=later)
    second = Governor(spend_file, clock=fake.clock, today=fake.today, later=later)
    first.add_spend(0.25)  # the first spend is saved at once
    assert json.loads(spend_file.read_text())["usd"] == 0.25
    first.add_spend(0.5)
    first.add_spend(0.125)  # within SAVE_EVERY_S: one save, scheduled once
    assert json.loads(spend_file.read_text())["usd"] == 0.25
    assert [delay for delay, _ in scheduled] == [SAVE_EVERY_S]
    second.add_spend(1.0)  # another server the same day
    scheduled.pop()[1]()
    assert json.loads(spend_file.read_text())["usd"] == pytest.approx(1.875)
    assert first.spent_today() == pytest.approx(1.875)  # the other's spend counts here too
    second.flush()  # nothing unsaved: the file is left alone
    assert json.loads(spend_file.read_text())["usd"] == pytest.approx(1.875)
