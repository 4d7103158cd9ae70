"""Code-action edits: the region the model may rewrite, its strict answer, and minimal edits.

The model answers `{"replacement": "<new text of exactly the target lines>", "summary": "…"}`.
Anything else is rejected whole, so a bad answer never yields a half-applied edit. The edits
sent to the editor cover only the lines that changed, never the whole region or file.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass

_FENCED = re.compile(r"^\s*```(?:json)?\s*\n(?P<body>.*)\n\s*```\s*$", re.DOTALL)


class MalformedAnswer(ValueError):
    """The model's answer is not the JSON object the prompt asked for."""


@dataclass(frozen=True, slots=True)
class Region:
    start: int  # offset of the first target line's start
    end: int  # offset of the last target line's end (before its line break)
    first_line: int  # 0-based
    last_line: int  # 0-based, inclusive

    def text(self, source: str) -> str:
        return source[self.start : self.end]


@dataclass(frozen=True, slots=True)
class Answer:
    replacement: str
    summary: str


@dataclass(frozen=True, slots=True)
class Edit:
    start: int  # offsets into the source
    end: int
    new_text: str


def region(source: str, first_line: int, last_line: int, context: int = 0) -> Region:
    """Whole lines `first_line - context` .. `last_line + context`, clamped to the document."""
    lines = source.split("\n")
    first = max(min(first_line, len(lines) - 1) - context, 0)
    last = min(max(last_line, first_line) + context, len(lines) - 1)
    start = sum(len(line) + 1 for line in lines[:first])
    end = start + sum(len(line) + 1 for line in lines[first : last + 1]) - 1
    return Region(start, end, first, last)


def parse_answer(text: str) -> Answer:
    body = text.strip()
    if fenced := _FENCED.match(body):
        body = fenced.group("body")
    try:
        value = json.loads(body)
    except json.JSONDecodeError as error:
        raise MalformedAnswer(f"the answer is not JSON ({error.msg})") from None
    if not isinstance(value, dict) or not isinstance(value.get("replacement"), str):
        raise MalformedAnswer('the answer has no string "replacement"')
    summary = value.get("summary")
    return Answer(value["replacement"], summary if isinstance(summary, str) else "")


def minimal_edits(source: str, target: Region, replacement: str) -> list[Edit]:
    """Line-level edits turning the region's text into `replacement`, unchanged lines untouched.

    Each line is taken with its line break; at the end of a file without a final line break a
    virtual one is added and then left out of the edit. The replacement is taken exactly (a
    trailing line break is an empty last line); an empty one deletes the lines.
    """
    old_lines = [line + "\n" for line in target.text(source).split("\n")]
    new_lines = [line + "\n" for line in replacement.split("\n")]
    if not replacement:
        new_lines = []  # delete the target lines
    line_starts = [target.start]
    for line in old_lines:
        line_starts.append(line_starts[-1] + len(line))
    edits: list[Edit] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        start, end = line_starts[i1], line_starts[i2]
        new_text = "".join(new_lines[j1:j2])
        if start > len(source):  # inserting after the virtual final line break
            start, new_text = len(source), "\n" + new_text
        if end > len(source):
            end = len(source)
            if new_text:
                new_text = new_text.removesuffix("\n")
            elif start > 0:  # deleting the last lines: the break before them goes too
                start -= 1
        edits.append(Edit(start, end, new_text))
    return edits
