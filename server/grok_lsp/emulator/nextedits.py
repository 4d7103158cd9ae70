"""Next-edit tasks: `<recent_edits>` plus an `<editable_region>`, answered as the region rewritten.

The answer is the code actions' JSON, `{"replacement": "<the region's new lines>", "summary":
"…"}`. The latest recent edit decides, by the first rule that fits (else the region comes back
unchanged: the emulator never invents an edit):
- a parameter appended to a definition (`def f(a)` → `def f(a, b)`, no default): the calls of
  `f` in the region that pass the old number of arguments get the new name appended;
- a rename (one identifier became another, and the old one is gone from the edited line): its
  other occurrences, as whole words;
- any other change within a line (`self.a` → `self._a`): made the same way on the region's
  lines that read as the edited line did at that place.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from grok_lsp.emulator.tags import CURSOR, last_tag

NO_CHANGE = "no edit follows"
_HUNK = re.compile(r"^--- line \d+\n((?:(?!--- line )[-+].*\n?)*)", re.MULTILINE)
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_DEFINITION = re.compile(r"\b(?:def|function)\s+(?P<name>[A-Za-z_]\w*)\s*\(")
_SKIP_FIRST = {"self", "cls"}


@dataclass(frozen=True)
class Change:
    """`was` became `now` (one line), `removed` → `inserted` between `before` and `after`."""

    was: str
    now: str
    before: str
    removed: str
    inserted: str
    after: str


def next_edit_answer(message: str) -> str:
    region = last_tag("editable_region", message)
    lines = region.body.replace(CURSOR, "").split("\n") if region else []
    recent = last_tag("recent_edits", message)
    change = latest_change(recent.body if recent else "")
    rewritten, summary = (lines, NO_CHANGE)
    if change is not None:
        for rule in (_new_parameter, _rename, _repeated):
            if (found := rule(change, lines)) is not None and found[0] != lines:
                rewritten, summary = found
                break
    return json.dumps({"replacement": "\n".join(rewritten), "summary": summary})


def latest_change(recent: str) -> Change | None:
    """The first changed line of the last hunk that changed lines in place."""
    for hunk in reversed(_HUNK.findall(recent)):
        rows = [row for row in hunk.split("\n") if row]
        was = [row[1:] for row in rows if row.startswith("-")]
        now = [row[1:] for row in rows if row.startswith("+")]
        if len(was) != len(now):
            continue
        for old, new in zip(was, now, strict=True):
            if old != new:
                return _change(old, new)
    return None


def _change(was: str, now: str) -> Change:
    head = 0
    while head < min(len(was), len(now)) and was[head] == now[head]:
        head += 1
    tail = 0
    while tail < min(len(was), len(now)) - head and was[-1 - tail] == now[-1 - tail]:
        tail += 1
    return Change(
        was,
        now,
        was[:head],
        was[head : len(was) - tail],
        now[head : len(now) - tail],
        was[len(was) - tail :],
    )


def _new_parameter(change: Change, lines: list[str]) -> tuple[list[str], str] | None:
    old, new = _DEFINITION.search(change.was), _DEFINITION.search(change.now)
    if old is None or new is None or old["name"] != new["name"]:
        return None
    was_params = _arguments(change.was, old.end())
    now_params = _arguments(change.now, new.end())
    if was_params is None or now_params is None or now_params[:-1] != was_params:
        return None
    added = now_params[-1]
    name = _IDENTIFIER.match(added.lstrip("*"))
    if name is None or "=" in added or added.startswith("*"):
        return None  # a default (or *args) asks nothing of the callers
    expected = len(was_params) - (1 if was_params[:1] and was_params[0] in _SKIP_FIRST else 0)
    call = re.compile(rf"(?<!def )(?<!function )\b{re.escape(old['name'])}\s*\(")
    rewritten = []
    for line in lines:
        for found in call.finditer(line):
            arguments = _arguments(line, found.end())
            if arguments is not None and len(arguments) == expected and line != change.now:
                close = _closing(line, found.end())
                glue = ", " if arguments else ""
                line = line[:close] + glue + name[0] + line[close:]
                break
        rewritten.append(line)
    return rewritten, f"Pass `{name[0]}` to `{old['name']}`"


def _closing(line: str, start: int) -> int:
    """Where the bracket opened just before `start` closes (or the line's end)."""
    depth = 1
    for at in range(start, len(line)):
        depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(line[at], 0)
        if depth == 0:
            return at
    return len(line)


def _arguments(line: str, start: int) -> list[str] | None:
    """The comma-separated items from `start` to the matching `)`, or None if it is not there."""
    close = _closing(line, start)
    if close >= len(line):
        return None
    items, depth, current = [], 0, ""
    for char in line[start:close]:
        depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(char, 0)
        if char == "," and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        items.append(current.strip())
    return items


def _rename(change: Change, lines: list[str]) -> tuple[list[str], str] | None:
    left = re.search(r"\w*$", change.before)
    right = re.match(r"\w*", change.after)
    assert left is not None and right is not None
    old = left[0] + change.removed + right[0]
    new = left[0] + change.inserted + right[0]
    if not (_IDENTIFIER.fullmatch(old) and _IDENTIFIER.fullmatch(new)):
        return None
    word = re.compile(rf"\b{re.escape(old)}\b")
    if word.search(change.now):
        return None  # the old name stays on the edited line: not a rename
    return [word.sub(new, line) for line in lines], f"Rename `{old}` to `{new}` here too"


def _repeated(change: Change, lines: list[str]) -> tuple[list[str], str] | None:
    """The change made after the same word (the edited line's text before the change, back to
    its last space: `self.` in `    self.a = a`) on lines indented as the edited one."""
    words = change.before.split()
    anchor = words[-1] if words and not change.before[-1].isspace() else ""
    if len(anchor) < 2:
        return None
    indent = change.was[: len(change.was) - len(change.was.lstrip())]
    pattern = anchor + change.removed
    rewritten = []
    for line in lines:
        similar = line.startswith(indent) and not line[len(indent) :][:1].isspace()
        at = line.find(pattern) if similar else -1
        rest = line[at + len(pattern) :] if at >= 0 else ""
        if at >= 0 and (change.removed or not rest.startswith(change.inserted)):
            line = line[: at + len(anchor)] + change.inserted + rest
        rewritten.append(line)
    return rewritten, "Make the same change on the similar lines"
