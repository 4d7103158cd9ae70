"""The pure parts of inline completions: the text around the cursor, and the popup item."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from lsprotocol import types as t

from grok_lsp.completions.cursor import cursor_context
from grok_lsp.completions.items import ItemSupport, completion_item
from grok_lsp.policy import FOLLOWING_LINES

SOURCE = "import os\n\ndef total(xs):\n    result = su\n    return result\n"
CURSOR = SOURCE.index("su\n") + 2


def test_the_cursor_line_is_split_at_the_cursor() -> None:
    context = cursor_context(SOURCE, CURSOR, 8)
    assert context.line_prefix == "    result = su"
    assert context.line_suffix == ""
    assert context.following == "    return result\n"  # up to the end of the text
    assert context.preceding == "import os\n\ndef total(xs):"
    assert context.max_lines == 8


def test_following_lines_are_bounded_and_any_line_break_ends_a_line() -> None:
    source = "a = 1\n" + "".join(f"line{n}\r" for n in range(20))
    context = cursor_context(source, 3, 8)
    assert (context.line_prefix, context.line_suffix) == ("a =", " 1")
    assert context.following.split("\r") == [f"line{n}" for n in range(FOLLOWING_LINES)]


@given(st.text(alphabet="ab \n\r\t(", max_size=60), st.data())
def test_the_line_around_the_cursor_is_the_text_between_breaks(
    source: str, data: st.DataObject
) -> None:
    offset = data.draw(st.integers(0, len(source)))
    context = cursor_context(source, offset, 8)
    assert source[:offset].endswith(context.line_prefix)
    assert source[offset:].startswith(context.line_suffix)
    assert "\n" not in context.line_prefix + context.line_suffix
    assert "\r" not in context.line_prefix + context.line_suffix


SNIPPETS = ItemSupport(snippets=True, insert_modes=(t.InsertTextMode.AsIs,), markdown=True)


def item(text: str, support: ItemSupport, source: str = SOURCE) -> t.CompletionItem:
    line = source[:CURSOR].count("\n")
    position = t.Position(line, CURSOR - source.rfind("\n", 0, CURSOR) - 1)
    return completion_item(source, position, text, "utf-16", support)


def test_an_item_replaces_the_word_typed_with_word_and_suggestion() -> None:
    made = item("m(xs)", SNIPPETS)
    assert made.label == "sum(xs)" and made.filter_text == "sum(xs)"
    assert made.text_edit == t.TextEdit(t.Range(t.Position(3, 13), t.Position(3, 15)), "sum(xs)")
    assert made.insert_text_format == t.InsertTextFormat.Snippet
    assert made.documentation == t.MarkupContent(t.MarkupKind.Markdown, "```\nsum(xs)\n```")


def test_a_snippet_is_escaped_and_its_lines_made_relative_to_the_cursor_line() -> None:
    made = item("m(xs) or ${}\n    # done", SNIPPETS)
    assert isinstance(made.text_edit, t.TextEdit)
    assert made.text_edit.new_text == "sum(xs) or \\${\\}\n# done"


def test_plain_text_where_snippets_are_not_supported_or_cannot_say_it() -> None:
    plain = item("m(xs)\n  dedented", SNIPPETS)  # less indented than the cursor's line
    assert plain.insert_text_format == t.InsertTextFormat.PlainText
    assert plain.insert_text_mode == t.InsertTextMode.AsIs
    for support in (ItemSupport(), ItemSupport(snippets=True, plain_text_items=True)):
        made = item("m(xs)", support)
        assert made.insert_text_format == t.InsertTextFormat.PlainText
        assert made.insert_text_mode is None and made.documentation == "sum(xs)"


def test_an_item_is_labelled_by_its_first_line_unless_the_label_is_what_goes_in() -> None:
    lines = "m(xs)\n    return result"
    assert item(lines, SNIPPETS).label == "sum(xs)"
    assert item(lines, ItemSupport(label_is_insertion=True)).label == "su" + lines


def test_support_is_read_from_the_capabilities_and_the_quirks() -> None:
    from grok_lsp.clients import ClientQuirks

    capabilities = t.ClientCapabilities(
        text_document=t.TextDocumentClientCapabilities(
            completion=t.CompletionClientCapabilities(
                completion_item=t.ClientCompletionItemOptions(
                    snippet_support=True,
                    documentation_format=[t.MarkupKind.Markdown],
                    insert_text_mode_support=t.ClientCompletionItemInsertTextModeOptions(
                        value_set=[t.InsertTextMode.AsIs]
                    ),
                )
            )
        )
    )
    assert ItemSupport.of(capabilities, ClientQuirks()) == SNIPPETS
    quirks = ClientQuirks(plain_text_items=True, label_is_insertion=True)
    assert ItemSupport.of(t.ClientCapabilities(), quirks) == ItemSupport(
        label_is_insertion=True, plain_text_items=True
    )
