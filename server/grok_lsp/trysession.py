"""`grok-lsp try FILE`: one real session, as an editor runs it, printed for a person.

It starts `grok-lsp` as a child process over stdio, initializes it like VS Code (with inline
completion), opens the file, asks for ghost text at the position, and prints the suggestion, the
latency and the tokens. Without `XAI_API_KEY` it starts the bundled emulator on loopback and says
so: the suggestion is then the emulator's, not Grok's.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsprotocol import types as t
from pygls.lsp.client import LanguageClient
from rich.console import Console
from rich.table import Table

from grok_lsp.emulator.runner import BackgroundEmulator

LANGUAGES = {
    ".py": "python",
    ".ts": "typescript",
    ".js": "javascript",
    ".rs": "rust",
    ".go": "go",
    ".java": "java",
    ".c": "c",
    ".cpp": "cpp",
    ".rb": "ruby",
}


def run_try(file: str, line: int | None, col: int | None, repeat: int) -> int:
    console = Console()
    path = Path(file).resolve()
    if not path.is_file():
        console.print(f"[red]No such file:[/] {file}")
        return 2
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = text.split("\n")
    last_written = max(len(text.rstrip("\n").split("\n")), 1)
    line_index = min(max((line or last_written) - 1, 0), len(lines) - 1)
    column = len(lines[line_index]) if col is None else min(max(col - 1, 0), len(lines[line_index]))
    env = dict(os.environ)
    emulator: BackgroundEmulator | None = None
    if not env.get("XAI_API_KEY"):
        emulator = BackgroundEmulator().start()
        env["GROK_LSP_BASE_URL"] = emulator.base_url
        console.print(
            f"[bold yellow]No XAI_API_KEY set: using the bundled local emulator at "
            f"{emulator.base_url}.[/] The suggestion below is the emulator's, not Grok's. "
            "Set XAI_API_KEY to ask grok-code-fast-1."
        )
    try:
        position = t.Position(line=line_index, character=column)
        return asyncio.run(_session(console, path, text, position, max(repeat, 1), env))
    finally:
        if emulator is not None:
            emulator.stop()


async def _session(
    console: Console, path: Path, text: str, position: t.Position, repeat: int, env: dict[str, str]
) -> int:
    log_file = Path(tempfile.gettempdir()) / "grok-lsp-try.log"
    client = LanguageClient("grok-lsp-try", "1")
    messages: list[str] = []

    @client.feature(t.WINDOW_SHOW_MESSAGE)  # type: ignore[untyped-decorator]
    def show(params: t.ShowMessageParams) -> None:
        messages.append(params.message)

    # Handled, so pygls does not warn about a method it does not know above the result: what the
    # server logs is in `log_file`, and what it wants a person to read comes as a message too.
    @client.feature(t.WINDOW_LOG_MESSAGE)  # type: ignore[untyped-decorator]
    def logged(params: t.LogMessageParams) -> None:
        """Already in the server's log file."""

    @client.feature("grok/status")  # type: ignore[untyped-decorator]
    def status(params: object) -> None:
        """The status bar's feed; nothing to show here."""

    command = [sys.executable, "-m", "grok_lsp", "--log-level", "INFO", "--log-file", str(log_file)]
    await client.start_io(*command, env=env)
    capabilities = t.ClientCapabilities(
        text_document=t.TextDocumentClientCapabilities(
            inline_completion=t.InlineCompletionClientCapabilities()
        ),
        general=t.GeneralClientCapabilities(position_encodings=[t.PositionEncodingKind.Utf16]),
    )
    started = time.perf_counter()
    await client.initialize_async(
        t.InitializeParams(capabilities=capabilities, root_uri=path.parent.as_uri())
    )
    client.initialized(t.InitializedParams())
    console.print(f"initialize: {(time.perf_counter() - started) * 1000:.0f} ms")
    uri = path.as_uri()
    language = LANGUAGES.get(path.suffix, "plaintext")
    client.text_document_did_open(
        t.DidOpenTextDocumentParams(t.TextDocumentItem(uri, language, 1, text))
    )
    table = Table("ask", "latency", "prompt tok", "cached tok", "completion tok", "reasoning tok")
    before: dict[str, Any] = {}
    suggestion = ""
    for attempt in range(1, repeat + 1):
        started = time.perf_counter()
        result = await client.text_document_inline_completion_async(
            t.InlineCompletionParams(
                context=t.InlineCompletionContext(t.InlineCompletionTriggerKind.Invoked),
                text_document=t.TextDocumentIdentifier(uri),
                position=position,
            )
        )
        latency = (time.perf_counter() - started) * 1000
        items = result.items if isinstance(result, t.InlineCompletionList) else result or []
        first = items[0].insert_text if items else ""
        suggestion = first if isinstance(first, str) else first.value
        stats = _as_dict(await client.protocol.send_request_async("grok/stats", {}))
        row = [_tokens(stats, before, key, estimate) for key, estimate in _TOKEN_COLUMNS]
        table.add_row(str(attempt), f"{latency:.0f} ms", *row)
        before = stats
    console.print(f"[bold]{path.name}:{position.line + 1}:{position.character + 1}[/]")
    if suggestion:
        console.print("suggestion:", style="bold green")
        console.print(suggestion, markup=False, highlight=False)
    else:
        console.print("[red]no suggestion[/]")
    for message in messages:
        console.print(f"[yellow]server said:[/] {message}")
    console.print(table)
    console.print(
        f"model served: {before['model']['served']}; cached share of prompt tokens "
        f"{before['cachedShare']:.0%}; cost ${before['costUsd']:.6f}; "
        f"first content token p50 {(before['firstContentMs'] or {}).get('p50', '-')} ms"
    )
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()  # type: ignore[no-untyped-call]
    return 0 if suggestion else 1


# Each column, and where its estimate is counted when the API sent no usage.
_TOKEN_COLUMNS = (
    ("promptTokens", "estimatedPromptTokens"),
    ("cachedTokens", "estimatedCachedTokens"),
    ("completionTokens", "estimatedOutputTokens"),
    ("reasoningTokens", None),
)


def _tokens(stats: dict[str, Any], before: dict[str, Any], key: str, estimate: str | None) -> str:
    """This ask's count as reported, or `~N` where only an estimate exists."""
    reported = stats[key] - before.get(key, 0)
    estimated = stats[estimate] - before.get(estimate, 0) if estimate else 0
    return f"~{estimated}" if not reported and estimated else str(reported)


def _as_dict(value: Any) -> dict[str, Any]:
    """pygls returns custom results as namedtuples; turn them back into plain dicts."""
    if hasattr(value, "_asdict"):
        return {key: _as_dict(item) for key, item in value._asdict().items()}
    return value if not isinstance(value, dict) else {k: _as_dict(v) for k, v in value.items()}
