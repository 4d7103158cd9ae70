"""Whatever the client sends, the server answers (an empty result or a clear error) and goes on.

Each test ends by asking for an ordinary completion, which must still work. The last test
throws random edit sequences (CRLF, lone CR, form feeds, emoji, CJK) and positions at one
server and checks that its copy of the document stays equal to the client's, as LSP defines it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types as t
from pygls.exceptions import JsonRpcException

from tests.conftest import StartClient
from tests.support.emulator import Emulator
from tests.support.inline import EXPECTED, ORACLE, PARTIAL, inline_params, inserted
from tests.support.lsp import GrokClient, change, open_document, send_request
from tests.support.profiles import helix_capabilities

_uris = itertools.count()


Start = Callable[[], Awaitable[GrokClient]]


@pytest.fixture
def start(start_client: StartClient, emulator: Emulator) -> Start:
    """A server with the oracle set. (Not a client fixture: pytest-lsp would turn every error
    the client logs, such as a refused `client/registerCapability`, into a test failure.)"""

    async def started() -> GrokClient:
        emulator.set_oracle(ORACLE)
        return await start_client()

    return started


async def still_works(client: GrokClient) -> None:
    """A fresh document gets the oracle's completion: the server is alive and in its right mind."""
    uri = open_document(client, PARTIAL, uri=f"file:///work/check_{next(_uris)}.py")
    result = await asyncio.wait_for(
        client.text_document_inline_completion_async(inline_params(uri, 1, 23)), 30
    )
    assert inserted(result) == [EXPECTED]


async def server_copy(client: GrokClient, uri: str) -> Any:
    return await send_request(client, "grok/document", {"uri": uri})


async def send_raw(client: GrokClient, method: str, params: Any) -> Any:
    """A request exactly as given: pygls's client would refuse to serialize invalid params."""
    msg_id = f"raw-{next(_uris)}"
    answered: concurrent.futures.Future[Any] = concurrent.futures.Future()
    client.protocol._request_futures[msg_id] = answered
    client.protocol._send_data({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
    return await asyncio.wait_for(asyncio.wrap_future(answered), 30)


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


# -- line endings -------------------------------------------------------------------------------
MIXED = (
    "import os\r\nimport sys\rimport re\n\x0c\r\n" + PARTIAL.replace("\n", "\r\n") + "\r\n\rx = 1\n"
)


async def test_crlf_and_mixed_line_endings_complete_at_the_right_place(
    start: Start, emulator: Emulator
) -> None:
    client = await start()
    uri = open_document(client, MIXED)
    # LSP lines: 0 import os, 1 import sys, 2 import re, 3 form feed, 4 def greet, 5 return …
    result = await client.text_document_inline_completion_async(inline_params(uri, 5, 23))
    assert inserted(result) == [EXPECTED]
    change(client, uri, 2, t.Position(5, 23), t.Position(5, 23), "me")
    result = await client.text_document_inline_completion_async(inline_params(uri, 5, 25))
    assert inserted(result) == [EXPECTED[2:]]
    assert (await server_copy(client, uri)).text == MIXED.replace("{na\r\n", "{name\r\n")
    await still_works(client)


async def test_crlf_and_wide_characters_in_a_utf8_client(
    start_client: StartClient, emulator: Emulator
) -> None:
    oracle = (
        "def greet(名前: str) -> str:\n    return f'こんにちは, {名前}! 😀 Welcome to grok-lsp.'\n"
    )
    emulator.set_oracle(oracle)
    client = await start_client(
        capabilities=helix_capabilities(snippets=False),
    )
    text = "# 😀\r\ndef greet(名前: str) -> str:\r\n    return f'こんにちは, {名"
    uri = open_document(client, text)
    column = len("    return f'こんにちは, {名".encode())
    completion = await client.text_document_completion_async(
        t.CompletionParams(t.TextDocumentIdentifier(uri), t.Position(2, column))
    )
    assert isinstance(completion, t.CompletionList)
    [item] = completion.items
    assert isinstance(item.text_edit, t.TextEdit)
    assert item.text_edit.new_text == "名前}! 😀 Welcome to grok-lsp.'"
    word_start = len("    return f'こんにちは, {".encode())
    assert item.text_edit.range == t.Range(t.Position(2, word_start), t.Position(2, column))


# -- floods -------------------------------------------------------------------------------------
async def test_a_did_change_storm_keeps_the_copy_exact(start: Start) -> None:
    client = await start()
    uri = open_document(client, "")
    typed = "def storm(x):\r\n    return x  # 😀 ünïcødé 中文\n" * 60  # ~3000 keystrokes
    line = column = 0
    version = 1
    previous = ""
    for char in typed:
        version += 1
        change(client, uri, version, t.Position(line, column), t.Position(line, column), char)
        if char == "\r" or (char == "\n" and previous != "\r"):
            line, column = line + 1, 0  # a lone `\r` is a line break of its own...
        elif char != "\n":  # ...and a `\n` typed after it joins it: still one break
            column += 2 if ord(char) > 0xFFFF else 1
        previous = char
    copy = await asyncio.wait_for(server_copy(client, uri), 60)
    assert copy.text == typed and copy.version == version

    async def futures() -> int:
        served = await send_request(client, "grok/stats", {})
        return int(served.runtime.pendingFutures)

    for _ in range(100):  # none kept per notification (pygls kept one each)
        if await futures() == 0:
            break
        await asyncio.sleep(0.05)
    assert await futures() == 0
    await still_works(client)


# -- random edits -------------------------------------------------------------------------------
_BREAKS = re.compile(r"\r\n|\r|\n")
PIECES = ["a", "bc", " ", "\t", "\n", "\r\n", "\r", "\x0c", "\u2028", "😀", "中文", "é", "}", "'"]


def lsp_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line's content, split only at `\\r\\n`, `\\r` and `\\n`."""
    spans, start = [], 0
    for found in _BREAKS.finditer(text):
        spans.append((start, found.start()))
        start = found.end()
    spans.append((start, len(text)))
    return spans


def offset_of(text: str, position: t.Position) -> int:
    """LSP: a line past the end is the end; a character past the line's end is its end."""
    spans = lsp_lines(text)
    if position.line >= len(spans):
        return len(text)
    start, end = spans[position.line]
    content = text[start:end].encode("utf-16-le")
    units = min(position.character, len(content) // 2)
    return start + len(content[: units * 2].decode("utf-16-le"))


def position_of(text: str, offset: int) -> t.Position:
    for line, (start, end) in enumerate(lsp_lines(text)):
        if start <= offset <= end:
            return t.Position(line, len(text[start:offset].encode("utf-16-le")) // 2)
    raise AssertionError("offset inside a line break")


def boundary(text: str, fraction: float) -> int:
    """An offset that is not inside a `\\r\\n` pair."""
    offset = round(fraction * len(text))
    if 0 < offset < len(text) and text[offset - 1 : offset + 1] == "\r\n":
        offset -= 1
    return offset


edit_strategy = st.tuples(
    st.floats(0, 1),
    st.floats(0, 1),
    st.lists(st.sampled_from(PIECES), max_size=5).map("".join),
    st.integers(0, 3),  # 3: positions past the line's end
)


async def test_random_edits_keep_the_servers_copy_equal_to_the_clients(
    start: Start,
) -> None:
    client = await start()
    loop = asyncio.get_running_loop()
    examples = 0

    def call(coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(30)

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        st.lists(st.sampled_from(PIECES), max_size=12).map("".join),
        st.lists(edit_strategy, min_size=1, max_size=12),
        st.lists(st.tuples(st.integers(0, 20), st.integers(0, 40)), max_size=3),
    )
    def editing(
        initial: str, edits: list[tuple[float, float, str, int]], asks: list[tuple[int, int]]
    ) -> None:
        nonlocal examples
        examples += 1
        uri = f"file:///work/random_{next(_uris)}.py"
        loop.call_soon_threadsafe(open_document, client, initial, uri)
        text, version = initial, 1
        for first, second, new_text, past in edits:
            start, end = sorted((boundary(text, first), boundary(text, second)))
            start_at, end_at = position_of(text, start), position_of(text, end)
            if past == 3:  # as far as the line's end, said with a character past it
                end_at = t.Position(end_at.line, end_at.character + 1000)
                end = offset_of(text, end_at)
            version += 1
            loop.call_soon_threadsafe(change, client, uri, version, start_at, end_at, new_text)
            text = text[:start] + new_text + text[end:]
        for line, character in asks:
            result = call(
                client.text_document_inline_completion_async(inline_params(uri, line, character))
            )
            assert isinstance(result, t.InlineCompletionList)
        copy = call(server_copy(client, uri))
        assert copy.text == text
        assert copy.version == version
        loop.call_soon_threadsafe(
            client.text_document_did_close,
            t.DidCloseTextDocumentParams(t.TextDocumentIdentifier(uri)),
        )

    await asyncio.to_thread(editing)
    assert examples >= 25
    await still_works(client)


async def test_a_cancel_that_crosses_the_answer_is_not_a_warning(
    start_client: StartClient, emulator: Emulator, tmp_path: Path
) -> None:
    log_file = tmp_path / "grok.log"
    emulator.set_oracle(ORACLE)
    client = await start_client(
        args=["--log-level", "INFO", "--log-file", str(log_file)],
    )
    await still_works(client)  # its request is answered: a cancel for it now arrives late
    answered = client.protocol._request_futures  # empty: every request so far has its answer
    assert not answered
    for late in (1, 2, "no-such-request"):
        client.protocol.notify(t.CANCEL_REQUEST, t.CancelParams(id=late))
    await still_works(client)
    assert "WARNING" not in log_file.read_text()
