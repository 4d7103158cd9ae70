"""The cost governor through the real server: what automatic requests may cost, and when not.

Every server here keeps its state (today's spend) in the test's own directory.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as t

from tests.conftest import StartClient
from tests.support.emulator import Emulator
from tests.support.inline import EXPECTED, ORACLE, PARTIAL, inline_params, inserted
from tests.support.lsp import GrokClient, open_document, server_stats


def completion(**options: Any) -> dict[str, Any]:
    return {"completion": {"debounceMs": 0, **options}}


def retype(client: GrokClient, uri: str, version: int) -> t.Position:
    """Replace the text with a new variant of PARTIAL; return the cursor at its end."""
    client.text_document_did_change(
        t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                t.TextDocumentContentChangeWholeDocument(text=f"# v{version}\n{PARTIAL}")
            ],
        )
    )
    return t.Position(2, 23)


async def ask(client: GrokClient, uri: str, at: t.Position, automatic: bool) -> list[str]:
    params = inline_params(uri, at.line, at.character, automatic=automatic)
    return inserted(await client.text_document_inline_completion_async(params))


async def served(client: GrokClient) -> dict[str, Any]:
    return await server_stats(client)


async def test_a_just_opened_document_sends_nothing_automatically(
    start_client: StartClient, emulator: Emulator
) -> None:
    emulator.set_oracle(ORACLE)
    client = await start_client()
    uri = open_document(client, PARTIAL)
    assert await ask(client, uri, t.Position(1, 23), automatic=True) == []
    assert await ask(client, uri, t.Position(0, 5), automatic=True) == []  # cursor moved
    assert emulator.stats()["requests"] == 0
    assert (await served(client))["dropped"] == 2
    assert await ask(client, uri, t.Position(1, 23), automatic=False) == [EXPECTED]  # asked for
    at = retype(client, uri, 2)
    assert await ask(client, uri, at, automatic=True) == [EXPECTED]  # typed: now it may
    assert emulator.stats()["requests"] == 2


async def test_the_per_minute_cap_holds_automatic_requests_only(
    start_client: StartClient, emulator: Emulator
) -> None:
    emulator.set_oracle(ORACLE)
    client = await start_client(settings=completion(maxRequestsPerMinute=2))
    uri = open_document(client, PARTIAL)
    answers = []
    for version in range(2, 6):
        at = retype(client, uri, version)
        answers.append(await ask(client, uri, at, automatic=True))
    assert answers == [[EXPECTED], [EXPECTED], [], []]
    assert emulator.stats()["requests"] == 2
    assert await ask(client, uri, at, automatic=False) == [EXPECTED]  # explicit: not capped
    assert emulator.stats()["requests"] == 3
    assert not client.messages  # a cap reached is not worth a pop-up


async def test_automatic_requests_wait_for_the_per_second_rate_instead_of_being_dropped(
    start_client: StartClient, emulator: Emulator
) -> None:
    emulator.set_oracle(ORACLE)
    client = await start_client(settings={"rateLimitPerMinute": 60, **completion()})  # 1 a second
    uri = open_document(client, PARTIAL)
    started = time.perf_counter()
    first = await ask(client, uri, retype(client, uri, 2), automatic=True)
    second = await ask(client, uri, retype(client, uri, 3), automatic=True)
    assert first == second == [EXPECTED]
    # A lower bound only: the second went upstream a second after the first, not at once.
    assert time.perf_counter() - started >= 1.0
    stats = await served(client)
    assert (stats["paced"], stats["dropped"], emulator.stats()["requests"]) == (1, 0, 2)
    assert await ask(client, uri, retype(client, uri, 4), automatic=False) == [EXPECTED]
    assert (await served(client))["paced"] == 1  # an explicit request is never paced


async def test_the_daily_spend_ceiling_pauses_automatic_requests_with_one_message(
    start_client: StartClient, emulator: Emulator, tmp_path: Path
) -> None:
    emulator.set_oracle(ORACLE)
    settings = completion(dailySpendLimitUsd=1e-9)
    client = await start_client(settings=settings)
    uri = open_document(client, PARTIAL)
    assert await ask(client, uri, retype(client, uri, 2), automatic=True) == [EXPECTED]
    for version in (3, 4):
        assert await ask(client, uri, retype(client, uri, version), automatic=True) == []
    assert await ask(client, uri, retype(client, uri, 5), automatic=False) == [EXPECTED]
    assert await ask(client, uri, retype(client, uri, 6), automatic=True) == []
    assert emulator.stats()["requests"] == 2  # the first automatic one, and the explicit one
    await asyncio.sleep(0.1)
    [message] = [m.message for m in client.messages]
    assert "paused" in message and "dailySpendLimitUsd" in message
    spend = json.loads((tmp_path / "state" / "spend.json").read_text())
    assert spend["usd"] > 0

    # The same day, a new server: the spend is remembered.
    again = await start_client(settings=settings)
    uri = open_document(again, PARTIAL)
    assert await ask(again, uri, retype(again, uri, 2), automatic=True) == []
    assert emulator.stats()["requests"] == 2
    await asyncio.sleep(0.1)
    assert len(again.messages) == 1
    assert await ask(again, uri, retype(again, uri, 3), automatic=False) == [EXPECTED]


async def test_raising_the_ceiling_resumes_automatic_requests(
    start_client: StartClient, emulator: Emulator
) -> None:
    emulator.set_oracle(ORACLE)
    client = await start_client(settings=completion(dailySpendLimitUsd=1e-9))
    uri = open_document(client, PARTIAL)
    assert await ask(client, uri, retype(client, uri, 2), automatic=True) == [EXPECTED]
    assert await ask(client, uri, retype(client, uri, 3), automatic=True) == []
    client.set_configuration(completion(dailySpendLimitUsd=100), section="grok")
    client.workspace_did_change_configuration(t.DidChangeConfigurationParams(settings=None))
    await asyncio.sleep(0.3)
    assert await ask(client, uri, retype(client, uri, 4), automatic=True) == [EXPECTED]


async def test_a_model_without_a_known_price_is_named_once_when_a_ceiling_is_set(
    start_client: StartClient, emulator: Emulator
) -> None:
    """Early-stopped streams never get their usage: without a price the ceiling cannot count
    them, which the user is told once; with `grok.prices` for the model they count again."""
    emulator.set_oracle(ORACLE)
    emulator.configure(overshoot_lines=4)  # the model writes on; the server stops the stream
    client = await start_client(settings=completion(dailySpendLimitUsd=1e-9))
    uri = open_document(client, PARTIAL)
    for version in (2, 3):
        assert await ask(client, uri, retype(client, uri, version), automatic=True) == [EXPECTED]
    await asyncio.sleep(0.1)
    [message] = [m.message for m in client.messages]
    assert "no price is known for the model `grok-lsp-emulator`" in message, message
    assert "grok.prices" in message
    price = {"input": 0.2, "cachedInput": 0.02, "output": 1.5}
    client.set_configuration(
        {**completion(dailySpendLimitUsd=1e-9), "prices": {"grok-lsp-emulator": price}},
        section="grok",
    )
    client.workspace_did_change_configuration(t.DidChangeConfigurationParams(settings=None))
    await asyncio.sleep(0.3)
    assert await ask(client, uri, retype(client, uri, 4), automatic=True) == [EXPECTED]
    assert await ask(client, uri, retype(client, uri, 5), automatic=True) == []  # counted now


@pytest.mark.parametrize("suppress", [True, False])
async def test_suppression_in_comments_and_strings(
    start_client: StartClient, emulator: Emulator, suppress: bool
) -> None:
    client = await start_client(settings=completion(suppressInCommentsAndStrings=suppress))
    uri = open_document(client, "def f():\n    return 1\n")
    lines = ["x = 1  # the count of", 'name = "Hello, wor', "total = compute("]
    for version, line in enumerate(lines, start=2):
        client.text_document_did_change(
            t.DidChangeTextDocumentParams(
                text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[t.TextDocumentContentChangeWholeDocument(text=line)],
            )
        )
        await ask(client, uri, t.Position(0, len(line)), automatic=True)
    sent = emulator.stats()["requests"]
    assert sent == (1 if suppress else 3)  # only the line of code, when suppressing
    client.text_document_did_change(
        t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=9),
            content_changes=[t.TextDocumentContentChangeWholeDocument(text=lines[0])],
        )
    )
    await ask(client, uri, t.Position(0, len(lines[0])), automatic=False)  # asked for: sent
    assert emulator.stats()["requests"] == sent + 1
