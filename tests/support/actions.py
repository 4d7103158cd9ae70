"""Code actions as the tests ask for them: a file with an unused import, Ruff's diagnostic
for it, the actions offered, and their edits applied as an editor would."""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types as t

from tests.support.lsp import GrokClient

SOURCE = "import os\nimport sys\n\n\ndef main():\n    print(sys.argv)\n"
F401 = t.Diagnostic(
    range=t.Range(t.Position(0, 7), t.Position(0, 9)),
    message="`os` imported but unused",
    code="F401",
    source="Ruff",
)


async def actions_at(
    client: GrokClient, uri: str, diagnostic: t.Diagnostic | None, selection: t.Range | None = None
) -> Sequence[t.Command | t.CodeAction]:
    """The actions offered for `diagnostic`, or at `selection` with no diagnostic (and, as
    eglot and lsp-mode 8.0 send it, no trigger kind)."""
    span = selection or (diagnostic.range if diagnostic else None)
    assert span is not None
    actions = await client.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri),
            range=span,
            context=t.CodeActionContext(diagnostics=[diagnostic] if diagnostic else []),
        )
    )
    assert actions is not None
    return actions


def titled(actions: Sequence[t.Command | t.CodeAction] | None, prefix: str) -> t.CodeAction:
    assert actions is not None
    action = next(action for action in actions if action.title.startswith(prefix))
    assert isinstance(action, t.CodeAction)
    return action


def document_edit(edit: t.WorkspaceEdit | None) -> t.TextDocumentEdit:
    """The one change of a versioned edit: an edit of one document."""
    assert edit is not None and edit.document_changes
    [change] = edit.document_changes
    assert isinstance(change, t.TextDocumentEdit)
    return change


def apply(text: str, edit: t.WorkspaceEdit | None) -> str:
    """Apply a versioned edit as an editor would (UTF-16 positions, ASCII text here)."""
    change = document_edit(edit)
    lines = text.split("\n")

    def offset(position: t.Position) -> int:
        return sum(len(line) + 1 for line in lines[: position.line]) + position.character

    for text_edit in sorted(change.edits, key=lambda e: offset(e.range.start), reverse=True):
        assert isinstance(text_edit, t.TextEdit)
        start, end = offset(text_edit.range.start), offset(text_edit.range.end)
        text = text[:start] + text_edit.new_text + text[end:]
    return text
