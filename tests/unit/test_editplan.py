"""Code-action answers: strict parsing, and minimal line edits that reproduce the replacement."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from grok_lsp.editplan import applied, minimal_edits, region

SOURCE = "import os\nimport sys\n\n\ndef main():\n    print(sys.argv)\n"


def test_removing_one_line_touches_only_that_line() -> None:
    target = region(SOURCE, 0, 0, context=1)
    assert target.text(SOURCE) == "import os\nimport sys"
    edits = minimal_edits(SOURCE, target, "import sys")
    assert [(e.start, e.end, e.new_text) for e in edits] == [(0, 10, "")]
    assert applied(SOURCE, edits) == SOURCE[10:]


LINES = st.lists(st.text(alphabet="ab \t(", max_size=6), min_size=1, max_size=8)


@given(LINES, LINES, st.booleans(), st.sampled_from(["\n", "\r\n", "\r"]), st.data())
def test_edits_reproduce_the_replacement_exactly(
    lines: list[str], new: list[str], final_break: bool, eol: str, data: st.DataObject
) -> None:
    """Whatever the file's line break, the model answers with `\n` lines; the result is what
    the `\n` file would become, in the file's own line break."""
    source = eol.join(lines) + (eol if final_break else "")
    first = data.draw(st.integers(0, len(lines) - 1))
    last = data.draw(st.integers(first, len(lines) - 1))
    target = region(source, first, last)
    assert target.lines_text(source) == "\n".join(lines[first : last + 1])
    replacement = "\n".join(new)
    result = applied(source, minimal_edits(source, target, replacement))
    # The model: lines with their line breaks, one virtual break at a file's unterminated end;
    # the replacement is exact; an empty answer deletes the lines.
    lf = source.replace(eol, "\n")
    lf_target = region(lf, first, last)
    at_end = lf_target.end == len(lf)
    virtual = lf + "\n" if at_end else lf
    lines_new = replacement + "\n" if replacement else ""
    result_virtual = virtual[: lf_target.start] + lines_new + virtual[lf_target.end + 1 :]
    expected = result_virtual[:-1] if at_end else result_virtual
    assert result == expected.replace("\n", eol if eol in source else "\n")  # none yet: `\n`


def test_a_crlf_file_stays_crlf_and_only_the_changed_line_is_touched() -> None:
    source = "import os\r\nimport sys\r\nx = os.sep\r\n"
    target = region(source, 0, 2)
    assert target.lines_text(source) == "import os\nimport sys\nx = os.sep"
    edits = minimal_edits(source, target, "import os\nx = os.sep")  # the model's `\n` lines
    assert [(e.start, e.end, e.new_text) for e in edits] == [(11, 23, "")]
    added = minimal_edits(source, target, "import os\nimport sys\nimport re\nx = os.sep")
    assert applied(source, added) == "import os\r\nimport sys\r\nimport re\r\nx = os.sep\r\n"


def test_lines_after_a_lone_cr_are_numbered_as_lsp_does() -> None:
    source = "a = 1\rb = 2\nc = 3\n"
    assert region(source, 1, 1).text(source) == "b = 2"
    assert region(source, 2, 2).text(source) == "c = 3"
