"""From what the model streams to what the editor shows.

`StopRule` decides while streaming when enough has arrived (a single line is complete, or a block
has ended by dedent or by the line cap) so that the stream can be closed early. Both read the
answer without what a model echoes of its prompt: fences, the prompt's own scaffolding (its tags,
the task line, the cursor marker and what precedes it) and lines that repeat those before the
cursor. `finish` then trims the text: text repeated from the line before the cursor, overlap with
the text after the cursor, doubled indentation, blank results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CURSOR_MARKER = "<|cursor|>"
COMPLETION_TASK = "Task: complete the code at the cursor."
# A line that is only the prompt's scaffolding: its tags, the task line, an edits header.
_SCAFFOLDING = re.compile(
    r"^\s*(?:(?:</?(?:cursor_region|file_snapshot|edits_since_snapshot|project_context|file"
    r"|edit_target|explain_target|diagnostic|instruction)(?:\s[^>]*)?>\s*)+"
    rf"|{re.escape(COMPLETION_TASK)}\s*|Snapshot lines \d+-\d+, now lines \d+-\d+ of the file:\s*)$"
)
_LEADING_TAG = re.compile(r"^\s*<cursor_region(?:\s[^>]*)?>[ \t]*\n?")
_FENCE = re.compile(r"^\s*```[\w+#.-]*\s*$")
_CLOSERS = ")]}>\"'`;:,"
_BLOCK_OPENERS = (":", "{", "(", "[", "=>", "->", "do", "then")


@dataclass(frozen=True, slots=True)
class CursorContext:
    line_prefix: str  # text of the cursor's line before the cursor
    line_suffix: str  # text of the cursor's line after the cursor
    following: str  # a few lines after the cursor's line, for overlap removal
    max_lines: int = 8
    preceding: str = ""  # a few whole lines before the cursor's line, for echo removal

    @property
    def multiline(self) -> bool:
        """A block is wanted at an empty line or after a block opener, with nothing after."""
        if self.line_suffix.strip():
            return False
        before = self.line_prefix.rstrip()
        return not before or before.endswith(_BLOCK_OPENERS)

    @property
    def indent(self) -> str:
        return self.line_prefix[: len(self.line_prefix) - len(self.line_prefix.lstrip())]


class StopRule:
    """Fed with content deltas; says when the suggestion is complete."""

    def __init__(self, context: CursorContext) -> None:
        self._context = context
        self._text = ""

    @property
    def text(self) -> str:
        return self._text

    def feed(self, delta: str) -> bool:
        self._text += delta
        lines = _answer(self._text, self._context, final=False).split("\n")
        complete = lines[:-1]  # the last element is a line still being written
        if not self._context.multiline:
            return any(line.strip() for line in complete)
        written = [line for line in complete if line.strip()]
        if len(written) >= self._context.max_lines:
            return True
        return len(written) >= 2 and _dedented(written, self._context)

    def cut(self) -> str:
        """The text up to where the rule stopped, before `finish`."""
        body = _answer(self._text, self._context, final=True)
        if not self._context.multiline:
            stripped = body.lstrip("\n") if not self._context.line_prefix.strip() else body
            return stripped.split("\n", 1)[0]
        lines = body.split("\n")
        kept: list[str] = []
        for line in lines:
            if line.strip() and kept and _dedented([*_nonblank(kept), line], self._context):
                break
            kept.append(line)
            if len(_nonblank(kept)) >= self._context.max_lines:
                break
        return "\n".join(kept)


def _nonblank(lines: list[str]) -> list[str]:
    return [line for line in lines if line.strip()]


def _dedented(written: list[str], context: CursorContext) -> bool:
    """True when the newest line is less indented than the block the suggestion opened."""
    first = written[0] if context.line_prefix.strip() == "" else context.line_prefix + written[0]
    base = len(first) - len(first.lstrip())
    if context.line_prefix.strip() and context.line_prefix.rstrip().endswith(_BLOCK_OPENERS):
        base += 1  # the body sits deeper than the opener's line
    newest = written[-1]
    return len(newest) - len(newest.lstrip()) < base


def _answer(text: str, context: CursorContext, *, final: bool) -> str:
    """The answer without fences and without what the model echoed of its prompt. While
    streaming (`final` false), leading lines that may still turn out an echo are held back."""
    text = _without_fences(text)
    before, marker, after = text.rpartition(CURSOR_MARKER)
    if marker:  # text before an echoed marker is the prompt's; a marker at the end is noise
        text = after if after.strip() else before + after
    parts = _LEADING_TAG.sub("", text, count=1).split("\n")
    writing = [] if final else parts[-1:]  # the line still being written is judged when done
    lines = [line for line in parts[: len(parts) - len(writing)] if not _SCAFFOLDING.match(line)]
    echoed = _echoed(lines, context.preceding.split("\n"), final=final)
    return "\n".join(lines[echoed:] + writing)


def _echoed(lines: list[str], preceding: list[str], *, final: bool) -> int:
    """How many of `lines` (from the first) repeat the lines just before the cursor's line, not
    all blank (a leading line break is an answer). Not final: also a run of them that the echo
    may yet complete."""
    said = [line.strip() for line in lines]
    before = [line.strip() for line in preceding]
    if not said or not any(before):
        return 0
    for count in range(min(len(said), len(before)), 0, -1):
        if said[:count] == before[len(before) - count :] and any(said[:count]):
            return count
    if not final:
        for start in range(len(before) - len(said)):
            if before[start : start + len(said)] == said:
                return len(said)
    return 0


def _without_fences(text: str) -> str:
    lines = text.split("\n")
    if lines and _FENCE.match(lines[0]) and len(lines) > 1:
        lines = lines[1:]
    for index, line in enumerate(lines[:-1] if len(lines) > 1 else []):
        if _FENCE.match(line):
            return "\n".join(lines[:index]) + "\n"
    return "\n".join(lines)


def finish(raw: str, context: CursorContext) -> str:
    text = raw.replace(CURSOR_MARKER, "")
    text = _strip_repeated_prefix(text, context.line_prefix)
    if not context.line_prefix.strip() and context.indent and text.startswith(context.indent):
        text = text[len(context.indent) :]  # the model re-typed the indentation already there
    text = _strip_suffix_overlap(text, context)
    text = text.rstrip()
    return "" if not text.strip() else text


def _strip_repeated_prefix(text: str, line_prefix: str) -> str:
    """The model sometimes answers with the whole line instead of its continuation."""
    typed = line_prefix.lstrip()
    if typed.strip() and text.lstrip().startswith(typed):
        return text.lstrip()[len(typed) :]
    return text


def _strip_suffix_overlap(text: str, context: CursorContext) -> str:
    suffix = context.line_suffix.rstrip()
    if suffix:
        first_line = text.split("\n", 1)[0]
        if first_line.endswith(suffix):
            return first_line[: len(first_line) - len(suffix)]
        closers = len(suffix) - len(suffix.lstrip(_CLOSERS))
        for size in range(closers, 0, -1):  # the model closed a bracket that already exists
            if first_line.endswith(suffix[:size]):
                return first_line[: len(first_line) - size]
        return first_line
    following = [line for line in context.following.split("\n") if line.strip()]
    lines = text.split("\n")
    if following:
        for index in range(1, len(lines)):
            tail = [line for line in lines[index:] if line.strip()]
            if tail and tail == following[: len(tail)]:
                return "\n".join(lines[:index])
    return text
