"""Editors without inline completion (Helix above all): completion items, in every encoding.

The client capabilities are Helix's own (`helix_capabilities`, transcribed from Helix's source),
or pytest-lsp's captures of Neovim. Positions are computed, and the returned edit applied, the
way the client would: by counting code units of the client's encoding in the client's copy of
the line, independently of the server's `textpos`.
"""

from __future__ import annotations

import re

import pytest
from lsprotocol import types as t
from pytest_lsp import client_capabilities

from tests.conftest import StartClient
from tests.support.completion_items import WIDE_ORACLE, complete, units
from tests.support.emulator import Emulator
from tests.support.inline import ORACLE, PARTIAL, inline_params, inserted
from tests.support.lsp import open_document
from tests.support.profiles import helix_capabilities, vscode_capabilities

WIDE_LINE = 'banner = "日本語 😀 " + greet("world", punctuation="!")'
ENCODINGS = [
    t.PositionEncodingKind.Utf8,
    t.PositionEncodingKind.Utf16,
    t.PositionEncodingKind.Utf32,
]
# What the client states, and what it gets: no `positionEncodings` at all (Neovim <= 0.10, VS
# Code, Emacs) means LSP's default, UTF-16, which pygls hands over as an enum member.
STATED = [
    *(pytest.param([encoding], encoding, id=encoding.value) for encoding in ENCODINGS),
    pytest.param(None, t.PositionEncodingKind.Utf16, id="unstated"),
]


def cut(line: str, character: int, encoding: str) -> tuple[str, str]:
    """Split `line` at `character` code units of `encoding`, as the client does."""
    if encoding == t.PositionEncodingKind.Utf8:
        raw = line.encode("utf-8")
        return raw[:character].decode("utf-8"), raw[character:].decode("utf-8")
    if encoding == t.PositionEncodingKind.Utf16:
        raw = line.encode("utf-16-le")
        return raw[: 2 * character].decode("utf-16-le"), raw[2 * character :].decode("utf-16-le")
    return line[:character], line[character:]


def insertion(item: t.CompletionItem, before: str) -> str:
    """The text a client inserts for `item`; `before` is its line up to the edit's start.

    A snippet is unescaped (`\\$`, `\\}`, `\\\\`; grok-lsp sends no tabstops) and, as Helix,
    Neovim's `vim.snippet` and VS Code render snippets, every line after the first gets the
    indentation of the line the edit starts on.
    """
    assert isinstance(item.text_edit, t.TextEdit)
    text = item.text_edit.new_text
    if item.insert_text_format != t.InsertTextFormat.Snippet:
        return text
    assert not re.search(r"(?<!\\)\$", text), "unescaped $ (a tabstop?) in " + text
    text = re.sub(r"\\([\\$}])", r"\1", text)
    indent = before[: len(before) - len(before.lstrip())]
    return text.replace("\n", "\n" + indent)


def apply(line: str, item: t.CompletionItem, encoding: str) -> str:
    """Apply the item's single-line edit to the client's copy of the line."""
    assert isinstance(item.text_edit, t.TextEdit)
    edit = item.text_edit
    assert edit.range.start.line == edit.range.end.line
    before, _ = cut(line, edit.range.start.character, encoding)
    _, after = cut(line, edit.range.end.character, encoding)
    return before + insertion(item, before) + after


def encoded(capabilities: t.ClientCapabilities, stated: list[str] | None) -> t.ClientCapabilities:
    capabilities.general = t.GeneralClientCapabilities(position_encodings=stated)
    return capabilities


@pytest.mark.parametrize("snippets", [True, False])
async def test_helix_gets_a_popup_item(
    start_client: StartClient, emulator: Emulator, snippets: bool
) -> None:
    emulator.set_oracle(ORACLE)
    client = await start_client(capabilities=helix_capabilities(snippets=snippets))
    assert client.server_capabilities.position_encoding == t.PositionEncodingKind.Utf8
    assert client.server_capabilities.inline_completion_provider is not None  # for others
    uri = open_document(client, PARTIAL)
    result = await complete(client, uri, 1, 23)
    assert result.is_incomplete  # typing something else asks again
    [item] = result.items
    full = "na" + "me}! Welcome to grok-lsp.'"
    assert item.label == full
    assert item.detail == "grok"
    assert item.documentation == full  # Helix states no documentationFormat: plain text
    assert item.filter_text == full  # starts with the word Helix fuzzy-matches
    assert item.sort_text is not None and item.preselect
    assert isinstance(item.text_edit, t.TextEdit)
    assert item.text_edit.range == t.Range(start=t.Position(1, 21), end=t.Position(1, 23))
    if snippets:  # Helix's default: the text as a snippet, `}` escaped
        assert item.insert_text_format == t.InsertTextFormat.Snippet
        assert item.text_edit.new_text == "name\\}! Welcome to grok-lsp.'"
    else:
        assert item.insert_text_format == t.InsertTextFormat.PlainText
        assert item.text_edit.new_text == full
    line = PARTIAL.split("\n")[1]
    assert apply(line, item, "utf-8") == ORACLE.split("\n")[1]


NESTED_ORACLE = (
    "class Greeter:\n"
    "    def greet(self, name: str) -> str:\n"
    '        price = "$5"\n'
    '        return f"Hello, {name}! Tea is {price}."\n'
)


@pytest.mark.parametrize(
    "capabilities",
    [
        pytest.param(helix_capabilities(), id="helix-snippets"),
        pytest.param(helix_capabilities(snippets=False), id="helix-plain"),
        pytest.param(client_capabilities("neovim"), id="neovim-0.11"),
        pytest.param(client_capabilities("neovim@0.7"), id="neovim-0.7"),
    ],
)
async def test_block_inside_an_indented_line(
    start_client: StartClient, emulator: Emulator, capabilities: t.ClientCapabilities
) -> None:
    """A multi-line item: label is its first line, documentation all of it, and the client
    ends up with the oracle's indentation whether it renders a snippet or plain text."""
    emulator.set_oracle(NESTED_ORACLE)
    client = await start_client(capabilities=capabilities)
    head = "class Greeter:\n    def greet(self, name: str) -> str:"
    uri = open_document(client, head)
    [item] = (await complete(client, uri, 1, 38)).items
    assert isinstance(item.text_edit, t.TextEdit)
    assert item.text_edit.range == t.Range(start=t.Position(1, 38), end=t.Position(1, 38))
    block = '\n        price = "$5"\n        return f"Hello, {name}! Tea is {price}."'
    assert item.label == 'price = "$5"'  # the first line that is not blank
    assert item.filter_text == block
    assert capabilities.text_document and capabilities.text_document.completion
    stated = capabilities.text_document.completion.completion_item
    snippets = bool(stated and stated.snippet_support)
    markdown = bool(stated and t.MarkupKind.Markdown in (stated.documentation_format or []))
    expected_format = t.InsertTextFormat.Snippet if snippets else t.InsertTextFormat.PlainText
    assert item.insert_text_format == expected_format
    if markdown:  # Neovim: the whole block, fenced
        assert item.documentation == t.MarkupContent(
            kind=t.MarkupKind.Markdown, value=f"```\n{block}\n```"
        )
    else:
        assert item.documentation == block
    assert apply(head.split("\n")[1], item, "utf-16") + "\n" == NESTED_ORACLE.split("\n", 1)[1]


async def test_item_stays_listed_while_the_user_types_it(
    start_client: StartClient, emulator: Emulator
) -> None:
    emulator.set_oracle(WIDE_ORACLE)
    client = await start_client(capabilities=helix_capabilities())
    prefix = 'banner = "日本語 😀 " + greet("wor'
    text = WIDE_ORACLE.split("banner")[0] + prefix + "\n"
    uri = open_document(client, text)
    [first] = (await complete(client, uri, 4, units(prefix, "utf-8"))).items
    # The user types two more characters of the suggestion; until the client asks again it
    # filters the old item by the word before the cursor, which must still match it.
    typed = prefix + "ld"
    client.text_document_did_change(
        t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                t.TextDocumentContentChangePartial(
                    range=t.Range(
                        start=t.Position(4, units(prefix, "utf-8")),
                        end=t.Position(4, units(prefix, "utf-8")),
                    ),
                    text="ld",
                )
            ],
        )
    )
    assert first.filter_text is not None and first.filter_text.startswith("world")
    [second] = (await complete(client, uri, 4, units(typed, "utf-8"))).items
    assert second.filter_text is not None and second.filter_text.startswith("world")
    assert apply(typed, second, "utf-8") == WIDE_LINE


@pytest.mark.parametrize(("stated", "encoding"), STATED)
@pytest.mark.parametrize(
    ("prefix", "word"),
    [
        pytest.param('banner = "日本語 😀 " + greet("wor', "wor", id="ascii-word"),
        pytest.param("print(こんに", "こんに", id="cjk-word"),
    ],
)
async def test_wide_characters_in_every_encoding(
    start_client: StartClient,
    emulator: Emulator,
    stated: list[str] | None,
    encoding: str,
    prefix: str,
    word: str,
) -> None:
    emulator.set_oracle(WIDE_ORACLE)
    client = await start_client(capabilities=encoded(helix_capabilities(), stated))
    assert client.server_capabilities.position_encoding == encoding
    head = WIDE_ORACLE[: WIDE_ORACLE.index(prefix)]
    line_number = head.count("\n")
    uri = open_document(client, head + prefix + "\n")
    [item] = (await complete(client, uri, line_number, units(prefix, encoding))).items
    assert isinstance(item.text_edit, t.TextEdit)
    edit = item.text_edit
    assert edit.range.start == t.Position(line_number, units(prefix[: -len(word)], encoding))
    assert edit.range.end == t.Position(line_number, units(prefix, encoding))
    expected = WIDE_ORACLE.split("\n")[line_number]
    assert item.label == expected[len(prefix) - len(word) :]  # the whole line from the word
    assert item.filter_text == item.label
    assert apply(prefix, item, encoding) == expected


@pytest.mark.parametrize(("stated", "encoding"), STATED)
async def test_text_after_the_cursor_is_kept_in_every_encoding(
    start_client: StartClient, emulator: Emulator, stated: list[str] | None, encoding: str
) -> None:
    """The edit ends at the cursor: what follows it on the line is the client's, untouched."""
    emulator.set_oracle(WIDE_ORACLE)
    client = await start_client(capabilities=encoded(helix_capabilities(), stated))
    line = 'banner = "日本語 😀 " + greet("wor")'
    cursor = len('banner = "日本語 😀 " + greet("wor')
    uri = open_document(client, WIDE_ORACLE.split("banner")[0] + line + "\n")
    [item] = (await complete(client, uri, 4, units(line[:cursor], encoding))).items
    result = apply(line, item, encoding)
    assert result.startswith('banner = "日本語 😀 " + greet("world') and result.endswith('")')


@pytest.mark.parametrize(("stated", "encoding"), STATED)
async def test_inline_completion_with_wide_characters(
    start_client: StartClient, emulator: Emulator, stated: list[str] | None, encoding: str
) -> None:
    """Neovim 0.12 (utf-8 first) and VS Code (utf-16) get ghost text at the cursor."""
    emulator.set_oracle(WIDE_ORACLE)
    client = await start_client(capabilities=encoded(vscode_capabilities(), stated))
    prefix = 'banner = "日本語 😀 " + greet("wor'
    uri = open_document(client, WIDE_ORACLE.split("banner")[0] + prefix + "\n")
    position = t.Position(4, units(prefix, encoding))
    result = await client.text_document_inline_completion_async(
        inline_params(uri, position.line, position.character)
    )
    assert isinstance(result, t.InlineCompletionList)
    assert inserted(result) == ['ld", punctuation="!")']
    assert result.items[0].range == t.Range(start=position, end=position)


async def test_completion_defers_to_inline_when_the_client_has_it(
    start_client: StartClient, emulator: Emulator
) -> None:
    """A client that shows ghost text gets no duplicate popup item (and no second request)."""
    emulator.set_oracle(ORACLE)
    client = await start_client(capabilities=vscode_capabilities())
    uri = open_document(client, PARTIAL)
    result = await complete(client, uri, 1, 23)
    assert not result.items
    assert emulator.stats()["last_request"] is None
