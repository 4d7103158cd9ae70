"""Fixes checked before they are offered: the real ruff and mypy on a copy, the model told why.

Each test keeps its files in its own `tmp_path`, so the tools' configuration there applies.
The emulator's `wrongFixes` makes its first answers wrong on purpose (a note line above the
code, which fixes nothing) until it has seen that many check reports.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types as t
from tests.conftest import (
    Emulator,
    GrokClient,
    StartClient,
    open_document,
    send_request,
    server_stats,
)
from tests.e2e.test_actions import F401, SOURCE, actions_at, apply, titled

TOOLS = str(Path(sys.executable).parent)  # this checkout's ruff and mypy
# Generous: the tools start cold on a loaded machine; the tests assert order, not time.
SLOW_TOOLS = {"actions": {"verifyTimeoutMs": 60000, "timeoutMs": 120000}}


async def start(start_client: StartClient, settings: dict[str, Any] | None = None) -> GrokClient:
    return await start_client(
        settings={**SLOW_TOOLS, **(settings or {})},
        env={"PATH": f"{TOOLS}{os.pathsep}{os.environ.get('PATH', '')}"},
    )


def project_file(tmp_path: Path, text: str, name: str = "demo.py") -> tuple[Path, str]:
    path = tmp_path / "project" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path, path.as_uri()


async def fix_in_project(
    client: GrokClient, emulator: Emulator, tmp_path: Path
) -> tuple[t.CodeAction, int]:
    """The resolved "Grok: fix" on the F401 of `SOURCE`, open from a file on disk, and how many
    requests reached the model for it."""
    _, uri = project_file(tmp_path, SOURCE)
    open_document(client, SOURCE, uri=uri)
    before = emulator.stats()["requests"]
    resolved = await resolve_fix(client, uri, F401)
    return resolved, emulator.stats()["requests"] - before


async def resolve_fix(client: GrokClient, uri: str, diagnostic: t.Diagnostic) -> t.CodeAction:
    fix = titled(await actions_at(client, uri, diagnostic), "Grok: fix")
    return await client.code_action_resolve_async(fix)


async def said(client: GrokClient, text: str) -> str:
    await asyncio.sleep(0.1)  # the message follows the answer
    return next(m.message for m in client.messages if text in m.message)


def progress_messages(client: GrokClient) -> list[str]:
    messages: list[str] = []
    for reports in client.progress_reports.values():
        for report in reports:
            if isinstance(report, t.WorkDoneProgressReport) and report.message:
                messages.append(report.message)
    return messages


async def test_a_wrong_first_answer_is_corrected_on_the_second_attempt(
    start_client: StartClient, emulator: Emulator, tmp_path: Path
) -> None:
    emulator.configure(wrong_fixes=1)
    client = await start(start_client)
    resolved, asked = await fix_in_project(client, emulator, tmp_path)
    assert apply(SOURCE, resolved.edit) == SOURCE.replace("import os\n", "")
    assert asked == 2
    message = await said(client, "verified by ruff")
    assert "2 attempts" in message and "not verified" not in message
    steps = progress_messages(client)
    assert "checking with ruff…" in steps and "attempt 2 of 3: asking grok-code-fast-1…" in steps
    # The second request is the first one with two turns appended: the cached prefix stays.
    retry = emulator.stats()["last_request"]["body"]["messages"]
    assert [m["role"] for m in retry[-2:]] == ["assistant", "user"]
    assert "<check_report" in retry[-1]["content"] and "F401" in retry[-1]["content"]
    assert "<check_report" not in "".join(m["content"] for m in retry[:-1])
    [action] = (await server_stats(client))["actions"]["recent"]
    assert action["attempts"] == 2 and action["verified"] is True
    assert action["promptTokens"] > 0 and action["outputTokens"] > 0
    assert "verified by ruff" in action["verdict"]


async def test_a_fix_that_never_verifies_is_offered_as_not_verified_with_the_tools_message(
    start_client: StartClient, emulator: Emulator, tmp_path: Path
) -> None:
    emulator.configure(wrong_fixes=99)
    client = await start(start_client, {"actions": {**SLOW_TOOLS["actions"], "maxAttempts": 2}})
    resolved, asked = await fix_in_project(client, emulator, tmp_path)
    assert resolved.edit is not None  # offered: the user decides
    assert asked == 2
    message = await said(client, "not verified")
    assert "ruff still reports line 2: F401" in message and "`os` imported but unused" in message
    assert "verified by" not in message
    stats = (await server_stats(client))["actions"]
    assert stats["verified"] == 0 and stats["attempts"] == 2


async def test_a_missing_tool_leaves_the_fix_unverified_after_one_answer(
    start_client: StartClient, emulator: Emulator, tmp_path: Path
) -> None:
    missing = str(tmp_path / "no-such-ruff")
    client = await start(start_client, {"actions": {"verify": {"ruff": [missing, "{stdinFile}"]}}})
    resolved, asked = await fix_in_project(client, emulator, tmp_path)
    assert apply(SOURCE, resolved.edit) == SOURCE.replace("import os\n", "")
    assert asked == 1
    message = await said(client, "not verified")
    assert f"{missing} was not found" in message


async def test_a_hanging_tool_is_killed_with_its_children_and_the_fix_unverified(
    start_client: StartClient, emulator: Emulator, tmp_path: Path
) -> None:
    pids = tmp_path / "pids"
    hang = tmp_path / "hang.py"
    hang.write_text(
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pids)!r}, 'a').write(f'{{child.pid}}\\n')\n"
        "time.sleep(60)\n"
    )
    checker = [sys.executable, str(hang), "{stdinFile}"]
    settings = {"actions": {"verify": {"ruff": checker}, "verifyTimeoutMs": 1500}}
    client = await start(start_client, settings)
    resolved, _ = await fix_in_project(client, emulator, tmp_path)
    assert resolved.edit is not None
    message = await said(client, "not verified")
    assert "did not finish within 1.5 s" in message
    children = [int(pid) for pid in pids.read_text().split()]
    assert children
    for pid in children:  # the whole process group went, not only the tool
        for _ in range(50):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError(f"the checker's child {pid} is still running")


async def test_mypy_checks_a_copy_beside_the_file_under_its_config_and_leaves_nothing_behind(
    start_client: StartClient, emulator: Emulator, tmp_path: Path
) -> None:
    text = "def double(x: int) -> int:\n    return x * 2  # type: ignore\n"
    path, uri = project_file(tmp_path, "# the saved file differs from the buffer\n")
    # Only this directory's configuration makes mypy report the comparison.
    (path.parent / "mypy.ini").write_text("[mypy]\nwarn_unused_ignores = True\n")
    client = await start(start_client)
    open_document(client, text, uri=uri)
    diagnostic = t.Diagnostic(
        range=t.Range(t.Position(1, 4), t.Position(1, 16)),
        message='Unused "type: ignore" comment',
        code="unused-ignore",
        source="mypy",
    )
    resolved = await resolve_fix(client, uri, diagnostic)
    assert apply(text, resolved.edit) == text.replace("  # type: ignore", "")
    assert "verified by mypy" in await said(client, "verified by mypy")
    assert not await asyncio.to_thread(lambda: list(tmp_path.rglob("*grok-check*")))
    # The user's buffer and file are untouched until the editor applies the edit.
    saved = await asyncio.to_thread(path.read_text)
    assert saved == "# the saved file differs from the buffer\n"
    served = await send_request(client, "grok/document", {"uri": uri})
    assert served.text == text and served.version == 1


async def test_the_version_check_holds_when_the_user_types_during_the_attempts(
    start_client: StartClient, emulator: Emulator, tmp_path: Path
) -> None:
    emulator.configure(wrong_fixes=1, ttft_ms=400)
    client = await start(start_client)
    _, uri = project_file(tmp_path, SOURCE)
    open_document(client, SOURCE, uri=uri)
    fix = titled(await actions_at(client, uri, F401), "Grok: fix")
    resolving = asyncio.ensure_future(client.code_action_resolve_async(fix))
    async with asyncio.timeout(30):
        while "checking with ruff…" not in progress_messages(client):
            await client.wait_for_notification(t.PROGRESS)
    # The first check is under way: the user types now.
    client.text_document_did_change(
        t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[t.TextDocumentContentChangeWholeDocument(text="# typed\n" + SOURCE)],
        )
    )
    resolved = await resolving
    assert resolved.edit is None
    assert await said(client, "the document changed while")


async def refactor(
    client: GrokClient,
    tmp_path: Path,
    text: str = "def area(w, h):\n    return w * h\n",
    lines: tuple[int, int] = (0, 1),
) -> tuple[str, t.CodeAction]:
    _, uri = project_file(tmp_path, text)
    open_document(client, text, uri=uri)
    span = t.Range(t.Position(lines[0], 0), t.Position(lines[1], len(text.split("\n")[lines[1]])))
    actions = await actions_at(client, uri, None, span)
    return text, await client.code_action_resolve_async(titled(actions, "Grok: add a docstring"))


async def test_a_refactor_answer_that_breaks_the_lines_is_retried_with_the_reason(
    start_client: StartClient, emulator: Emulator, tmp_path: Path
) -> None:
    emulator.configure(wrong_fixes=1)  # the first answer loses the indentation
    client = await start(start_client)
    text, resolved = await refactor(client, tmp_path)
    assert '    """Area."""' in apply(text, resolved.edit)
    assert "verified by ruff (2 attempts)" in await said(client, "verified by ruff")
    report = emulator.stats()["last_request"]["body"]["messages"][-1]["content"]
    assert '<check_report tool="grok-lsp" attempt="1">' in report
    assert "not valid Python where the lines were" in report


async def test_a_refactor_never_valid_is_not_offered_and_says_why(
    start_client: StartClient, emulator: Emulator, tmp_path: Path
) -> None:
    emulator.configure(wrong_fixes=99)
    client = await start(start_client, {"actions": {"maxAttempts": 2}})
    _, resolved = await refactor(client, tmp_path)
    assert resolved.edit is None
    assert emulator.stats()["requests"] == 2
    message = await said(client, "not a usable edit")
    assert "not valid Python where the lines were" in message


async def test_without_a_linter_a_refactor_still_gets_pythons_syntax_check(
    start_client: StartClient, emulator: Emulator, tmp_path: Path
) -> None:
    emulator.configure(wrong_fixes=99)
    missing = str(tmp_path / "no-such-ruff")
    settings = {"actions": {"verify": {"ruff": [missing]}, "maxAttempts": 2}}
    client = await start(start_client, settings)
    # `    if w:` alone is no Python, so only the whole file's parse can judge the answer.
    text = "def area(w, h):\n    if w:\n        return w * h\n    return 0\n"
    _, resolved = await refactor(client, tmp_path, text, (1, 1))
    assert resolved.edit is not None  # offered, and said to be broken
    message = await said(client, "not verified")
    assert "Python's parser still reports line 2: SyntaxError" in message
