"""Reading a code-action answer: the JSON edit asked for, in whatever wrapping a model gives it.

The prompt asks for `{"replacement": "<new text of exactly the target lines>", "summary": "…"}`
and, where the server accepts it, enforces that with a JSON schema (`EDIT_SCHEMA`). Models that
are not held to it wrap the object anyway: in a fence, after prose, followed by `// …` or `# …`,
with single quotes or a trailing comma; or they send the corrected lines themselves in a code
fence. Each is read here. A code fence is taken only when it is plainly the target's new text
(its lines mostly the target's); any replacement, fenced or in the object, must not be the whole
file and must still parse where the target did (Python). Any other answer is refused whole, so
text that is not code for the region is never applied.
"""

from __future__ import annotations

import ast
import difflib
import json
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_FENCE = re.compile(
    r"^[ \t]*```[ \t]*(?P<lang>[\w+#.-]*)[^\n]*\n(?P<body>.*?)\n[ \t]*```", re.M | re.S
)
_NOT_CODE = frozenset({"json", "jsonc", "json5", "markdown", "md", "text", "txt", "diff"})
_SIMILAR = 0.5  # share of lines a code fence must have in common with the target
_MAX_OBJECTS = 32  # `{` tried per answer: a bound on work for an answer full of braces

EDIT_SCHEMA: dict[str, Any] = {
    "type": "json_schema",
    "json_schema": {
        "name": "edit",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {"replacement": {"type": "string"}, "summary": {"type": "string"}},
            "required": ["replacement", "summary"],
            "additionalProperties": False,
        },
    },
}


class MalformedAnswer(ValueError):
    """The model's answer holds no edit that can be applied."""


@dataclass(frozen=True, slots=True)
class Answer:
    replacement: str
    summary: str


def parse_answer(text: str, target: str = "", language: str = "") -> Answer:
    """The edit in `text`. `target` is the region's text as the model was shown it (lines joined
    by `\n`), `language` its language id: they decide whether a bare code fence is the region."""
    found_object = False
    for value in _objects(text.strip()):
        found_object = True
        if isinstance(value.get("replacement"), str):
            summary = value.get("summary")
            replacement = _unfenced(value["replacement"])
            if problem := _unfit(replacement, target, language):
                raise MalformedAnswer(f"the replacement {problem}")
            return Answer(replacement, summary if isinstance(summary, str) else "")
    if not found_object and (code := _region_code(text, target, language)) is not None:
        return Answer(code, "")
    if found_object:
        raise MalformedAnswer('the answer has no string "replacement"')
    raise MalformedAnswer("the answer is neither the JSON edit asked for nor code for the lines")


def _unfenced(replacement: str) -> str:
    """The replacement without a fence around all of it (some models fence it in the JSON)."""
    whole = _FENCE.fullmatch(replacement.strip())
    return whole["body"] if whole else replacement


def _unfit(code: str, target: str, language: str) -> str | None:
    """Why `code` cannot be the target's new text, or None."""
    old = [line for line in target.split("\n") if line.strip()]
    new = [line for line in code.split("\n") if line.strip()]
    if target.strip() and len(new) > 2 * len(old) + 10:
        return "is far longer than the lines it replaces (the whole file?)"
    if language == "python" and _parses(target) and not _parses(code):
        return "is not valid Python where the lines were"
    return None


def _objects(text: str) -> Iterator[dict[str, Any]]:
    """JSON-like objects in `text`: the whole, each fence's body, then from each `{` on."""
    candidates = [text, *(match["body"] for match in _FENCE.finditer(text))]
    starts = [index for index, char in enumerate(text) if char == "{"][:_MAX_OBJECTS]
    candidates += filter(None, (_balanced(text, start) for start in starts))
    for candidate in candidates:
        value = _loads(candidate.strip())
        if isinstance(value, dict):
            yield value


def _loads(text: str) -> Any:
    """JSON, else a Python literal (single quotes, trailing commas); None if neither."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _balanced(text: str, start: int) -> str | None:
    """The object opening at `text[start]`, up to its matching brace, with the `//` and `#`
    comments outside strings removed; None if it never closes."""
    depth = 0
    quote = ""
    kept: list[str] = []
    index = start
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                kept.append(text[index : index + 2])
                index += 2
                continue
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#" or text.startswith("//", index):
            found = text.find("\n", index)
            index = len(text) if found < 0 else found
            continue
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                kept.append(char)
                return "".join(kept)
        kept.append(char)
        index += 1
    return None


def _region_code(text: str, target: str, language: str) -> str | None:
    """The one code fence of `text`, re-indented as the target, if it is the target's new text."""
    fences = [m["body"] for m in _FENCE.finditer(text) if m["lang"].lower() not in _NOT_CODE]
    if len(fences) != 1 or not target.strip():
        return None
    code = _indented_as(fences[0], target)
    old = [line.strip() for line in target.split("\n") if line.strip()]
    new = [line.strip() for line in code.split("\n") if line.strip()]
    if not new or _unfit(code, target, language):
        return None
    if difflib.SequenceMatcher(a=old, b=new, autojunk=False).ratio() < _SIMILAR:
        return None
    return code


def _indented_as(code: str, target: str) -> str:
    """`code` with the target's common indentation (models often send fenced code dedented)."""
    indent = _common_indent(target)
    if _common_indent(code) == indent:
        return code
    return textwrap.indent(textwrap.dedent(code), indent)


def _common_indent(text: str) -> str:
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines:
        return ""
    first = min(lines, key=lambda line: len(line) - len(line.lstrip()))
    return first[: len(first) - len(first.lstrip())]


def _parses(code: str) -> bool:
    try:
        ast.parse(textwrap.dedent(code))
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True
