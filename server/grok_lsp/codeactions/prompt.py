"""The task part (layer 4) of code-action prompts; layers 1-3 are the completions' own bytes."""

from __future__ import annotations

from html import escape

from lsprotocol import types as t

from grok_lsp.codeactions.plan import Region

REFACTORS = {
    "refactor": "Improve this code: clearer and simpler, same behaviour.",
    "simplify": "Simplify this code without changing its behaviour.",
    "types": "Add type hints to this code.",
    "docstring": "Add a docstring to the function or class this code defines.",
    "fix-line": "Fix the bug or error on line {line}, if there is one; otherwise change nothing.",
}


def diagnostic_tag(diagnostic: t.Diagnostic) -> str:
    code = "" if diagnostic.code is None else str(diagnostic.code)
    return (
        f'<diagnostic code="{escape(code)}" source="{escape(diagnostic.source or "")}" '
        f'line="{diagnostic.range.start.line + 1}">{diagnostic.message}</diagnostic>\n'
    )


def edit_task(
    path: str, source: str, target: Region, diagnostic: t.Diagnostic | None, instruction: str
) -> str:
    reason = (
        diagnostic_tag(diagnostic) if diagnostic else f"<instruction>{instruction}</instruction>\n"
    )
    return (
        "Task: edit.\n"
        + reason
        + f'<edit_target path="{escape(path)}" start_line="{target.first_line + 1}" '
        f'end_line="{target.last_line + 1}">\n{target.lines_text(source)}\n</edit_target>\n'
    )


def explain_task(path: str, source: str, target: Region, diagnostic: t.Diagnostic) -> str:
    return (
        "Task: explain.\n"
        + f'<explain_target path="{escape(path)}" start_line="{target.first_line + 1}" '
        f'end_line="{target.last_line + 1}">\n{target.lines_text(source)}\n'
        + diagnostic_tag(diagnostic)
        + "</explain_target>\n"
    )
