"""Next-edit suggestions through Copilot's protocol (`textDocument/copilotInlineEdit`), as
copilot-lsp.nvim sends it, against the emulator."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from lsprotocol import types as t
from pygls.exceptions import JsonRpcRequestCancelled

from tests.conftest import StartClient
from tests.support.emulator import Emulator
from tests.support.inline import inline_params
from tests.support.lsp import GrokClient, open_document, plain_request, send_request, server_stats

REQUEST = "textDocument/copilotInlineEdit"
RENAMED = "def total(items):\n    return sum(items)\n\n\nprint(total([1, 2]))\ncount = total([3])\n"
QUIET = {"completion": {"debounceMs": 0}, "nextEdit": {"debounceMs": 0}}


class Buffer:
    """The client's copy of one document, edited as an editor does: each change sent at once."""

    def __init__(self, client: GrokClient, text: str) -> None:
        self.client = client
        self.text = text
        self.version = 1
        self.uri = open_document(client, text)

    def position(self, offset: int) -> dict[str, int]:
        line = self.text.count("\n", 0, offset)
        return {"line": line, "character": offset - (self.text.rfind("\n", 0, offset) + 1)}

    def offset(self, position: dict[str, int]) -> int:
        start = 0
        for _ in range(position["line"]):
            start = self.text.index("\n", start) + 1
        return start + position["character"]

    def replace(self, start: int, end: int, text: str) -> None:
        self.version += 1
        at = t.Range(t.Position(**self.position(start)), t.Position(**self.position(end)))
        self.client.text_document_did_change(
            t.DidChangeTextDocumentParams(
                text_document=t.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
                content_changes=[t.TextDocumentContentChangePartial(range=at, text=text)],
            )
        )
        self.text = self.text[:start] + text + self.text[end:]

    def retype(self, old: str, new: str) -> int:
        """Delete the first `old` and type `new` there key by key; the cursor after it."""
        start = self.text.index(old)
        self.replace(start, start + len(old), "")
        for at, char in enumerate(new, start):
            self.replace(at, at, char)
        return start + len(new)

    def params(self, cursor: int, version: int | None = None) -> dict[str, Any]:
        document = {"uri": self.uri, "version": self.version if version is None else version}
        return {"textDocument": document, "position": self.position(cursor)}

    async def next_edits(self, cursor: int, version: int | None = None) -> list[dict[str, Any]]:
        result = await plain_request(self.client, REQUEST, self.params(cursor, version))
        edits = result["edits"]
        assert isinstance(edits, list)
        return edits

    def apply(self, edit: dict[str, Any]) -> None:
        self.replace(
            self.offset(edit["range"]["start"]), self.offset(edit["range"]["end"]), edit["text"]
        )


async def test_after_a_rename_each_next_occurrence_is_suggested_and_applied_then_nothing(
    start_client: StartClient, emulator: Emulator
) -> None:
    client = await start_client(settings=QUIET)
    buffer = Buffer(client, RENAMED.replace("total", "amount"))
    cursor = buffer.retype("amount", "total")  # the definition, renamed in place
    [first] = await buffer.next_edits(cursor)
    assert first["text"] == "total"
    assert first["textDocument"] == {"uri": buffer.uri, "version": buffer.version}
    assert first["range"] == {
        "start": {"line": 4, "character": 6},
        "end": {"line": 4, "character": 12},
    }
    assert first["command"]["command"] == "grok.nextEditAccepted"
    client.protocol.notify(
        "textDocument/didShowInlineEdit", {"item": {"command": first["command"]}}
    )
    await client.workspace_execute_command_async(
        t.ExecuteCommandParams(first["command"]["command"], first["command"]["arguments"])
    )
    buffer.apply(first)
    [second] = await buffer.next_edits(cursor)
    assert second["range"]["start"] == {"line": 5, "character": 8}
    buffer.apply(second)
    assert buffer.text == RENAMED
    assert await buffer.next_edits(cursor) == []  # every occurrence is renamed
    served = (await server_stats(client))["nextEdit"]
    assert served["requests"] == 3 and served["offered"] == 2
    assert served["shown"] == 1 and served["accepted"] == 1
    assert served["promptTokens"] > 0 and served["costUsd"] > 0


async def test_nothing_is_offered_when_nothing_follows_the_edit(
    start_client: StartClient, emulator: Emulator
) -> None:
    client = await start_client(settings=QUIET)
    buffer = Buffer(client, "def area(w, h):\n    return w * h\n")
    cursor = buffer.retype("w * h", "h * w")
    assert await buffer.next_edits(cursor) == []
    assert emulator.stats()["requests"] == 1  # asked, and the model's region came back as it was


async def test_a_stale_version_gets_nothing_and_costs_no_request(
    start_client: StartClient, emulator: Emulator
) -> None:
    client = await start_client(settings=QUIET)
    buffer = Buffer(client, RENAMED.replace("total", "amount"))
    cursor = buffer.retype("amount", "total")
    assert await buffer.next_edits(cursor, version=buffer.version - 1) == []
    assert emulator.stats()["requests"] == 0
    assert (await server_stats(client))["nextEdit"]["stale"] == 1


async def test_an_edit_during_the_pause_makes_the_answer_stale(
    start_client: StartClient, emulator: Emulator
) -> None:
    client = await start_client(settings={"nextEdit": {"debounceMs": 2000}})
    buffer = Buffer(client, RENAMED.replace("total", "amount"))
    cursor = buffer.retype("amount", "total")
    asked = asyncio.ensure_future(buffer.next_edits(cursor))
    await asyncio.sleep(0.1)
    buffer.replace(len(buffer.text), len(buffer.text), "#")  # typing goes on
    assert await asyncio.wait_for(asked, 10) == []
    assert emulator.stats()["requests"] == 0


async def test_nothing_in_the_middle_of_a_word_nor_before_any_edit(
    start_client: StartClient, emulator: Emulator
) -> None:
    client = await start_client(settings=QUIET)
    buffer = Buffer(client, RENAMED.replace("total", "amount"))
    assert await buffer.next_edits(5) == []  # opened, not edited: nothing to continue from
    buffer.replace(6, 6, "x")  # typing inside `amount`
    assert await buffer.next_edits(7) == []
    assert emulator.stats()["requests"] == 0
    assert (await server_stats(client))["nextEdit"]["dropped"] == 2


async def test_a_newer_request_ends_the_older_one_and_the_editor_can_cancel(
    start_client: StartClient, emulator: Emulator
) -> None:
    client = await start_client(settings={"nextEdit": {"debounceMs": 2000}})
    buffer = Buffer(client, RENAMED.replace("total", "amount"))
    cursor = buffer.retype("amount", "total")
    first = asyncio.ensure_future(plain_request(client, REQUEST, buffer.params(cursor)))
    await asyncio.sleep(0.05)
    [edit] = await buffer.next_edits(cursor)
    assert edit["text"] == "total"
    assert await asyncio.wait_for(first, 5) == {"edits": []}  # not an error: no message
    cancelled = asyncio.ensure_future(send_request(client, REQUEST, buffer.params(cursor), 7001))
    await asyncio.sleep(0.05)
    client.cancel_request(t.CancelParams(id=7001))
    with pytest.raises(JsonRpcRequestCancelled):
        await asyncio.wait_for(cancelled, 5)
    assert emulator.stats()["requests"] == 1
    assert (await server_stats(client))["nextEdit"]["cancelled"] == 2


async def test_the_prompt_shares_the_completions_leading_layers_and_the_rate_cap(
    start_client: StartClient, emulator: Emulator
) -> None:
    client = await start_client(
        settings={**QUIET, "completion": {"debounceMs": 0, "maxRequestsPerMinute": 2}}
    )
    buffer = Buffer(client, RENAMED.replace("total", "amount"))
    cursor = buffer.retype("amount", "total")
    line = buffer.position(cursor)
    params = inline_params(buffer.uri, line["line"], line["character"], automatic=True)
    await client.text_document_inline_completion_async(params)
    completion = emulator.leading_layers()
    assert len(await buffer.next_edits(cursor)) == 1
    next_edit = emulator.stats()["last_request"]["body"]["messages"]
    assert emulator.leading_layers() == completion  # system and snapshot: byte-identical
    assert (
        "<recent_edits>\n--- line 1\n-def amount(items):\n+def total(items):\n"
        in (next_edit[-1]["content"])
    )
    assert emulator.stats()["cached_tokens"] > 0
    buffer.replace(0, 0, "# ")
    assert await buffer.next_edits(cursor + 2) == []  # the third automatic request this minute
    assert emulator.stats()["requests"] == 2


@pytest.mark.parametrize(
    "params",
    [
        None,
        {},
        {"textDocument": {"uri": 5}, "position": {"line": 0, "character": 0}},
        {"textDocument": {"uri": "file:///work/demo.py"}, "position": {"line": -1}},
        {
            "textDocument": {"uri": "file:///nowhere.py", "version": 1},
            "position": {"line": 0, "character": 0},
        },
    ],
)
async def test_bad_params_get_no_edits_and_the_server_goes_on(
    start_client: StartClient, emulator: Emulator, params: Any
) -> None:
    client = await start_client(settings=QUIET)
    assert await plain_request(client, REQUEST, params) == {"edits": []}
    assert (await server_stats(client))["nextEdit"]["offered"] == 0
