"""Reading code-action answers: every wrapping real models use, and what is never applied."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grok_lsp.codeactions.answer import MalformedAnswer, parse_answer

TARGET = "import os\nimport sys\n"
FIXED = "import sys\n"
EDIT = json.dumps({"replacement": FIXED, "summary": "drop os"})


@pytest.mark.parametrize(
    "answer",
    [
        EDIT,
        f"```json\n{EDIT}\n```",
        f"  {EDIT}\n",
        f"The import is unused, so:\n\n```json\n{EDIT}\n```\nThat removes it.",
        f"Sure! {EDIT}",
        f"{EDIT} // removed the unused import",
        f"{EDIT}\n# done",
        repr(json.loads(EDIT)),  # single quotes
        "{'replacement': 'import sys\\n', 'summary': 'drop os',}",  # and a trailing comma
        '{\n  "replacement": "import sys\\n", // the kept line\n  "summary": "drop os"\n}',
        json.dumps({"replacement": f"```python\n{FIXED}\n```", "summary": "fenced inside"}),
    ],
)
def test_the_json_edit_is_found_in_every_wrapping(answer: str) -> None:
    assert parse_answer(answer, TARGET, "python").replacement == FIXED


def test_a_code_fence_holding_the_region_is_its_new_text() -> None:
    answer = "Here is the corrected code:\n\n```python\nimport sys\n```\n"
    assert parse_answer(answer, "import os\nimport sys", "python").replacement == "import sys"


def test_a_dedented_code_fence_takes_the_region_indentation() -> None:
    target = "    if x == None:\n        return 1\n    return 2"
    answer = "```python\nif x is None:\n    return 1\nreturn 2\n```"
    fixed = "    if x is None:\n        return 1\n    return 2"
    assert parse_answer(answer, target, "python").replacement == fixed


WHOLE_FILE = "\n".join(f"line_{n} = {n}" for n in range(40))


@pytest.mark.parametrize(
    "answer",
    [
        "",
        "x = 1",  # bare text, not fenced: could be anything
        '{"replacement": 3}',
        '["x"]',
        '{"summary": "no"}',
        "I would remove the import, but I cannot show the code.",
        f"```python\n{WHOLE_FILE}\n```",  # the whole file, not the region
        "```python\nprint('unrelated example')\n```",  # code, but not these lines
        "```python\nimport sys\n```\nor\n```python\nimport os\n```",  # which one?
        "```python\nimport sys (\n```",  # the region parsed; this does not
        json.dumps({"replacement": WHOLE_FILE}),  # in the object too: not the region
        json.dumps({"replacement": "import sys ("}),
    ],
)
def test_anything_else_is_refused_whole(answer: str) -> None:
    with pytest.raises(MalformedAnswer):
        parse_answer(answer, "import os\nimport sys", "python")


@given(st.text(max_size=300))
def test_any_text_gives_an_answer_or_a_refusal_never_a_crash(text: str) -> None:
    try:
        answer = parse_answer(text, TARGET, "python")
    except MalformedAnswer:
        return
    assert isinstance(answer.replacement, str)
