"""Documents kept with LSP's line breaks: incremental edits land where the client meant."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from lsprotocol import types as t
from pygls.workspace import PositionCodec

from grok_lsp import textpos
from grok_lsp.documents.workspace import LspTextDocument


def document(text: str, encoding: str = "utf-16") -> LspTextDocument:
    created = LspTextDocument(
        "file:///a.txt",
        source=text,
        sync_kind=t.TextDocumentSyncKind.Incremental,
        position_codec=PositionCodec(encoding=t.PositionEncodingKind(encoding)),
    )
    return created


def edit(doc: LspTextDocument, start: t.Position, end: t.Position, text: str) -> None:
    doc.apply_change(t.TextDocumentContentChangePartial(range=t.Range(start, end), text=text))


def test_a_form_feed_is_not_a_line_break() -> None:
    doc = document("a\x0cb\nc\n")
    edit(doc, t.Position(1, 0), t.Position(1, 1), "X")
    assert doc.source == "a\x0cb\nX\n"  # pygls's own splitting gives 'a\x0cX\nc\n'


def test_emoji_in_utf16_and_utf8() -> None:
    doc = document("😀x\n", "utf-16")
    edit(doc, t.Position(0, 2), t.Position(0, 3), "y")
    assert doc.source == "😀y\n"
    doc = document("日x\n", "utf-8")
    edit(doc, t.Position(0, 3), t.Position(0, 4), "z")
    assert doc.source == "日z\n"


ALPHABET = st.sampled_from(["a", "b", "\n", "\r\n", "\r", "\x0c", "😀", "日", "\u2028"])


@given(
    st.lists(ALPHABET, max_size=20),
    st.lists(
        st.tuples(st.integers(0, 40), st.integers(0, 5), st.lists(ALPHABET, max_size=3)), max_size=8
    ),
)
def test_random_edits_match_splicing_the_text(
    pieces: list[str], edits: list[tuple[int, int, list[str]]]
) -> None:
    text = "".join(pieces)
    doc = document(text)
    for at, length, insert in edits:
        start = min(at, len(text))
        end = min(start + length, len(text))
        if 0 < start < len(text) and text[start - 1 : start + 1] == "\r\n":
            continue  # between CR and LF is no position
        if 0 < end < len(text) and text[end - 1 : end + 1] == "\r\n":
            continue
        new = "".join(insert)
        edit(doc, textpos.position_at(text, start), textpos.position_at(text, end), new)
        text = text[:start] + new + text[end:]
        assert doc.source == text
