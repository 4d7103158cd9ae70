"""What a code action carries from the listing to its resolution, and back from the client.

The client hands an action's `data` (and a command's arguments) back as it got them, or not:
each field is read defensively, and anything that is not grok-lsp's reads as None.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types as t

SOURCE = "grok"  # the `source` of grok-lsp's own diagnostics (explanations)
EXPLAIN_COMMAND = "grok.explain"


def action_data(
    uri: str,
    version: int | None,
    span: t.Range,
    *,
    task: str = "",
    diagnostic: t.Diagnostic | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "uri": uri,
        "version": version,
        "task": task,
        "range": range_json(span),
    }
    if diagnostic is not None:
        data["diagnostic"] = {
            "message": diagnostic.message,
            "code": diagnostic.code,
            "source": diagnostic.source,
            "range": range_json(diagnostic.range),
        }
    return data


def range_json(span: t.Range) -> dict[str, Any]:
    return {
        "start": {"line": span.start.line, "character": span.start.character},
        "end": {"line": span.end.line, "character": span.end.character},
    }


def diagnostic_from(data: dict[str, Any]) -> t.Diagnostic | None:
    """The diagnostic in an action's data; None if there is none or it is malformed."""
    raw = data.get("diagnostic")
    span = range_from(raw.get("range")) if isinstance(raw, dict) else None
    if not isinstance(raw, dict) or span is None:
        return None
    code = raw.get("code")
    return t.Diagnostic(
        range=span,
        message=str(raw.get("message", "")),
        code=code if isinstance(code, int | str) else None,
        source=str(raw["source"]) if raw.get("source") is not None else None,
    )


def range_from(raw: object) -> t.Range | None:
    """The range in an action's data; None if it is not one (data comes back from the client)."""
    if not isinstance(raw, dict):
        return None
    try:
        return t.Range(t.Position(**raw["start"]), t.Position(**raw["end"]))
    except (KeyError, TypeError, ValueError):
        return None
