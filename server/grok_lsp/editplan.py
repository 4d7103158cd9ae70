"""Code-action edits: the region the model may rewrite, and minimal edits to its new text.

The model's answer is read in `editanswer.py`. The edits sent to the editor cover only the
lines that changed, never the whole region or file.

Lines are LSP's (`\n`, `\r\n` or a lone `\r` ends one). The model is shown the target with
`\n` breaks only and may answer with any; the new lines take the file's own line break, so a
fix in a CRLF file leaves it CRLF and touches only the lines it changes.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from grok_lsp import textpos

_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class Region:
    start: int  # offset of the first target line's start
    end: int  # offset of the last target line's end (before its line break)
    first_line: int  # 0-based
    last_line: int  # 0-based, inclusive

    def text(self, source: str) -> str:
        return source[self.start : self.end]

    def lines_text(self, source: str) -> str:
        """The target as the model sees it: its lines joined by `\n` whatever the file uses."""
        return "\n".join(_BREAK.split(self.text(source)))


@dataclass(frozen=True, slots=True)
class Edit:
    start: int  # offsets into the source
    end: int
    new_text: str


def region(source: str, first_line: int, last_line: int, context: int = 0) -> Region:
    """Whole lines `first_line - context` .. `last_line + context`, clamped to the document."""
    final = textpos.last_line(source)
    first = max(min(first_line, final) - context, 0)
    last = min(max(last_line, first_line) + context, final)
    start = textpos.line_start(source, first)
    end = textpos.line_end(source, textpos.line_start(source, last))
    return Region(start, end, first, last)


def minimal_edits(source: str, target: Region, replacement: str) -> list[Edit]:
    """Line-level edits turning the region's text into `replacement`, unchanged lines untouched.

    Lines are compared without their breaks. Each is taken with its break; at the end of a file
    without a final line break a virtual one is added and then left out of the edit. The
    replacement is taken exactly (a trailing line break is an empty last line); an empty one
    deletes the lines. New lines end with the region's line break (else the file's, else `\n`).
    """
    old_lines, starts = [], [target.start]
    for found in _BREAK.finditer(source, target.start, target.end):
        old_lines.append(source[starts[-1] : found.start()])
        starts.append(found.end())
    old_lines.append(source[starts[-1] : target.end])
    after = _BREAK.match(source, target.end)
    starts.append(target.end + (len(after.group()) if after else 1))  # 1: the virtual break
    inside = _BREAK.search(source, target.start, target.end)
    anywhere = inside or after or _BREAK.search(source)
    eol = anywhere.group() if anywhere else "\n"
    new_lines = _BREAK.split(replacement) if replacement else []  # empty: delete the lines
    edits: list[Edit] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        start, end = starts[i1], starts[i2]
        new_text = "".join(line + eol for line in new_lines[j1:j2])
        if start > len(source):  # inserting after the virtual final line break
            start, new_text = len(source), eol + new_text
        if end > len(source):
            end = len(source)
            if new_text:
                new_text = new_text.removesuffix(eol)
            elif start > 0:  # deleting the last lines: the break before them goes too
                start -= 2 if source.startswith("\r\n", start - 2) else 1
        edits.append(Edit(start, end, new_text))
    return edits


def applied(source: str, edits: list[Edit]) -> str:
    """`source` with `edits` applied as LSP does: all refer to the original text; inserts at
    one place keep their order."""
    for edit in reversed(sorted(edits, key=lambda edit: edit.start)):
        source = source[: edit.start] + edit.new_text + source[edit.end :]
    return source


def touched_lines(target: Region, replacement: str) -> range:
    """The lines the replacement occupies once applied (at least the first target line)."""
    count = len(_BREAK.split(replacement)) if replacement else 0
    return range(target.first_line, target.first_line + max(count, 1))
