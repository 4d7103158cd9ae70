"""A suggestion as a completion-popup item, for editors without inline completions (Helix,
older Neovims, Zed, Emacs's completion-at-point).

Pure: from the document's text, the cursor, the suggestion and what the client supports.
"""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types as t

from grok_lsp import textpos
from grok_lsp.clients import ClientQuirks


@dataclass(frozen=True, slots=True)
class ItemSupport:
    """What the client says, and does, of completion items."""

    snippets: bool = False
    insert_modes: tuple[t.InsertTextMode, ...] = ()
    markdown: bool = False
    label_is_insertion: bool = False  # lsp-mode under completion-at-point: see clients.py
    plain_text_items: bool = False  # Eglot: see clients.py

    @classmethod
    def of(cls, capabilities: t.ClientCapabilities, quirks: ClientQuirks) -> ItemSupport:
        document = capabilities.text_document
        completion = document.completion if document else None
        item = completion.completion_item if completion else None
        modes = item.insert_text_mode_support if item else None
        formats = item.documentation_format if item else None
        return cls(
            snippets=bool(item and item.snippet_support),
            insert_modes=tuple(modes.value_set) if modes else (),
            markdown=bool(formats and t.MarkupKind.Markdown in formats),
            label_is_insertion=quirks.label_is_insertion,
            plain_text_items=quirks.plain_text_items,
        )


def completion_item(
    source: str, position: t.Position, text: str, encoding: str, support: ItemSupport
) -> t.CompletionItem:
    """One popup item that replaces the word being typed with word + suggestion.

    Clients filter items by the word before the cursor (Helix fuzzy-matches it against
    `filterText`, Neovim keeps items whose text starts with it), so the item starts with that
    word and stays listed while the user types more of the suggestion; `isIncomplete` makes the
    client ask again once they type something else.
    """
    offset = textpos.offset_at(source, position, encoding)
    word_start = offset
    while word_start > 0 and (source[word_start - 1].isalnum() or source[word_start - 1] == "_"):
        word_start -= 1
    word = source[word_start:offset]
    start = textpos.position_at(source, word_start, encoding)
    # The label is the first line, whole: Neovim's built-in completion inserts a snippet item's
    # label while it is selected (0.11+ expands the snippet on accepting it, 0.10's omnifunc
    # keeps the label), so a shortened label would cut the line. A block starts with a newline.
    first, *rest = (word + text).split("\n")
    label = first.rstrip() or next((line.strip() for line in rest if line.strip()), "grok")
    if support.label_is_insertion:
        label = word + text
    line_start = max(source.rfind("\n", 0, word_start), source.rfind("\r", 0, word_start)) + 1
    before = source[line_start:word_start]
    snippet = _snippet(word + text, before[: len(before) - len(before.lstrip())])
    insert_mode = None
    if snippet is None or not support.snippets or support.plain_text_items:
        new_text, text_format = word + text, t.InsertTextFormat.PlainText
        # Plain text holds its lines' indentation already: a client that would re-indent
        # them (lsp-mode runs the major mode's indentation on each) is told not to.
        if t.InsertTextMode.AsIs in support.insert_modes:
            insert_mode = t.InsertTextMode.AsIs
    else:
        new_text, text_format = snippet, t.InsertTextFormat.Snippet
    whole = word + text
    return t.CompletionItem(
        label=label,
        kind=t.CompletionItemKind.Text,
        detail="grok",
        # The whole suggestion, as Markdown where the client renders it, else plain text.
        documentation=(
            t.MarkupContent(kind=t.MarkupKind.Markdown, value=f"```\n{whole}\n```")
            if support.markdown
            else whole
        ),
        filter_text=whole,
        sort_text="0",
        preselect=True,
        insert_text_format=text_format,
        insert_text_mode=insert_mode,
        text_edit=t.TextEdit(range=t.Range(start=start, end=position), new_text=new_text),
    )


def _snippet(text: str, indent: str) -> str | None:
    """`text` as a snippet that inserts it verbatim, or None where no snippet can.

    Where the client supports them, snippets are how the whole text gets in: Neovim 0.11+'s
    built-in completion inserts a plain-text item only up to its first whitespace, and expands
    a snippet in full. Snippet clients (Neovim's `vim.snippet`, Helix, VS Code) prefix every
    line after the first with the cursor line's indentation, so those lines are made relative
    to it; a line indented less than that cannot be expressed (None: plain text then).
    """
    first, *rest = text.split("\n")
    relative = [first]
    for line in rest:
        if line.startswith(indent):
            relative.append(line[len(indent) :])
        elif line.strip():
            return None
        else:
            relative.append("")
    escaped = "\n".join(relative)
    for char in "\\$}":
        escaped = escaped.replace(char, "\\" + char)
    return escaped
