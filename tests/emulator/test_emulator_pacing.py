"""The emulator's token pacing: each step is due at the stream's start plus the delays so far,
however long sending takes (checked on a fake clock, not the wall clock)."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from starlette.types import Message

from grok_lsp.emulator import stream
from grok_lsp.emulator.stream import Outcome, PacedResponse
from grok_lsp.emulator.wire import Step

SEND_COST_S = 0.004  # each send takes this long on the fake clock: a busy machine


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def current_time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds

    async def sleep_forever(self) -> None:
        await anyio.sleep_forever()

    def __getattr__(self, name: str) -> Any:
        return getattr(anyio, name)


async def test_steps_are_sent_on_their_deadlines_whatever_sending_costs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FakeClock()
    monkeypatch.setattr(stream, "anyio", clock)
    steps = [Step(0.3, b"first"), *(Step(0.01, b"token", "content") for _ in range(40))]
    sent_at: list[float] = []
    outcomes: list[Outcome] = []

    async def send(message: Message) -> None:
        if message.get("body"):
            sent_at.append(clock.now)
        clock.now += SEND_COST_S

    async def receive() -> Message:
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    start = clock.now + SEND_COST_S  # after the response's headers went out
    response = PacedResponse(
        steps, "done", media_type="text/event-stream", on_finish=outcomes.append
    )
    await response({"type": "http"}, receive, send)
    expected = [start + 0.3 + 0.01 * i for i in range(41)]
    assert sent_at == pytest.approx(expected)
    assert outcomes[0].end == "completed" and outcomes[0].content_tokens == 40
