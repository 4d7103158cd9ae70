"""Deterministic, plausible answers, chosen by what the last user message asks for.

- `<|cursor|>` (inside `<cursor_region ...>`): an inline completion, the text to insert.
- `<edit_target ...>`: a JSON edit, see `edits.py`; `<explain_target ...>`: markdown, see
  `explain.py`; `<editable_region ...>`: a next edit, the region rewritten (`nextedits.py`). A
  `<check_report ...>` (a tool's verdict on the last edit) answers the edit task of the earlier
  turn again; `wrong_fixes` makes that many answers of a conversation wrong first.
- Anything else: a short note that this is the emulator.

Inline sources, first hit wins: the oracle texts, then the prompt itself (text before the
cursor that occurred earlier continues as it did there), then small templates (`templates.py`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from grok_lsp.emulator import edits, explain, nextedits, templates
from grok_lsp.emulator.tags import CURSOR, Tag, last_tag
from grok_lsp.emulator.tokens import message_text, tokenize

_LANGUAGES = {".py": "python", ".pyi": "python", ".js": "javascript", ".ts": "typescript"}
_TASK_TAGS: dict[Literal["inline", "edit", "explain"], str] = {
    "inline": CURSOR,
    "edit": "<edit_target ",
    "explain": "<explain_target ",
}
_NEXT_EDIT_TAG = "<editable_region "
_REGION_TAG = "<cursor_region "
_CHECK_REPORT = "<check_report "
_ORACLE_MIN = 16
_DOCUMENT_MIN = 8
_OCCURRENCES = 4  # earlier occurrences of the prefix's tail tried in the document
_REASONING = (
    "Emulated reasoning: reading the request, the code around the target and the "
    "instructions, then choosing the answer deterministically. "
)
CHAT_ANSWER = (
    "This is grok-lsp-emulator, a local stand-in for xAI's chat-completions API; no model "
    "runs here. It answers inline completions (a message with <|cursor|>), edit tasks "
    "(<edit_target>) and explanations (<explain_target>)."
)


@dataclass(frozen=True)
class Answer:
    kind: Literal["inline", "edit", "explain", "next_edit", "chat"]
    content: str


@dataclass(frozen=True)
class Cursor:
    prefix: str
    suffix: str
    document: str
    language: str
    max_lines: int
    overshoot_lines: int = 0


def answer(
    messages: Sequence[Mapping[str, Any]],
    oracle: Sequence[str],
    max_lines: int,
    overshoot_lines: int = 0,
    wrong_fixes: int = 0,
) -> Answer:
    texts = [message_text(m) for m in messages]
    users = [i for i, m in enumerate(messages) if m.get("role") == "user"]
    reports = [i for i in users if _CHECK_REPORT in texts[i]]
    if reports and reports[-1] == users[-1]:  # the tool's verdict: the edit task again
        users = [i for i in users if i not in reports]
        task = texts[users[-1]] if users else ""
        return Answer("edit", edits.edit_answer(task, wrong=len(reports) < wrong_fixes))
    last = texts[users[-1]] if users else ""
    # The task comes last; the same tags may also appear earlier, in quoted files.
    where = {kind: last.rfind(tag) for kind, tag in _TASK_TAGS.items()}
    kind = max(where, key=lambda k: where[k])
    # The next-edit region holds the cursor marker too: it is the task when it comes last.
    if last.rfind(_NEXT_EDIT_TAG) > max(where["edit"], where["explain"], last.rfind(_REGION_TAG)):
        return Answer("next_edit", nextedits.next_edit_answer(last))
    if where[kind] < 0:
        return Answer("chat", CHAT_ANSWER)
    if kind == "edit":
        return Answer("edit", edits.edit_answer(last, wrong=wrong_fixes > 0))
    if kind == "explain":
        return Answer("explain", explain.explain_answer(last))
    before = "\n".join([*texts[: users[-1]], last.rsplit(CURSOR, 1)[0]])
    cursor = _cursor(last, before, max_lines, overshoot_lines)
    return Answer("inline", complete(cursor, oracle))


def reasoning_tokens(count: int) -> list[str]:
    """`count` tokens of placeholder reasoning, always the same."""
    base = tokenize(_REASONING)
    return [base[i % len(base)] for i in range(count)]


def _cursor(message: str, document: str, max_lines: int, overshoot_lines: int) -> Cursor:
    region = last_tag("cursor_region", message)
    if region is None or CURSOR not in region.body:
        region = Tag({}, message)
    prefix, suffix = region.body.rsplit(CURSOR, 1)
    path = region.attrs.get("path", "")
    language = region.attrs.get("language") or _LANGUAGES.get(
        "." + path.rpartition(".")[2], "plaintext"
    )
    return Cursor(prefix, suffix, document, language, max_lines, overshoot_lines)


def complete(cursor: Cursor, oracle: Sequence[str]) -> str:
    for text in oracle:
        if found := _continue_from(text, cursor, _ORACLE_MIN, earlier_only=False):
            return found
    # The prompt before the cursor ends with the prefix itself: only earlier occurrences count.
    if found := _continue_from(cursor.document, cursor, _DOCUMENT_MIN, earlier_only=True):
        return found
    return templates.template(cursor.prefix, cursor.suffix, cursor.language)


def _continue_from(source: str, cursor: Cursor, min_chars: int, *, earlier_only: bool) -> str:
    """What follows the longest 1-3 line tail of the prefix found in `source`, trimmed.

    `earlier_only`: the occurrences that end before the end of `source`, the last first (the
    latest is often the cursor's own line in the file snapshot, with nothing after it); else
    the first occurrence only.
    """
    lines = cursor.prefix.split("\n")
    for count in range(min(3, len(lines)), 0, -1):
        tail = "\n".join(lines[-count:])
        if len(tail.strip()) < min_chars:
            continue
        end = len(source) - 1
        for _ in range(_OCCURRENCES if earlier_only else 1):
            at = source.rfind(tail, 0, end) if earlier_only else source.find(tail)
            if at < 0:
                break
            rest = source[at + len(tail) :]
            taken = _take(rest, lines[-1], cursor.max_lines)
            found = _drop_suffix_overlap(taken, cursor.suffix)
            if found.strip():
                return found + _overshoot(rest[len(taken) :], cursor.overshoot_lines)
            end = at + len(tail) - 1
    return ""


def _overshoot(after: str, count: int) -> str:
    """The next `count` lines of the source, as a model that does not know when to stop."""
    if count <= 0 or not after.startswith("\n"):
        return ""
    return "\n" + "\n".join(after[1:].split("\n")[:count])


def _take(rest: str, current: str, max_lines: int) -> str:
    """The rest of the line; a block when the cursor starts a line or follows a colon."""
    first, _, after = rest.partition("\n")
    if not after or (current.strip() and not current.rstrip().endswith(":")):
        return first
    if first.strip():
        indent = len(current) + len(first) - len(first.lstrip())
    else:
        indent = next((len(ln) - len(ln.lstrip()) for ln in after.split("\n") if ln.strip()), 0)
        if indent <= len(current) - len(current.lstrip()):
            return first
    taken = [first]
    for line in after.split("\n"):
        if len(taken) >= max_lines or (line.strip() and len(line) - len(line.lstrip()) < indent):
            break
        taken.append(line)
    while len(taken) > 1 and not taken[-1].strip():
        taken.pop()
    return "\n".join(taken)


def _drop_suffix_overlap(text: str, suffix: str) -> str:
    """Remove what the text after the cursor already holds: the rest of the cursor's line, or
    (when that is blank) the lines from the first one that the suffix goes on with."""
    if not text or not suffix.strip():
        return text
    if suffix.lstrip().startswith(text.strip()):
        return ""
    rest_of_line, _, later = suffix.partition("\n")
    if rest_of_line.strip():
        seam = rest_of_line.rstrip()
        return text[: -len(seam)] if text.endswith(seam) else text
    following = next(line for line in later.split("\n") if line.strip())
    lines = text.split("\n")
    return "\n".join(lines[: lines.index(following)]).rstrip() if following in lines else text
