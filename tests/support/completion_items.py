"""Completion items, as editors without inline completion (Helix, Emacs) ask for them and
count their columns."""

from __future__ import annotations

from lsprotocol import types as t

from tests.support.lsp import GrokClient

# Emoji (two UTF-16 units, four UTF-8 bytes) and CJK (three UTF-8 bytes) before the cursor.
WIDE_ORACLE = (
    "def greet(name: str) -> str:\n"
    "    return f'Hello, {name}!'\n"
    "\n"
    "\n"
    'banner = "日本語 😀 " + greet("world", punctuation="!")\n'
    "こんにちは = 1\n"
    "print(こんにちは + 2)\n"
)


def units(text: str, encoding: str) -> int:
    """Length of `text` in code units of `encoding`, as the client counts it."""
    if encoding == t.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8"))
    if encoding == t.PositionEncodingKind.Utf16:
        return len(text.encode("utf-16-le")) // 2
    return len(text)


async def complete(client: GrokClient, uri: str, line: int, character: int) -> t.CompletionList:
    result = await client.text_document_completion_async(
        t.CompletionParams(
            text_document=t.TextDocumentIdentifier(uri=uri),
            position=t.Position(line=line, character=character),
            context=t.CompletionContext(trigger_kind=t.CompletionTriggerKind.Invoked),
        )
    )
    assert isinstance(result, t.CompletionList)
    return result
