"""Work-done progress for code actions: begun, ended, and not kept afterwards."""

from __future__ import annotations

import asyncio
import contextlib
from types import SimpleNamespace
from typing import Any

import pytest
from lsprotocol import types as t
from pygls.progress import Progress as PyglsProgress

from grok_lsp import ask
from grok_lsp.ask import Progress


class FakeProtocol:
    """What pygls's progress helper sends, recorded; the client accepts every token, or with
    `silent` never answers."""

    def __init__(self, silent: bool = False) -> None:
        self.sent: list[tuple[str, Any]] = []
        self.silent = silent

    def send_request_async(self, method: str, params: Any) -> asyncio.Future[None]:
        self.sent.append((method, params))
        answered: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if not self.silent:
            answered.set_result(None)
        return answered

    def notify(self, method: str, params: Any) -> None:
        self.sent.append((method, params))


def server_with(protocol: FakeProtocol) -> Any:
    return SimpleNamespace(
        client_capabilities=t.ClientCapabilities(
            window=t.WindowClientCapabilities(work_done_progress=True)
        ),
        # A stand-in with the two methods pygls's helper calls, not a whole protocol.
        work_done_progress=PyglsProgress(protocol),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("fails", [False, True])
async def test_a_finished_progress_leaves_no_token_behind(fails: bool) -> None:
    protocol = FakeProtocol()
    ls = server_with(protocol)
    with pytest.raises(RuntimeError) if fails else contextlib.nullcontext():
        async with Progress(ls, "Grok", "grok-4.3") as progress:
            progress.reasoning(300, "the unused import")
            if fails:
                raise RuntimeError("the API failed")
    kinds = [getattr(params, "value", None) for _, params in protocol.sent]
    assert isinstance(kinds[1], t.WorkDoneProgressBegin)
    assert kinds[1].message == "asking grok-4.3…"  # the model asked, not "Grok"
    assert isinstance(kinds[-1], t.WorkDoneProgressEnd)
    assert kinds[-1].message == ("failed" if fails else "done")
    assert ls.work_done_progress.tokens == {}


async def test_a_client_that_never_answers_the_create_request_does_not_hold_the_action(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ask, "PROGRESS_CREATE_S", 0.05)
    protocol = FakeProtocol(silent=True)
    async with asyncio.timeout(5):  # without the limit this would wait for ever
        async with Progress(server_with(protocol), "Grok", "grok-4.3") as progress:
            progress.say("checking with ruff…")
    assert [method for method, _ in protocol.sent] == [t.WINDOW_WORK_DONE_PROGRESS_CREATE]
