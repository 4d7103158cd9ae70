"""Last-resort inline completions: a few Python idioms, then closing what the line left open.

Only used when the rest of the cursor's line is blank, so nothing is typed over.
"""

from __future__ import annotations

import re

_DEF_OPEN = re.compile(r"^\s*(async\s+)?def\s+\w+\($")
_FROM_IMPORT = re.compile(r"^\s*from\s+([\w.]+)\s+import\s$")
_ASSIGN = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?::[^=]+)?=(?!=)")
_PARAM = re.compile(r"([A-Za-z_]\w*)\s*(?=[:=,)])")
_BLOCK_KEYWORD = re.compile(
    r"^\s*(async\s+)?(def|class|if|elif|else|while|for|with|try|except|finally)\b"
)
_MODULES = ("os", "sys", "re", "json", "logging", "typing", "pathlib")
_FROM_NAMES = {
    "typing": "Any",
    "pathlib": "Path",
    "collections": "defaultdict",
    "dataclasses": "dataclass",
    "abc": "ABC",
    "os": "path",
}
_PAIRS = {"(": ")", "[": "]", "{": "}"}


def template(prefix: str, suffix: str, language: str) -> str:
    if suffix.split("\n", 1)[0].strip():
        return ""
    lines = prefix.split("\n")
    if language == "python":
        found = _python(lines)
        if found:
            return found
    return _close_open(lines[-1], language)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _python(lines: list[str]) -> str:
    line = lines[-1]
    pad = " " * (_indent(line) + 4)
    if _DEF_OPEN.match(line):
        return ("self" if _in_class(lines) else "") + f"):\n{pad}pass"
    if line.rstrip().endswith(":") and _BLOCK_KEYWORD.match(line):
        return f"\n{pad}pass"
    if re.match(r"^\s*import\s$", line):
        prefix = "\n".join(lines)
        return next((m for m in _MODULES if not re.search(rf"\b(import|from) {m}\b", prefix)), "os")
    if match := _FROM_IMPORT.match(line):
        return _FROM_NAMES.get(match[1], "")
    names = _names_in_scope(lines)
    if re.match(r"^\s*return\s$", line):
        return names[0] if names else "None"
    if re.match(r"^\s*(el)?if\s$", line):
        return f"{names[0] if names else 'value'} is not None:"
    if re.match(r"^\s*for\s$", line):
        plural = next((n for n in names if len(n) > 2 and n.endswith("s")), None)
        return f"{plural[:-1]} in {plural}:" if plural else "_ in range(10):"
    previous = next((p for p in reversed(lines[:-1]) if p.strip()), "")
    if not line.strip() and previous.rstrip().endswith(":"):
        return " " * max(0, _indent(previous) + 4 - len(line)) + "pass"
    return ""


def _in_class(lines: list[str]) -> bool:
    indent = _indent(lines[-1])
    for line in reversed(lines[:-1]):
        if line.strip() and _indent(line) < indent:
            return line.lstrip().startswith("class ")
    return False


def _names_in_scope(lines: list[str]) -> list[str]:
    """Local names, most recently assigned first, then the enclosing function's parameters."""
    indent = _indent(lines[-1])
    assigned: list[str] = []
    for line in reversed(lines[:-1]):
        if not line.strip():
            continue
        if _indent(line) < indent and re.match(r"^\s*(async\s+)?def\s", line):
            params = _PARAM.findall(line.split("(", 1)[-1])
            return assigned + [p for p in params if p not in ("self", "cls", *assigned)]
        if (match := _ASSIGN.match(line)) and match[1] not in assigned:
            assigned.append(match[1])
    return assigned


def _close_open(line: str, language: str) -> str:
    """Close the quote and brackets the line left open (and a Python header's colon)."""
    stack: list[str] = []
    quote = ""
    escaped = False
    for char in line:
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "\"'`":
            quote = char
        elif char in _PAIRS:
            stack.append(_PAIRS[char])
        elif stack and char == stack[-1]:
            stack.pop()
    closing = quote + "".join(reversed(stack))
    if not closing:
        return ""
    if language == "python" and _BLOCK_KEYWORD.match(line):
        closing += ":"
    return closing
