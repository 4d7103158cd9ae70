"""Whatever the client sends, the server answers (an empty result or a clear error) and goes on.

Each test ends by asking for an ordinary completion, which must still work. Line endings, edit
storms and random edit sequences are in `test_document_sync.py`.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from lsprotocol import types as t
from pygls.exceptions import JsonRpcException

from tests.support.emulator import Emulator
from tests.support.inline import EXPECTED, PARTIAL, inline_params, inserted
from tests.support.lsp import change, open_document
from tests.support.robustness import Start, send_raw, server_copy, still_works


# -- positions ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "position",
    [t.Position(1, 500), t.Position(50, 0), t.Position(50, 50)],
    ids=["past-the-line", "past-the-document", "past-both"],
)
async def test_a_position_past_the_end_is_clamped(start: Start, position: t.Position) -> None:
    client = await start()
    uri = open_document(client, PARTIAL)  # no final line break: the line's end is the file's
    result = await client.text_document_inline_completion_async(
        inline_params(uri, position.line, position.character)
    )
    assert inserted(result) == [EXPECTED]
    past = t.Range(t.Position(0, 0), position)
    actions = await client.text_document_code_action_async(
        t.CodeActionParams(t.TextDocumentIdentifier(uri), past, t.CodeActionContext([]))
    )
    assert actions  # a selection: the refactors are offered
    hover = await client.text_document_hover_async(
        t.HoverParams(t.TextDocumentIdentifier(uri), position)
    )
    assert hover is None
    await still_works(client)


async def test_a_code_action_on_a_range_past_the_end_resolves_or_says_why(
    start: Start,
) -> None:
    client = await start()
    uri = open_document(client, "def area(w, h):\n    return w * h\n")
    selection = t.Range(t.Position(0, 0), t.Position(99, 99))
    actions = await client.text_document_code_action_async(
        t.CodeActionParams(t.TextDocumentIdentifier(uri), selection, t.CodeActionContext([]))
    )
    assert actions is not None
    docstring = next(a for a in actions if a.title == "Grok: add a docstring")
    assert isinstance(docstring, t.CodeAction)
    resolved = await client.code_action_resolve_async(docstring)
    assert resolved.edit is not None or client.messages
    await still_works(client)


async def test_a_negative_position_is_a_clear_error(start: Start) -> None:
    client = await start()
    uri = open_document(client, PARTIAL)
    raw = {
        "textDocument": {"uri": uri},
        "position": {"line": -1, "character": -5},
        "context": {"triggerKind": 1},
    }
    with pytest.raises(JsonRpcException) as raised:
        await send_raw(client, t.TEXT_DOCUMENT_INLINE_COMPLETION, raw)
    assert raised.value.code in (-32602, -32603)  # invalid params (or pygls's internal error)
    await still_works(client)


# -- documents the server does not have --------------------------------------------------------
NEVER_OPENED = "file:///work/never_opened.py"


async def test_requests_for_a_document_never_opened_get_empty_answers(start: Start) -> None:
    client = await start()
    result = await client.text_document_inline_completion_async(inline_params(NEVER_OPENED, 0, 0))
    assert inserted(result) == []
    completion = await client.text_document_completion_async(
        t.CompletionParams(t.TextDocumentIdentifier(NEVER_OPENED), t.Position(0, 0))
    )
    assert isinstance(completion, t.CompletionList)
    diagnostic = t.Diagnostic(t.Range(t.Position(0, 0), t.Position(0, 1)), "bad", source="x")
    actions = await client.text_document_code_action_async(
        t.CodeActionParams(
            t.TextDocumentIdentifier(NEVER_OPENED),
            diagnostic.range,
            t.CodeActionContext([diagnostic]),
        )
    )
    assert not actions
    hover = await client.text_document_hover_async(
        t.HoverParams(t.TextDocumentIdentifier(NEVER_OPENED), t.Position(0, 0))
    )
    assert hover is None
    assert await server_copy(client, NEVER_OPENED) is None
    await still_works(client)


BOGUS_DATA = [
    pytest.param(
        {"uri": NEVER_OPENED, "version": 1, "task": "fix", "range": {}}, True, id="closed-uri"
    ),
    pytest.param({"task": "fix"}, True, id="no-uri"),
    pytest.param("garbage", False, id="not-an-object"),
    pytest.param({"task": "explain"}, False, id="explain-has-no-edit"),
    pytest.param({"uri": "OPEN", "version": 1, "task": "fix"}, True, id="no-range"),
    pytest.param(
        {"uri": "OPEN", "version": 1, "task": "fix", "range": {"start": {"line": "x"}}},
        True,
        id="bad-range",
    ),
    pytest.param(
        {
            "uri": "OPEN",
            "version": 1,
            "task": "fix",
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}},
            "diagnostic": {"message": "no range"},
        },
        True,
        id="bad-diagnostic",
    ),
]


@pytest.mark.parametrize(("data", "told"), BOGUS_DATA)
async def test_resolving_bogus_data_gives_no_edit(start: Start, data: Any, told: bool) -> None:
    client = await start()
    uri = open_document(client, PARTIAL)
    if isinstance(data, dict) and data.get("uri") == "OPEN":
        data = {**data, "uri": uri}
    action = t.CodeAction("Grok: fix — something", kind=t.CodeActionKind.QuickFix, data=data)
    resolved = await client.code_action_resolve_async(action)
    assert resolved.edit is None
    await asyncio.sleep(0.1)
    if told:
        assert len(client.messages) == 1, client.messages
        assert "nothing was changed" in client.messages[0].message
    for command in ("grok.applyAction", "grok.explain"):  # the same data, as a command
        try:
            await client.workspace_execute_command_async(t.ExecuteCommandParams(command, [data]))
        except JsonRpcException as error:  # arguments of the wrong type: a clear refusal
            assert error.code == -32602, error
    await still_works(client)


async def test_a_change_to_a_document_never_opened_is_ignored(start: Start) -> None:
    client = await start()
    change(client, NEVER_OPENED, 2, t.Position(0, 0), t.Position(0, 0), "x = 1\n")
    client.text_document_did_change(
        t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=NEVER_OPENED, version=3),
            content_changes=[t.TextDocumentContentChangeWholeDocument(text="y = 2\n")],
        )
    )
    client.text_document_did_close(
        t.DidCloseTextDocumentParams(t.TextDocumentIdentifier(NEVER_OPENED))
    )
    assert await server_copy(client, NEVER_OPENED) is None
    await still_works(client)


async def test_a_version_going_backwards_still_applies_the_edits(start: Start) -> None:
    client = await start()
    uri = open_document(client, "a\n")
    change(client, uri, 5, t.Position(0, 1), t.Position(0, 1), "b")
    change(client, uri, 3, t.Position(0, 2), t.Position(0, 2), "c")  # older than the last
    change(client, uri, 3, t.Position(0, 3), t.Position(0, 3), "d")  # and repeated
    copy = await server_copy(client, uri)
    assert copy.text == "abcd\n" and copy.version == 3
    await still_works(client)


async def test_a_uri_with_percent_escapes_is_served(start: Start) -> None:
    """VS Code escapes spaces, `:` after a drive letter and non-ASCII in URIs."""
    client = await start()
    for uri in ("file:///work/my%20project/demo.py", "file:///c%3A/work/d%C3%A9mo.py"):
        open_document(client, PARTIAL, uri=uri)
        result = await client.text_document_inline_completion_async(inline_params(uri, 1, 23))
        assert inserted(result) == [EXPECTED], uri
        assert (await server_copy(client, uri)).text == PARTIAL


# -- documents nobody should send --------------------------------------------------------------
async def test_a_20_mb_document_is_not_sent_and_the_server_goes_on(
    start: Start, emulator: Emulator
) -> None:
    client = await start()
    line = "value = compute(first_argument, second_argument)  # padding padding\n"
    huge = line * (20_000_000 // len(line)) + PARTIAL
    uri = open_document(client, huge, uri="file:///work/huge.py")
    requests = emulator.stats()["requests"]
    last = huge.count("\n")
    result = await asyncio.wait_for(
        client.text_document_inline_completion_async(inline_params(uri, last, 23)), 60
    )
    assert inserted(result) == []
    change(client, uri, 2, t.Position(last, 23), t.Position(last, 23), "m")
    result = await asyncio.wait_for(
        client.text_document_inline_completion_async(inline_params(uri, last, 24)), 60
    )
    assert inserted(result) == []
    assert emulator.stats()["requests"] == requests  # nothing of it went upstream
    await still_works(client)
    # Nor does it ride along in another file's prompt.
    prompt = str(emulator.stats()["last_request"]["body"])
    assert "first_argument" not in prompt
    client.text_document_did_close(t.DidCloseTextDocumentParams(t.TextDocumentIdentifier(uri)))
    await still_works(client)


async def test_a_binary_document_is_not_sent(start: Start, emulator: Emulator) -> None:
    client = await start()
    binary = "\x7fELF\x02\x01\x01\x00\x00\x00" + "".join(chr(i) for i in range(1, 256)) + "\n"
    uri = open_document(client, binary + PARTIAL, uri="file:///work/a.out", language="plaintext")
    requests = emulator.stats()["requests"]
    result = await client.text_document_inline_completion_async(inline_params(uri, 2, 23))
    assert inserted(result) == []
    diagnostic = t.Diagnostic(t.Range(t.Position(0, 0), t.Position(0, 1)), "bad", source="x")
    actions = await client.text_document_code_action_async(
        t.CodeActionParams(
            t.TextDocumentIdentifier(uri), diagnostic.range, t.CodeActionContext([diagnostic])
        )
    )
    assert not actions
    assert emulator.stats()["requests"] == requests
    await still_works(client)


async def test_lone_surrogates_are_kept_in_the_copy_and_never_sent(
    start: Start, emulator: Emulator
) -> None:
    """Invalid UTF-16 (a lone high surrogate) arrives as `"\\ud800"` in the JSON."""
    client = await start()
    text = "bad = '\ud800'\n" + PARTIAL
    uri = open_document(client, text)
    result = await client.text_document_inline_completion_async(inline_params(uri, 2, 23))
    assert inserted(result) == [EXPECTED]
    body = emulator.stats()["last_request"]["body"]
    prompt = "".join(message["content"] for message in body["messages"])
    assert "bad = '\ufffd'" in prompt and "\ud800" not in prompt
    assert (await server_copy(client, uri)).text == text  # the editor's text, unchanged
    change(client, uri, 2, t.Position(0, 7), t.Position(0, 7), "\udc00\ud83d")  # more, mid-line
    assert (await server_copy(client, uri)).text == "bad = '\udc00\ud83d\ud800'\n" + PARTIAL
    await still_works(client)
