"""Emacs's two clients as they really initialize: eglot 1.9 and lsp-mode 8.0 (Debian 12).

Their `initialize` was captured from the Debian packages (`tests/e2e/clients/`); what they do
with the answers is in their source and is run for real by `tests/editors/emacs.sh`. Here the
server's side: what each client is sent, and that every other client is sent what it was.
"""

from __future__ import annotations

import pytest
from lsprotocol import types as t

from tests.conftest import StartClient
from tests.support.actions import F401, SOURCE, actions_at, apply, titled
from tests.support.completion_items import WIDE_ORACLE, complete, units
from tests.support.emulator import Emulator
from tests.support.lsp import GrokClient, open_document
from tests.support.profiles import captured_client, helix_capabilities

# A block whose last line is indented less than the one before: yasnippet, re-indenting each
# line by python-mode's rules, puts the `return` inside the loop.
LOOP_ORACLE = (
    "def total(prices: list[float]) -> float:\n"
    "    result = 0.0\n"
    "    for price in prices:\n"
    "        result += price\n"
    "    return result\n"
)
LOOP_HEAD = LOOP_ORACLE.split("\n")[0]  # the `def` line; the body is the suggestion
LOOP_BLOCK = LOOP_ORACLE[len(LOOP_HEAD) :].rstrip("\n")


async def start_as(start_client: StartClient, name: str) -> GrokClient:
    capabilities, info = captured_client(name)
    return await start_client(capabilities=capabilities, client_info=info)


@pytest.mark.parametrize("name", ["eglot_v1.9", "lsp-mode_v8.0.0"])
async def test_a_block_goes_in_as_plain_text(
    start_client: StartClient, emulator: Emulator, name: str
) -> None:
    emulator.set_oracle(LOOP_ORACLE)
    client = await start_as(start_client, name)
    uri = open_document(client, LOOP_HEAD + "\n")
    [item] = (await complete(client, uri, 0, len(LOOP_HEAD))).items
    assert isinstance(item.text_edit, t.TextEdit)
    # Both say they take snippets (eglot with yasnippet loaded); neither inserts one verbatim.
    assert item.insert_text_format == t.InsertTextFormat.PlainText
    assert item.text_edit.new_text == LOOP_BLOCK
    if name.startswith("lsp-mode"):
        # It lists insertTextMode: asIs stops it re-indenting each line; and Emacs 28's
        # completion-at-point inserts the label itself.
        assert item.insert_text_mode == t.InsertTextMode.AsIs
        assert item.label == LOOP_BLOCK
    else:  # eglot lists no insertTextMode, and inserts the textEdit once a label is chosen
        assert item.insert_text_mode is None
        assert item.label == "result = 0.0"


async def test_other_clients_keep_their_snippets(
    start_client: StartClient, emulator: Emulator
) -> None:
    emulator.set_oracle(LOOP_ORACLE)
    client = await start_client(
        capabilities=helix_capabilities(), client_info=t.ClientInfo("helix", "25.07.1")
    )
    uri = open_document(client, LOOP_HEAD + "\n")
    [item] = (await complete(client, uri, 0, len(LOOP_HEAD))).items
    assert item.insert_text_format == t.InsertTextFormat.Snippet
    assert item.insert_text_mode is None and item.label == "result = 0.0"


async def test_lsp_mode_8_columns_are_code_points(
    start_client: StartClient, emulator: Emulator
) -> None:
    # lsp-mode 8.0 agrees to UTF-16 (it names no encoding) and counts code points: the 😀
    # before the cursor is one column to it. Read as UTF-16 the word would start one early.
    emulator.set_oracle(WIDE_ORACLE)
    client = await start_as(start_client, "lsp-mode_v8.0.0")
    assert client.server_capabilities.position_encoding in (None, t.PositionEncodingKind.Utf16)
    prefix = 'banner = "日本語 😀 " + greet("wor'
    uri = open_document(client, WIDE_ORACLE.split("banner")[0] + prefix + "\n")
    [item] = (await complete(client, uri, 4, len(prefix))).items
    assert isinstance(item.text_edit, t.TextEdit)
    start = len(prefix) - len("wor")
    assert item.text_edit.range == t.Range(t.Position(4, start), t.Position(4, len(prefix)))
    assert item.text_edit.new_text == 'world", punctuation="!")'


async def test_lsp_mode_9_negotiates_its_encoding(
    start_client: StartClient, emulator: Emulator
) -> None:
    # From 9.0 it lists "utf-32" first (which it counts): no guessing needed, none made.
    emulator.set_oracle(WIDE_ORACLE)
    capabilities, info = captured_client("lsp-mode_v8.0.0")
    capabilities.general = t.GeneralClientCapabilities(
        position_encodings=[t.PositionEncodingKind.Utf32, t.PositionEncodingKind.Utf16]
    )
    client = await start_client(capabilities=capabilities, client_info=info)
    assert client.server_capabilities.position_encoding == t.PositionEncodingKind.Utf32
    prefix = 'banner = "日本語 😀 " + greet("wor'
    uri = open_document(client, WIDE_ORACLE.split("banner")[0] + prefix + "\n")
    [item] = (await complete(client, uri, 4, len(prefix))).items
    assert isinstance(item.text_edit, t.TextEdit)
    assert item.text_edit.range.start == t.Position(4, len(prefix) - len("wor"))
    assert units(prefix, "utf-16") != len(prefix)  # (the case where the two would differ)


async def test_eglot_without_a_trigger_kind_is_offered_fix_this_line(
    start_client: StartClient, emulator: Emulator
) -> None:
    client = await start_as(start_client, "eglot_v1.9")
    text = "def check(x):\n    if x == None:\n        return 1\n"
    uri = open_document(client, text)
    # `M-x eglot-code-actions` at point: the symbol at point, its own diagnostics (none
    # here), no trigger kind.
    symbol = t.Range(t.Position(1, 7), t.Position(1, 8))
    fix = titled(await actions_at(client, uri, None, symbol), "Grok: fix this line")
    assert fix.command is not None and fix.command.command == "grok.applyAction"
    await client.workspace_execute_command_async(
        t.ExecuteCommandParams(fix.command.command, fix.command.arguments)
    )
    [edit] = await client.edit_applied()
    assert apply(text, edit) == text.replace("x == None", "x is None")


async def test_a_slow_action_is_answered_at_once_and_applied_when_ready(
    start_client: StartClient, emulator: Emulator
) -> None:
    # Eglot waits 10 s for a command's answer; the model may take longer. The answer must
    # come before the model's first token, and the edit after it.
    emulator.configure(ttft_ms=5_000)
    client = await start_as(start_client, "eglot_v1.9")
    uri = open_document(client, SOURCE)
    fix = titled(await actions_at(client, uri, F401), "Grok: fix")
    assert fix.command is not None
    await client.workspace_execute_command_async(
        t.ExecuteCommandParams(fix.command.command, fix.command.arguments)
    )
    assert not client.applied_edits  # answered while the model has not said a word
    # eglot 1.9 shows no progress: a message says the edit is coming.
    assert any("asking Grok for “Grok: fix" in m.message for m in client.messages)
    [edit] = await client.edit_applied(within_s=60)
    assert apply(SOURCE, edit) == SOURCE.replace("import os\n", "")


async def test_a_declined_edit_is_said_so(start_client: StartClient) -> None:
    client = await start_as(start_client, "eglot_v1.9")
    client.declines_edits = "User cancelled server edit"  # what eglot answers on "n"
    uri = open_document(client, SOURCE)
    fix = titled(await actions_at(client, uri, F401), "Grok: fix")
    assert fix.command is not None
    await client.workspace_execute_command_async(
        t.ExecuteCommandParams(fix.command.command, fix.command.arguments)
    )
    await client.edit_applied()
    await client.wait_for_notification(t.WINDOW_SHOW_MESSAGE)
    assert any(
        "did not apply the edit (User cancelled server edit)" in m.message for m in client.messages
    )


async def test_lsp_mode_actions_carry_the_command_too(
    start_client: StartClient, emulator: Emulator
) -> None:
    # lsp-mode resolves with every server that can (ruff server can) and fails on the merged
    # answer; given a command it skips resolve. It shows progress while the model works.
    client = await start_as(start_client, "lsp-mode_v8.0.0")
    uri = open_document(client, SOURCE)
    fix = titled(await actions_at(client, uri, F401), "Grok: fix")
    assert fix.edit is None and fix.data is not None  # still resolvable
    assert fix.command is not None and fix.command.command == "grok.applyAction"
    await client.workspace_execute_command_async(
        t.ExecuteCommandParams(fix.command.command, fix.command.arguments)
    )
    [edit] = await client.edit_applied()
    assert apply(SOURCE, edit) == SOURCE.replace("import os\n", "")
    [reports] = client.progress_reports.values()
    assert isinstance(reports[0], t.WorkDoneProgressBegin)
    assert isinstance(reports[-1], t.WorkDoneProgressEnd)
