"""Code actions through the real protocol: instant listing, model on resolve, explanations."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from lsprotocol import types as t
from pytest_lsp import client_capabilities
from tests.conftest import (
    OVER_BOTH_APIS,
    Emulator,
    GrokClient,
    StartClient,
    helix_capabilities,
    open_document,
)

pytestmark = OVER_BOTH_APIS

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


async def test_listing_is_instant_and_resolve_returns_the_fix(
    start_client: StartClient, emulator: Emulator
) -> None:
    client = await start_client()
    uri = open_document(client, SOURCE)
    before = emulator.stats()["requests"]
    actions = await actions_at(client, uri, F401)
    assert emulator.stats()["requests"] == before  # listing never asks the model
    titles = [action.title for action in actions]
    assert "Grok: fix — `os` imported but unused" in titles
    assert "Grok: explain — `os` imported but unused" in titles
    fix = titled(actions, "Grok: fix")
    assert fix.kind == t.CodeActionKind.QuickFix and fix.edit is None
    resolved = await client.code_action_resolve_async(fix)
    assert emulator.stats()["requests"] == before + 1
    change = document_edit(resolved.edit)
    assert change.text_document.version == 1
    assert len(change.edits) == 1 and change.edits[0].range.start.line == 0  # minimal, not the file
    assert apply(SOURCE, resolved.edit) == SOURCE.replace("import os\n", "")
    # The code action reuses the completions' cacheable layers: the same conversation id.
    assert emulator.last_cache_key()


async def test_a_fix_in_a_crlf_file_keeps_it_crlf_and_explanations_follow_its_lines(
    start_client: StartClient, emulator: Emulator
) -> None:
    crlf = SOURCE.replace("\n", "\r\n")
    client = await start_client()
    uri = open_document(client, crlf, uri="file:///work/windows.py")
    actions = await actions_at(client, uri, F401)
    resolved = await client.code_action_resolve_async(titled(actions, "Grok: fix"))
    assert len(document_edit(resolved.edit).edits) == 1  # one line, not every line of the region
    assert apply(crlf, resolved.edit) == crlf.replace("import os\r\n", "")
    # The model saw the lines with `\n` only (in the task, after the snapshot).
    user = emulator.last_messages()[-1]["content"]
    task = user.split("</file_snapshot>\n", 1)[1]
    assert "<edit_target" in task and "\r" not in task
    explain = titled(actions, "Grok: explain")
    assert explain.command is not None
    await client.workspace_execute_command_async(
        t.ExecuteCommandParams(explain.command.command, explain.command.arguments)
    )
    await asyncio.sleep(0.1)
    assert len(client.diagnostics[uri]) == 1
    assert any(m.message.startswith("grok-lsp-emulator: ") for m in client.messages)  # not "Grok"
    # Typing on another line keeps the explanation; changing its own line drops it.
    for line, published in ((5, 1), (0, 0)):
        client.text_document_did_change(
            t.DidChangeTextDocumentParams(
                text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=2 + line),
                content_changes=[
                    t.TextDocumentContentChangePartial(
                        range=t.Range(t.Position(line, 0), t.Position(line, 0)), text="#"
                    )
                ],
            )
        )
        await asyncio.sleep(0.2)
        assert len(client.diagnostics[uri]) == published


async def test_progress_is_reported_and_ended(
    start_client: StartClient, emulator: Emulator
) -> None:
    emulator.configure(reasoning_tokens=80, tokens_per_second=2000)
    client = await start_client()
    uri = open_document(client, SOURCE)
    fix = titled(await actions_at(client, uri, F401), "Grok: fix")
    await client.code_action_resolve_async(fix)
    [reports] = client.progress_reports.values()
    assert isinstance(reports[0], t.WorkDoneProgressBegin)
    said = [r.message or "" for r in reports if isinstance(r, t.WorkDoneProgressReport)]
    assert any("reasoning tokens" in message for message in said)
    assert any("choosing the answer" in message for message in said)  # the model's words
    assert all(len(message) < 140 for message in said)
    assert isinstance(reports[-1], t.WorkDoneProgressEnd)


async def test_a_stale_version_yields_no_edit_and_a_message(
    start_client: StartClient, emulator: Emulator
) -> None:
    client = await start_client()
    uri = open_document(client, SOURCE)
    fix = titled(await actions_at(client, uri, F401), "Grok: fix")
    client.text_document_did_change(
        t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[t.TextDocumentContentChangeWholeDocument(text="# edited\n" + SOURCE)],
        )
    )
    before = emulator.stats()["requests"]
    resolved = await client.code_action_resolve_async(fix)
    assert resolved.edit is None
    assert emulator.stats()["requests"] == before
    await asyncio.sleep(0.1)
    assert any("changed since the action was offered" in m.message for m in client.messages)


async def test_malformed_model_output_yields_no_edit_and_a_message(
    start_client: StartClient, emulator: Emulator
) -> None:
    client = await start_client()
    uri = open_document(client, SOURCE)
    fix = titled(await actions_at(client, uri, F401), "Grok: fix")
    # Every attempt's (where ruff can check the fix, a malformed answer is asked again).
    emulator.fault("bad_json_content", count=3)
    resolved = await client.code_action_resolve_async(fix)
    assert resolved.edit is None
    await asyncio.sleep(0.1)
    # The model that answered is named (the emulator echoes its own), with what to do next.
    assert any(
        "grok-lsp-emulator's answer was not a usable edit" in m.message
        and "nothing was changed" in m.message
        and "`grok.actions.model`" in m.message
        for m in client.messages
    )
    assert not any("Grok's" in m.message for m in client.messages)


async def test_a_refactor_on_a_selection(start_client: StartClient) -> None:
    client = await start_client()
    text = "def area(w, h):\n    return w * h\n"
    uri = open_document(client, text)
    selection = t.Range(t.Position(0, 0), t.Position(1, 16))
    actions = await client.text_document_code_action_async(
        t.CodeActionParams(
            t.TextDocumentIdentifier(uri), selection, t.CodeActionContext(diagnostics=[])
        )
    )
    assert actions is not None
    assert {a.title for a in actions} >= {"Grok: refactor selection", "Grok: add a docstring"}
    docstring = titled(actions, "Grok: add a docstring")
    assert docstring.kind == t.CodeActionKind.RefactorRewrite
    resolved = await client.code_action_resolve_async(docstring)
    result = apply(text, resolved.edit)
    assert result.startswith('def area(w, h):\n    """') and result.endswith("    return w * h\n")


@pytest.mark.parametrize("capabilities", ["vscode", "helix"])
async def test_an_explanation_is_published_served_on_hover_and_cached(
    start_client: StartClient, emulator: Emulator, capabilities: str
) -> None:
    client = await start_client(
        capabilities=helix_capabilities() if capabilities == "helix" else None
    )
    uri = open_document(client, SOURCE)
    explain = titled(await actions_at(client, uri, F401), "Grok: explain")
    assert explain.command is not None and explain.edit is None
    before = emulator.stats()["requests"]
    text = await client.workspace_execute_command_async(
        t.ExecuteCommandParams(explain.command.command, explain.command.arguments)
    )
    assert isinstance(text, str) and "F401" in text
    assert emulator.stats()["requests"] == before + 1
    await asyncio.sleep(0.1)
    [published] = client.diagnostics[uri]
    assert published.source == "grok" and published.severity == t.DiagnosticSeverity.Information
    assert published.message == text and published.range == F401.range
    hover = await client.text_document_hover_async(
        t.HoverParams(t.TextDocumentIdentifier(uri), t.Position(0, 8))
    )
    assert hover is not None and isinstance(hover.contents, t.MarkupContent)
    assert text in hover.contents.value
    again = await client.workspace_execute_command_async(
        t.ExecuteCommandParams(explain.command.command, explain.command.arguments)
    )
    assert again == text and emulator.stats()["requests"] == before + 1  # cached: free


async def test_clients_without_resolve_get_a_command_that_applies_the_edit(
    start_client: StartClient,
) -> None:
    client = await start_client(capabilities=client_capabilities("emacs"))
    uri = open_document(client, SOURCE)
    fix = titled(await actions_at(client, uri, F401), "Grok: fix")
    assert fix.command is not None and fix.command.command == "grok.applyAction"
    await client.workspace_execute_command_async(
        t.ExecuteCommandParams(fix.command.command, fix.command.arguments)
    )
    [edit] = await client.edit_applied()
    assert apply(SOURCE, edit) == SOURCE.replace("import os\n", "")


async def test_an_edit_the_editor_declines_is_told_once_without_tracebacks(
    start_client: StartClient, tmp_path: Path
) -> None:
    log_file = tmp_path / "grok.log"
    client = await start_client(
        capabilities=client_capabilities("emacs"), args=["--log-file", str(log_file)]
    )
    client.declines_edits = "User cancelled server edit"  # eglot's answer to "n"
    uri = open_document(client, SOURCE)
    fix = titled(await actions_at(client, uri, F401), "Grok: fix")
    assert fix.command is not None
    await client.workspace_execute_command_async(
        t.ExecuteCommandParams(fix.command.command, fix.command.arguments)
    )
    await asyncio.wait_for(client.edit_arrived.wait(), 30)
    await asyncio.sleep(0.3)
    told = [m.message for m in client.messages if "did not apply the edit" in m.message]
    assert len(told) == 1, told
    logged = log_file.read_text()
    assert "Traceback" not in logged and "ERROR" not in logged


RUFF_CASES = {
    "unused_import.py": (
        "import json\nimport os\n\nprint(os.getcwd())\n",
        "F401",
        "import os\n\nprint(os.getcwd())\n",
    ),
    "none_compare.py": (
        "def check(x):\n    if x == None:\n        return 1\n    return 0\n",
        "E711",
        "def check(x):\n    if x is None:\n        return 1\n    return 0\n",
    ),
    "unused_local.py": (
        "def f():\n    result = compute()\n    return 1\n",
        "F841",
        "def f():\n    compute()\n    return 1\n",
    ),
}


def ruff_diagnostics(path: Path) -> list[t.Diagnostic]:
    """Run the real ruff; turn its JSON into LSP diagnostics as an editor's ruff server would."""
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--no-cache",
            "--isolated",
            "--select",
            "F,E",
            "--output-format",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return [
        t.Diagnostic(
            range=t.Range(
                t.Position(item["location"]["row"] - 1, item["location"]["column"] - 1),
                t.Position(item["end_location"]["row"] - 1, item["end_location"]["column"] - 1),
            ),
            message=item["message"],
            code=item["code"],
            source="Ruff",
        )
        for item in json.loads(completed.stdout)
    ]


@pytest.mark.parametrize("name", sorted(RUFF_CASES))
async def test_fixes_real_ruff_diagnostics(
    start_client: StartClient, tmp_path: Path, name: str
) -> None:
    text, code, fixed = RUFF_CASES[name]
    path = tmp_path / name
    path.write_text(text)
    [diagnostic] = [d for d in ruff_diagnostics(path) if d.code == code]
    client = await start_client()
    uri = open_document(client, text, uri=path.as_uri())
    fix = titled(await actions_at(client, uri, diagnostic), "Grok: fix")
    resolved = await client.code_action_resolve_async(fix)
    assert apply(text, resolved.edit) == fixed
    path.write_text(fixed)
    assert not [d for d in ruff_diagnostics(path) if d.code == code]  # ruff agrees it is fixed


async def test_asked_explicitly_without_diagnostics_it_offers_to_fix_the_line(
    start_client: StartClient, emulator: Emulator
) -> None:
    # Helix and Neovim 0.10+ send a server only its own diagnostics: the context is empty.
    client = await start_client(capabilities=helix_capabilities())
    text = "def check(x):\n    if x == None:\n        return 1\n"
    uri = open_document(client, text)
    here = t.Range(t.Position(1, 8), t.Position(1, 8))
    automatic = await client.text_document_code_action_async(
        t.CodeActionParams(
            t.TextDocumentIdentifier(uri),
            here,
            t.CodeActionContext(diagnostics=[], trigger_kind=t.CodeActionTriggerKind.Automatic),
        )
    )
    assert not automatic  # no lightbulb on every line
    invoked = await client.text_document_code_action_async(
        t.CodeActionParams(
            t.TextDocumentIdentifier(uri),
            here,
            t.CodeActionContext(diagnostics=[], trigger_kind=t.CodeActionTriggerKind.Invoked),
        )
    )
    fix = titled(invoked, "Grok: fix this line")
    before = emulator.stats()["requests"]
    await client.code_action_resolve_async(fix)
    assert emulator.stats()["requests"] == before + 1
    content = emulator.last_messages()[-1]["content"]
    assert "Fix the bug or error on line 2" in content and "if x == None:" in content
