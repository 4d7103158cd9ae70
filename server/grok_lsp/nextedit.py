"""Next-edit suggestions: the task shown to the model, and from its answer the one edit to offer.

The model reads the user's recent edits in the order made (`edithistory.py`) and an editable
region around the cursor, after the same stable layers as completions; it answers the region
rewritten (Zeta's approach), in the code actions' JSON shape. The rewrite becomes minimal edits
(`codeactions.plan.minimal_edits`, then narrowed to the characters that differ within a line);
the one offered is the nearest after the cursor (else the nearest before it), never one at the
cursor itself, where the inline completion is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grok_lsp.codeactions.plan import Edit, Region, minimal_edits, region
from grok_lsp.completions.postprocess import CURSOR_MARKER
from grok_lsp.drift import changed_span
from grok_lsp.redaction import scrub_around

REGION_LINES_BEFORE = 5
REGION_LINES_AFTER = 20
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")  # LSP's lines, each with its break


@dataclass(frozen=True, slots=True)
class Target:
    region: Region
    cursor: int  # offset of the cursor in the source


def target(source: str, cursor: int) -> Target:
    """The editable region: whole lines around the cursor's."""
    line = source.count("\n", 0, cursor)
    first, last = line - REGION_LINES_BEFORE, line + REGION_LINES_AFTER
    return Target(region(source, max(first, 0), last), cursor)


def in_word(source: str, offset: int) -> bool:
    """True in the middle of a word (word characters on both sides): the edit is unfinished."""
    return 0 < offset < len(source) and _word(source[offset - 1]) and _word(source[offset])


def _word(char: str) -> bool:
    return char.isalnum() or char == "_"


def task(path: str, language: str, source: str, at: Target, recent: str, keys: bool) -> str:
    """The tail's task: recent edits, then the region with the cursor marked. `keys`: whether
    the source holds a private key (the region is scrubbed as part of the whole source, see
    `redaction.scrub_around`, so a cursor inside a secret keeps its marker)."""
    span = at.region
    before, after = scrub_around(source, span.start, at.cursor, span.end, mentions_keys=keys)
    body = before + CURSOR_MARKER + after
    return (
        "Task: predict the user's next edit. <recent_edits> holds their latest edits, oldest "
        "first: for each, the lines as they were (-) and as they are now (+). Continue what "
        "they started (the same rename at the next occurrence, a new parameter at the call "
        "sites, the same change on similar lines) within the <editable_region>, lines "
        f"start_line to end_line of the file; {CURSOR_MARKER} marks the cursor. Reply with only "
        'a JSON object {"replacement": "<the new text of exactly those lines, without the '
        'cursor marker>", "summary": "<one line>"}. If no edit follows, reply with the lines '
        "unchanged.\n"
        f"<recent_edits>\n{recent}</recent_edits>\n"
        f'<editable_region path="{path}" language="{language}" '
        f'start_line="{span.first_line + 1}" end_line="{span.last_line + 1}">\n'
        f"{body}\n</editable_region>\n"
    )


def offered(source: str, at: Target, replacement: str) -> Edit | None:
    """The one edit to offer from the model's rewrite of the region, or None."""
    rewrite = replacement.replace(CURSOR_MARKER, "")
    edits = [
        narrowed
        for block in minimal_edits(source, at.region, rewrite)
        for edit in line_by_line(source, block)
        if not (narrowed := narrow(source, edit)).start <= at.cursor <= narrowed.end
    ]
    after = [edit for edit in edits if edit.start > at.cursor]
    if after:
        return after[0]
    return edits[-1] if edits else None


def line_by_line(source: str, edit: Edit) -> list[Edit]:
    """An edit replacing n lines by n lines, as n one-line edits (one is offered at a time)."""
    old = _LINE.findall(source, edit.start, edit.end)
    new = _LINE.findall(edit.new_text)
    if len(old) != len(new) or len(old) < 2:
        return [edit]
    edits, at = [], edit.start
    for old_line, new_line in zip(old, new, strict=True):
        if old_line != new_line:
            edits.append(Edit(at, at + len(old_line), new_line))
        at += len(old_line)
    return edits


def narrow(source: str, edit: Edit) -> Edit:
    """A one-line edit reduced to the characters that differ; other edits as they are."""
    old = source[edit.start : edit.end]
    if _breaks(old) != _breaks(edit.new_text) or _breaks(old) > 1:
        return edit
    start, old_end = changed_span(old, edit.new_text)
    new_end = len(edit.new_text) - (len(old) - old_end)
    return Edit(edit.start + start, edit.start + old_end, edit.new_text[start:new_end])


def _breaks(text: str) -> int:
    """Line breaks in `text`, LSP's (`\r\n` counts once)."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")
