"""The per-keystroke fast paths give exactly the answers of the plain, slower ways.

`textpos.find_line` (a line found by counting `\\n` in blocks) against the walk line by line,
and `LspTextDocument` (lines found from the last edit's line) against `textpos`. The prompt's
changed ranges are held to their definitions in `test_drift.py`.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types as t
from pygls.workspace import PositionCodec

from grok_lsp import textpos
from grok_lsp.documents.workspace import LspTextDocument
from grok_lsp.drift import Drift

# Line breaks of every kind, a lone CR, a form feed (not a break), wide characters.
_PIECES = st.sampled_from(["a", "bc", " ", "\n", "\n", "\r\n", "\r", "\x0c", "é", "😀"])
_TEXT = st.lists(_PIECES, max_size=60).map("".join)
_ENCODING = st.sampled_from(["utf-8", "utf-16", "utf-32"])
_POSITION = st.builds(
    t.Position, line=st.integers(min_value=0, max_value=12), character=st.integers(0, 6)
)


@given(_TEXT, st.integers(min_value=0, max_value=14), st.sampled_from([1, 3, 1 << 15]))
def test_find_line_is_the_walk_line_by_line(text: str, line: int, block: int) -> None:
    saved = textpos._COUNT_BLOCK, textpos._FIND_BLOCK
    textpos._COUNT_BLOCK, textpos._FIND_BLOCK = block, max(block // 4, 1)
    try:
        assert textpos.find_line(text, line)[0] == textpos._walk_to_line(text, line)
    finally:
        textpos._COUNT_BLOCK, textpos._FIND_BLOCK = saved


_EDIT = st.tuples(_POSITION, _POSITION, st.sampled_from(["", "x", "\n", "\r", "y\r\nz", "é"]))


@settings(max_examples=200)
@given(_TEXT, st.lists(_EDIT, min_size=1, max_size=12), _POSITION, _ENCODING)
def test_edits_and_lookups_after_them_match_textpos(
    text: str,
    edits: list[tuple[t.Position, t.Position, str]],
    probe: t.Position,
    encoding: str,
) -> None:
    doc = LspTextDocument(
        "file:///a.txt",
        source=text,
        sync_kind=t.TextDocumentSyncKind.Incremental,
        position_codec=PositionCodec(encoding=t.PositionEncodingKind(encoding)),
    )
    expected = text
    for start, end, inserted in edits:
        begin = textpos.offset_at(expected, start, encoding)
        stop = max(textpos.offset_at(expected, end, encoding), begin)
        expected = expected[:begin] + inserted + expected[stop:]
        doc.apply_change(t.TextDocumentContentChangePartial(t.Range(start, end), inserted))
        assert doc.source == expected
        assert doc.offset_at(probe) == textpos.offset_at(expected, probe, encoding)


@settings(max_examples=200)
@given(
    _TEXT,
    st.lists(st.lists(_EDIT, min_size=1, max_size=4), min_size=1, max_size=6),
    _ENCODING,
    st.booleans(),
)
def test_the_prompts_drift_follows_the_documents_own_edit_log(
    text: str, requests: list[list[tuple[t.Position, t.Position, str]]], encoding: str, full: bool
) -> None:
    """Edits as `didChange` brings them (any encoding, any line break), several between two
    prompts, sometimes a whole-text change: the drift read from the document's log always
    rebuilds the document's text from the snapshot."""
    doc = LspTextDocument(
        "file:///a.txt",
        source=text,
        sync_kind=t.TextDocumentSyncKind.Incremental,
        position_codec=PositionCodec(encoding=t.PositionEncodingKind(encoding)),
    )
    tracked = Drift(doc.source, doc.edit_log.mark())
    for index, edits in enumerate(requests):
        for start, end, inserted in edits:
            doc.apply_change(t.TextDocumentContentChangePartial(t.Range(start, end), inserted))
        if full and index == 1:
            doc.apply_change(t.TextDocumentContentChangeWholeDocument(text=doc.source + "z"))
        tracked.update(doc.source, doc.edit_log.mark())
        rebuilt, at = [], 0
        for hunk in tracked.hunks:
            rebuilt += [text[at : hunk.old_start], doc.source[hunk.live_start : hunk.live_end]]
            at = hunk.old_end
        assert "".join([*rebuilt, text[at:]]) == doc.source
