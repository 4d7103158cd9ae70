"""Explain tasks: `<explain_target ...>` code plus a `<diagnostic ...>message</diagnostic>`.

The answer is markdown: a heading with the code, what the diagnostic means, why it fires here
(quoting the line) and how to fix it; fixed templates for well-known codes, a generic one
otherwise.
"""

from __future__ import annotations

import re

from grok_lsp.emulator.tags import last_tag

_DIAGNOSTIC = re.compile(r"<diagnostic[^>]*>.*?</diagnostic>", re.S)
_NAME = re.compile(r"[`'\"]([^`'\"]+)[`'\"]")

# code: (title, what it means, why it happens, how to fix)
_KNOWN: dict[str, tuple[str, str, str, str]] = {
    "F401": (
        "unused import",
        "A module or name is imported but nothing in the file uses it.",
        "the import outlived the code that used it, or the name is only meant to be re-exported",
        "Delete the import. If it is a deliberate re-export, list it in `__all__` "
        "or import it as `name as name`.",
    ),
    "F841": (
        "local variable assigned but never used",
        "A value is stored in a local variable that is never read afterwards.",
        "the result was kept for debugging or for code that has since been removed",
        "Drop the assignment and keep only the expression if it has side effects, "
        "or use the variable. Name it `_` if it must stay.",
    ),
    "F821": (
        "undefined name",
        "A name is used that is neither defined in this scope nor imported.",
        "of a typo, a missing import or a variable defined only on another branch",
        "Import or define the name, or fix its spelling.",
    ),
    "F811": (
        "redefinition of an unused name",
        "A name is defined again before its first definition was ever used.",
        "two imports or definitions bind the same name",
        "Remove the earlier definition, or rename one of the two.",
    ),
    "E711": (
        "comparison to None",
        "`None` is compared with `==` or `!=` instead of `is` or `is not`.",
        "`==` calls `__eq__`, which a class may override, while `None` is a singleton",
        "Write `x is None` or `x is not None`.",
    ),
    "E712": (
        "comparison to True or False",
        "A value is compared with `== True` or `== False`.",
        "the comparison is redundant: the value's own truth can be tested",
        "Write `if x:` or `if not x:` (or `x is True` when the exact object matters).",
    ),
    "E401": (
        "multiple imports on one line",
        "Several modules are imported in one `import` statement.",
        "the modules were listed together with commas",
        "Put each `import` on its own line.",
    ),
    "E501": (
        "line too long",
        "The line is longer than the configured maximum length.",
        "a long expression, string or comment sits on one line",
        "Break the expression inside brackets, split the string, or shorten names.",
    ),
    "E722": (
        "bare `except`",
        "An `except:` without an exception type catches everything, "
        "even `KeyboardInterrupt` and `SystemExit`.",
        "the handler does not name what it expects to fail",
        "Catch the specific exception, or at least `except Exception:`.",
    ),
}


def explain_answer(message: str) -> str:
    target = last_tag("explain_target", message)
    diagnostic = last_tag("diagnostic", message)
    attrs = diagnostic.attrs if diagnostic else {}
    text = diagnostic.body.strip() if diagnostic else "(no message)"
    code = attrs.get("code", "").strip()
    source = attrs.get("source", "").strip() or "the checker"
    where = target.attrs if target else {}
    quote = _quote(target.body if target else "", text)
    line_no = where.get("line") or where.get("start_line")
    at = f"line {line_no}" if line_no else "this line"
    shown = f"{at} (`{quote}`)" if quote else at
    title, meaning, why, fix = _KNOWN.get(code.upper(), ("", "", "", ""))
    if not title:
        return (
            f"### {code or 'Diagnostic'} ({source})\n\n> {text}\n\n"
            f"**What it means.** {source} reports the problem quoted above.\n\n"
            f"**Why here.** It points at {shown}.\n\n"
            "**How to fix.** Change the code as the message asks. If it is a false positive, "
            "silence it for this line only (`# noqa: CODE` for ruff or flake8, "
            "`# type: ignore[code]` for mypy)."
        )
    return (
        f"### {code.upper()}: {title}\n\n> {text}\n\n"
        f"**What it means.** {meaning}\n\n"
        f"**Why here.** {source} flags {shown}, because {why}.\n\n"
        f"**How to fix.** {fix}"
    )


def _quote(body: str, message: str) -> str:
    """The target line that mentions the name the message quotes, else its first line."""
    lines = [ln.strip() for ln in _DIAGNOSTIC.sub("", body).split("\n") if ln.strip()]
    name = _NAME.search(message)
    mentioned = [ln for ln in lines if name and name[1].split(".")[-1] in ln]
    return (mentioned or lines or [""])[0].replace("`", "'")
