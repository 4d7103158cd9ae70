"""Inline completion as the tests ask for it: the oracle's text, the partial file typed so far,
the suggestion expected, and the request and its answer."""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types as t

ORACLE = (
    "def greet(name: str) -> str:\n"
    "    return f'Hello, {name}! Welcome to grok-lsp.'\n"
    "\n"
    "\n"
    "def farewell(name: str) -> str:\n"
    "    return f'Goodbye, {name}.'\n"
)
PARTIAL = "def greet(name: str) -> str:\n    return f'Hello, {na"
EXPECTED = "me}! Welcome to grok-lsp.'"


def inline_params(
    uri: str, line: int, character: int, automatic: bool = False
) -> t.InlineCompletionParams:
    kind = (
        t.InlineCompletionTriggerKind.Automatic
        if automatic
        else t.InlineCompletionTriggerKind.Invoked
    )
    return t.InlineCompletionParams(
        context=t.InlineCompletionContext(trigger_kind=kind),
        text_document=t.TextDocumentIdentifier(uri=uri),
        position=t.Position(line=line, character=character),
    )


def inserted(
    result: t.InlineCompletionList | Sequence[t.InlineCompletionItem] | None,
) -> list[str]:
    items = result.items if isinstance(result, t.InlineCompletionList) else result or []
    return [
        item.insert_text if isinstance(item.insert_text, str) else item.insert_text.value
        for item in items
    ]
