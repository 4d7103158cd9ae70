"""What the editor reports about suggestions (shown, accepted, partly accepted), the request
sent ahead after an acceptance, and the alternatives to cycle: through the real server."""

from __future__ import annotations

import asyncio
from typing import Any

from lsprotocol import types as t
from tests.conftest import (
    Emulator,
    GrokClient,
    StartClient,
    helix_capabilities,
    open_document,
    server_stats,
)
from tests.e2e.test_cache import change
from tests.e2e.test_inline import EXPECTED, ORACLE, PARTIAL, inline_params, set_oracle
from tests.e2e.test_load import eventually

ACCEPT = "grok.didAcceptCompletion"
TOTAL = "def total(items):\n    count = 0\n    for item in items:\n        count += item\n"
BLOCK_AT = "def total(items):\n"  # the cursor on the empty line after it: a block follows
HEAD = "def greet(name: str) -> st"  # completed with "r:", which a block follows
BODY = "\n    return f'Hello, {name}! Welcome to grok-lsp.'"


async def suggest(client: GrokClient, uri: str, line: int, column: int) -> t.InlineCompletionItem:
    result = await client.text_document_inline_completion_async(inline_params(uri, line, column))
    assert isinstance(result, t.InlineCompletionList) and result.items
    return result.items[0]


def report(client: GrokClient, method: str, item: t.InlineCompletionItem, **more: Any) -> None:
    """A Copilot-style notification about `item`, as the editor received it."""
    client.protocol.notify(method, {"item": client.protocol._converter.unstructure(item), **more})


async def accept(client: GrokClient, item: t.InlineCompletionItem) -> None:
    assert item.command is not None and item.command.command == ACCEPT
    await client.workspace_execute_command_async(
        t.ExecuteCommandParams(command=ACCEPT, arguments=item.command.arguments)
    )


async def test_shown_accepted_and_partly_accepted_are_counted_once_each(
    start_client: StartClient, emulator: Emulator
) -> None:
    set_oracle(emulator, ORACLE)
    client = await start_client(settings={"completion": {"speculateAfterAccept": False}})
    assert (
        ACCEPT
        in (
            client.server_capabilities.execute_command_provider or t.ExecuteCommandOptions([])
        ).commands
    )
    uri = open_document(client, PARTIAL)
    item = await suggest(client, uri, 1, 23)
    report(client, "textDocument/didShowCompletion", item)
    report(client, "textDocument/didShowCompletion", item)  # shown again: the same suggestion
    report(client, "textDocument/didPartiallyAcceptCompletion", item, acceptedLength=3)
    await accept(client, item)
    await accept(client, item)
    served = await server_stats(client)
    assert {key: served[key] for key in ("offered", "shown", "partiallyAccepted", "accepted")} == {
        "offered": 1,
        "shown": 1,
        "partiallyAccepted": 1,
        "accepted": 1,
    }
    assert served["acceptanceRate"] == 1.0 and served["acceptanceBasis"] == "shown"


async def test_typing_through_a_suggestion_then_accepting_the_rest_is_one_acceptance(
    start_client: StartClient, emulator: Emulator
) -> None:
    set_oracle(emulator, ORACLE)
    client = await start_client(settings={"completion": {"speculateAfterAccept": False}})
    uri = open_document(client, PARTIAL)
    first = await suggest(client, uri, 1, 23)
    change(client, uri, 2, t.Position(1, 23), EXPECTED[:4])
    rest = await suggest(client, uri, 1, 27)
    assert rest.insert_text == EXPECTED[4:]
    assert first.command is not None and rest.command is not None
    assert rest.command.arguments == first.command.arguments  # the same suggestion
    await accept(client, rest)
    served = await server_stats(client)
    assert (served["offered"], served["accepted"], served["shown"]) == (1, 1, 0)
    assert served["acceptanceBasis"] == "offered"  # no didShowCompletion from this client


async def test_a_popup_item_typed_through_is_offered_and_accepted_once(
    start_client: StartClient, emulator: Emulator
) -> None:
    """Helix and older Neovims report nothing about a popup item: offered when listed, accepted
    once the document holds it all, so the rate is there for them too."""
    set_oracle(emulator, ORACLE)
    client = await start_client(capabilities=helix_capabilities())
    uri = open_document(client, PARTIAL)
    params = t.CompletionParams(t.TextDocumentIdentifier(uri), t.Position(1, 23))
    listed = await client.text_document_completion_async(params)
    assert isinstance(listed, t.CompletionList) and len(listed.items) == 1
    change(client, uri, 2, t.Position(1, 23), EXPECTED[:4])  # typed, the item still listed
    after = t.CompletionParams(t.TextDocumentIdentifier(uri), t.Position(1, 27))
    await client.text_document_completion_async(after)
    change(client, uri, 3, t.Position(1, 27), EXPECTED[4:] + "\n")  # the rest taken
    ahead = t.CompletionParams(t.TextDocumentIdentifier(uri), t.Position(2, 0))
    await client.text_document_completion_async(ahead)
    served = await server_stats(client)
    assert (served["offered"], served["accepted"]) == (1, 1)
    assert served["acceptanceRate"] == 1.0 and served["acceptanceBasis"] == "offered"


async def test_reports_about_unknown_or_malformed_items_change_nothing(
    start_client: StartClient, emulator: Emulator
) -> None:
    set_oracle(emulator, ORACLE)
    client = await start_client()
    uri = open_document(client, PARTIAL)
    await suggest(client, uri, 1, 23)
    client.protocol.notify("textDocument/didShowCompletion", {"item": {"insertText": "x"}})
    client.protocol.notify("textDocument/didShowCompletion", {})
    client.protocol.notify(
        "textDocument/didPartiallyAcceptCompletion",
        {"item": {"command": {"title": "", "command": ACCEPT, "arguments": [7]}}},
    )
    await client.workspace_execute_command_async(
        t.ExecuteCommandParams(command=ACCEPT, arguments=["no-such-id"])
    )
    await client.workspace_execute_command_async(t.ExecuteCommandParams(command=ACCEPT))
    served = await server_stats(client)
    assert (served["shown"], served["partiallyAccepted"], served["accepted"]) == (0, 0, 0)
    assert served["errors"] == 0 and served["speculativeRequests"] == 0


async def test_after_an_acceptance_the_next_request_goes_out_before_the_editor_asks(
    start_client: StartClient, emulator: Emulator
) -> None:
    set_oracle(emulator, ORACLE)
    # The debounce is far longer than the test may take: a request ahead skips it.
    client = await start_client(settings={"completion": {"debounceMs": 30000}})
    uri = open_document(client, HEAD)
    item = await suggest(client, uri, 0, len(HEAD))
    assert item.insert_text == "r:"
    change(
        client, uri, 2, t.Position(0, len(HEAD)), "r:"
    )  # the editor inserts it, runs the command
    await accept(client, item)

    await eventually(lambda: emulator.stats()["requests"] == 2)  # the request ahead
    automatic = inline_params(uri, 0, len(HEAD) + 2, automatic=True)
    answer = await asyncio.wait_for(client.text_document_inline_completion_async(automatic), 15)
    assert isinstance(answer, t.InlineCompletionList)
    assert [item.insert_text for item in answer.items] == [BODY]
    assert emulator.stats()["requests"] == 2  # the editor's own request was served from it
    served = await server_stats(client)
    assert served["speculativeRequests"] == 1 and served["accepted"] == 1


async def test_no_request_ahead_when_turned_off_or_the_text_is_not_in(
    start_client: StartClient, emulator: Emulator
) -> None:
    set_oracle(emulator, ORACLE)
    client = await start_client(settings={"completion": {"debounceMs": 30000}})
    uri = open_document(client, PARTIAL)
    item = await suggest(client, uri, 1, 23)
    await accept(client, item)  # accepted, but the editor never inserted it
    await asyncio.sleep(0.5)
    off = await start_client(settings={"completion": {"speculateAfterAccept": False}})
    other = open_document(off, PARTIAL, uri="file:///work/other.py")
    item = await suggest(off, other, 1, 23)
    change(off, other, 2, t.Position(1, 23), EXPECTED)
    await accept(off, item)
    await asyncio.sleep(0.5)
    assert emulator.stats()["requests"] == 2  # the two suggestions, nothing ahead
    assert (await server_stats(client))["speculativeRequests"] == 0


async def test_a_block_comes_with_its_first_line_to_cycle_to(
    start_client: StartClient, emulator: Emulator
) -> None:
    set_oracle(emulator, TOTAL)
    client = await start_client()
    uri = open_document(client, BLOCK_AT)
    for automatic in (False, True):  # Neovim 0.12 only ever asks automatically
        listed = await client.text_document_inline_completion_async(
            inline_params(uri, 1, 0, automatic=automatic)
        )
        assert isinstance(listed, t.InlineCompletionList)
        texts = [item.insert_text for item in listed.items]
        assert len(texts) == 2 and isinstance(texts[0], str) and "\n" in texts[0].strip()
        assert texts[1] == texts[0].split("\n")[0]
        ids = [item.command.arguments for item in listed.items if item.command is not None]
        assert len(ids) == 2 and ids[0] != ids[1]  # accepting either is reported as itself
    assert emulator.stats()["requests"] == 1  # alternatives that cost no request
    served = await server_stats(client)
    assert served["offered"] == 1  # one suggestion, with its alternative


async def test_the_request_ahead_is_governed_like_any_automatic_one(
    start_client: StartClient, emulator: Emulator
) -> None:
    set_oracle(emulator, ORACLE)
    client = await start_client(settings={"completion": {"maxRequestsPerMinute": 1}})
    uri = open_document(client, HEAD[:-1])
    change(client, uri, 2, t.Position(0, len(HEAD) - 1), HEAD[-1])  # typed: automatic may ask
    typed = await client.text_document_inline_completion_async(
        inline_params(uri, 0, len(HEAD), automatic=True)
    )
    assert isinstance(typed, t.InlineCompletionList) and typed.items  # the minute's one request
    change(client, uri, 3, t.Position(0, len(HEAD)), "r:")
    await accept(client, typed.items[0])

    async def refused() -> bool:  # the request ahead, by the per-minute cap
        return bool((await server_stats(client))["dropped"] >= 1)

    await eventually(refused)
    assert emulator.stats()["requests"] == 1
    assert (await server_stats(client))["speculativeRequests"] == 1
