"""The server's copy of a document stays the client's, as LSP defines it: CRLF, lone CR, form
feeds, emoji and CJK, storms of changes, random edit sequences at one server, and cancels that
cross their answer. Each test ends by asking for an ordinary completion, which must still work.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types as t

from tests.conftest import StartClient
from tests.support.emulator import Emulator
from tests.support.inline import EXPECTED, ORACLE, PARTIAL, inline_params, inserted
from tests.support.lsp import change, open_document, send_request
from tests.support.profiles import helix_capabilities
from tests.support.robustness import Start, server_copy, still_works

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
_uris = itertools.count()
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
