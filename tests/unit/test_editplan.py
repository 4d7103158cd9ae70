"""Code-action answers: strict parsing, and minimal line edits that reproduce the replacement."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grok_lsp.editplan import Edit, MalformedAnswer, minimal_edits, parse_answer, region

SOURCE = "import os\nimport sys\n\n\ndef main():\n    print(sys.argv)\n"


def apply(source: str, edits: list[Edit]) -> str:
    """As LSP does: edits refer to the original text; inserts at one place keep their order."""
    for edit in reversed(sorted(edits, key=lambda e: e.start)):
        source = source[: edit.start] + edit.new_text + source[edit.end :]
    return source


def test_removing_one_line_touches_only_that_line() -> None:
    target = region(SOURCE, 0, 0, context=1)
    assert target.text(SOURCE) == "import os\nimport sys"
    edits = minimal_edits(SOURCE, target, "import sys")
    assert [(e.start, e.end, e.new_text) for e in edits] == [(0, 10, "")]
    assert apply(SOURCE, edits) == SOURCE[10:]


@pytest.mark.parametrize(
    "answer",
    [
        '{"replacement": "x = 1", "summary": "s"}',
        '```json\n{"replacement": "x = 1"}\n```',
        '  {"replacement": "x = 1"}\n',
    ],
)
def test_accepted_answers(answer: str) -> None:
    assert parse_answer(answer).replacement == "x = 1"


@pytest.mark.parametrize(
    "answer",
    ["", "x = 1", '{"replacement": 3}', '["x"]', '{"summary": "no"}', 'Sure! {"replacement": ""}'],
)
def test_malformed_answers_are_rejected_whole(answer: str) -> None:
    with pytest.raises(MalformedAnswer):
        parse_answer(answer)


LINES = st.lists(st.text(alphabet="ab \t(", max_size=6), min_size=1, max_size=8)


@given(LINES, LINES, st.booleans(), st.data())
def test_edits_reproduce_the_replacement_exactly(
    lines: list[str], new: list[str], final_break: bool, data: st.DataObject
) -> None:
    source = "\n".join(lines) + ("\n" if final_break else "")
    first = data.draw(st.integers(0, len(lines) - 1))
    last = data.draw(st.integers(first, len(lines) - 1))
    target = region(source, first, last)
    replacement = "\n".join(new)
    result = apply(source, minimal_edits(source, target, replacement))
    # The model: lines with their line breaks, one virtual break at a file's unterminated end;
    # the replacement is exact; an empty answer deletes the lines.
    at_end = target.end == len(source)
    virtual = source + "\n" if at_end else source
    lines_new = replacement + "\n" if replacement else ""
    result_virtual = virtual[: target.start] + lines_new + virtual[target.end + 1 :]
    expected = result_virtual[:-1] if at_end else result_virtual
    assert result == expected
