"""Edit tasks: `<edit_target>` lines plus a `<diagnostic>` or an `<instruction>`.

The answer is JSON, as the client asks the model for: `{"replacement": "<the new text of
exactly those lines>", "summary": "<one line>"}`; an empty replacement removes the lines. Only
a few well-understood fixes are made; for anything else the lines come back unchanged with
the summary "no change suggested" (the emulator never invents an edit).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable

from grok_lsp.emulator.tags import last_tag

_NAME = re.compile(r"[`'\"]([^`'\"]+)[`'\"]")
_IMPORT = re.compile(
    r"^(?P<indent>\s*)(?P<head>from\s+[\w.]+\s+)?import\s+(?P<names>[^#]+?)"
    r"(?P<comment>\s*#.*)?$"
)
_BOOL_CMP = re.compile(r"([\w.]+(?:\(\))?)\s*(==|!=)\s*(True|False)\b")
_DEF = re.compile(r"^(?P<indent>\s*)(async\s+)?(?P<kind>def|class)\s+(?P<name>\w+)")
_HEADER_END = re.compile(r"\)\s*:(?P<rest>\s*(#.*)?)$")
_MESSAGE_CODES = (
    (r"imported but unused", "F401"),
    (r"assigned to but never used", "F841"),
    (r"comparisons? to `?None", "E711"),
    (r'unused "type: ignore', "unused-ignore"),  # mypy's warn_unused_ignores
    (r"comparisons? to `?(True|False)", "E712"),
    (r"multiple imports on one line", "E401"),
    (r"^trailing comma$", "trailing-comma"),  # VS Code's JSON language service
)
NO_CHANGE = "no change suggested"
Edit = tuple[list[str], str] | None


def edit_answer(message: str, wrong: bool = False) -> str:
    """The edit for the task in `message`; `wrong`: an edit as a model's first try sometimes is:
    for a diagnostic, a note above the lines that fixes nothing; for an instruction (a refactor),
    the lines with their indentation lost, which breaks Python."""
    target = last_tag("edit_target", message)
    lines = target.body.split("\n") if target else []
    if wrong and lines:
        if last_tag("diagnostic", message):
            indent = lines[0][: len(lines[0]) - len(lines[0].lstrip())]
            wrong_lines = [f"{indent}# reviewed: see below", *lines]
        else:
            wrong_lines = [line.lstrip() for line in lines]
        return json.dumps({"replacement": "\n".join(wrong_lines), "summary": "Fix the problem"})
    edit: Edit = None
    if diagnostic := last_tag("diagnostic", message):
        text = diagnostic.body.strip()
        rule = _DIAGNOSTIC_RULES.get(_code(diagnostic.attrs.get("code", ""), text))
        edit = rule(lines, text) if rule else None
    elif instruction := last_tag("instruction", message):
        edit = _by_instruction(lines, instruction.body.lower())
    new_lines, summary = edit if edit and edit[0] != lines else (lines, NO_CHANGE)
    return json.dumps({"replacement": "\n".join(new_lines), "summary": summary})


def _code(code: str, message: str) -> str:
    if code.upper() in _DIAGNOSTIC_RULES:
        return code.upper()
    return next((c for p, c in _MESSAGE_CODES if re.search(p, message, re.I)), code)


def _quoted_name(message: str) -> str | None:
    match = _NAME.search(message)
    return match[1] if match else None


def _unused_import(lines: list[str], message: str) -> Edit:
    name = _quoted_name(message)
    if not name:
        return None
    for i, line in enumerate(lines):
        match = _IMPORT.match(line)
        if not match:
            continue
        names = match["names"].strip()
        parens = names.startswith("(") and names.endswith(")")
        entries = [e.strip() for e in names.strip("()").split(",") if e.strip()]
        module = match["head"].split()[1] if match["head"] else ""
        keep = [e for e in entries if not _is_import_of(e, module, name)]
        if len(keep) == len(entries):
            continue
        joined = ", ".join(keep)
        new = f"{match['indent']}{match['head'] or ''}import {f'({joined})' if parens else joined}"
        replacement = [new + (match["comment"] or "")] if keep else []
        return lines[:i] + replacement + lines[i + 1 :], f"Remove unused import `{name}`"
    return None


def _is_import_of(entry: str, module: str, name: str) -> bool:
    base, _, alias = (part.strip() for part in entry.partition(" as "))
    qualified = f"{module}.{base}" if module else base
    return name in (entry, qualified) or (bool(alias) and name == alias)


def _none_comparison(lines: list[str], _message: str) -> tuple[list[str], str]:
    new = [
        re.sub(r"\s*!=\s*None\b", " is not None", re.sub(r"\s*==\s*None\b", " is None", ln))
        for ln in lines
    ]
    return new, "Compare to None with `is` / `is not`"


def _bool_comparison(lines: list[str], _message: str) -> tuple[list[str], str]:
    def rewrite(match: re.Match[str]) -> str:
        operand, op, value = match.groups()
        return operand if (op == "==") == (value == "True") else f"not {operand}"

    return [_BOOL_CMP.sub(rewrite, ln) for ln in lines], "Test the value's truth directly"


def _unused_variable(lines: list[str], message: str) -> Edit:
    name = _quoted_name(message)
    if not name:
        return None
    assign = re.compile(rf"^(\s*){re.escape(name)}\s*(?::[^=]+)?=(?!=)\s*(.*)$")
    for i, line in enumerate(lines):
        if match := assign.match(line):
            value = match[2]
            new = [] if _is_literal(value) else [match[1] + value]
            summary = f"Drop the unused variable `{name}`" + (
                ", keep the expression" if new else ""
            )
            return lines[:i] + new + lines[i + 1 :], summary
        bound = re.sub(rf"\s+as\s+{re.escape(name)}(?=\s*:)", "", line)
        if bound != line and re.match(r"^\s*(with|except)\b", line):
            return [*lines[:i], bound, *lines[i + 1 :]], f"Drop the unused name `{name}`"
    return None


def _is_literal(expression: str) -> bool:
    try:
        ast.literal_eval(expression.split("#", 1)[0].strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False
    return True


def _split_imports(lines: list[str], _message: str) -> Edit:
    for i, line in enumerate(lines):
        match = _IMPORT.match(line)
        if match and not match["head"] and "," in match["names"]:
            names = [n.strip() for n in match["names"].split(",") if n.strip()]
            new = [f"{match['indent']}import {n}" for n in names]
            new[-1] += match["comment"] or ""
            return lines[:i] + new + lines[i + 1 :], "Put each import on its own line"
    return None


def _trailing_comma(lines: list[str], _message: str) -> Edit:
    """Drop a comma that is followed only by a closing bracket (on its line or the next)."""
    text = re.sub(r",(\s*[}\]])", r"\1", "\n".join(lines))
    return text.split("\n"), "Remove the trailing comma"


def _unused_ignore(lines: list[str], _message: str) -> Edit:
    new = [re.sub(r"\s*#\s*type:\s*ignore(\[[^\]]*\])?", "", line) for line in lines]
    return new, 'Remove the unused "type: ignore" comment'


def _by_instruction(lines: list[str], instruction: str) -> Edit:
    if "docstring" in instruction:
        return _add_docstring(lines)
    if "type hint" in instruction or "annotat" in instruction:
        return _annotate_none(lines)
    if "simplif" in instruction or "fix the bug" in instruction:  # "Grok: fix this line"
        simpler = _bool_comparison(_none_comparison(lines, "")[0], "")[0]
        return simpler, "Simplify comparisons to True, False and None"
    return None


def _header_end(lines: list[str], start: int) -> int | None:
    for j in range(start, len(lines)):
        if lines[j].split("#", 1)[0].rstrip().endswith(":"):
            return j
    return None


def _add_docstring(lines: list[str]) -> Edit:
    for i, line in enumerate(lines):
        match = _DEF.match(line)
        end = _header_end(lines, i) if match else None
        if not match or end is None:
            continue
        following = next((ln.strip() for ln in lines[end + 1 :] if ln.strip()), "")
        if following.startswith(('"', "'")):
            return None
        words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", match["name"]).replace("_", " ").split()
        text = " ".join(words).capitalize() or match["name"]
        doc = f'{match["indent"]}    """{text}."""'
        return [*lines[: end + 1], doc, *lines[end + 1 :]], f"Add a docstring to `{match['name']}`"
    return None


def _annotate_none(lines: list[str]) -> Edit:
    new = list(lines)
    names: list[str] = []
    for i, line in enumerate(lines):
        match = _DEF.match(line)
        end = _header_end(lines, i) if match and match["kind"] == "def" else None
        if not match or end is None or "->" in "".join(lines[i : end + 1]):
            continue
        indent = len(match["indent"])
        body: list[str] = []
        for ln in lines[end + 1 :]:
            if ln.strip() and len(ln) - len(ln.lstrip()) <= indent:
                break
            body.append(ln)
        returns = any(re.match(r"^\s*(return\s+\S|yield\b)", ln) for ln in body)
        header = _HEADER_END.search(new[end])
        if not any(ln.strip() for ln in body) or returns or not header:
            continue
        new[end] = new[end][: header.start()] + ") -> None:" + header["rest"]
        names.append(match["name"])
    if not names:
        return None
    return new, "Annotate " + ", ".join(f"`{n}`" for n in names) + " with `-> None`"


_DIAGNOSTIC_RULES: dict[str, Callable[[list[str], str], Edit]] = {
    "F401": _unused_import,
    "E711": _none_comparison,
    "E712": _bool_comparison,
    "F841": _unused_variable,
    "E401": _split_imports,
    "trailing-comma": _trailing_comma,
    "unused-ignore": _unused_ignore,
}
