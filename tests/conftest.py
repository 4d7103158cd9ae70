"""Shared fixtures: the emulator on loopback, and a real grok-lsp process driven by pytest-lsp."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from cattrs import Converter
from lsprotocol import types as t
from pygls.exceptions import JsonRpcException
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import register_lsp_features

from grok_lsp.emulator.config import EmulatorConfig
from grok_lsp.emulator.responses import chat_request
from grok_lsp.emulator.runner import BackgroundEmulator

SERVER_COMMAND = [sys.executable, "-m", "grok_lsp", "--log-level", "INFO"]
TEST_KEY = "xai-testkey-0123456789abcdef"


class Emulator:
    """The emulator, plus the admin calls tests make on it."""

    def __init__(self, background: BackgroundEmulator) -> None:
        self.base_url = background.base_url
        self.admin = background.base_url.removesuffix("/v1") + "/emulator"

    def stats(self) -> dict[str, Any]:
        return dict(httpx.get(f"{self.admin}/stats").json())

    def fault(self, kind: str, **options: Any) -> None:
        httpx.post(f"{self.admin}/faults", json={"kind": kind, **options}).raise_for_status()

    def configure(self, **options: Any) -> None:
        httpx.post(f"{self.admin}/config", json=options).raise_for_status()

    def reset(self) -> None:
        httpx.post(f"{self.admin}/reset").raise_for_status()

    def last_messages(self) -> list[dict[str, Any]]:
        """The messages of the last request in either API, as the emulator read them (on the
        Responses API, `instructions` is the leading system message and `input` the rest)."""
        last = self.stats()["last_request"]
        if last["api"] == "chat":
            return list(last["body"]["messages"])
        translated = chat_request(last["body"])
        assert isinstance(translated, tuple), "the last request was not a valid response body"
        return list(translated[0]["messages"])

    def leading_layers(self) -> list[str]:
        """The last request's system text, and its one user message up to the end of the
        snapshot: the layers every keystroke's prompt must repeat byte for byte."""
        system, user = self.last_messages()
        snapshot, end, _tail = user["content"].partition("</file_snapshot>\n")
        return [system["content"], snapshot + end]

    def last_cache_key(self) -> str | None:
        """What routed the last request to its cache: `x-grok-conv-id` on chat,
        `prompt_cache_key` on the Responses API."""
        last = self.stats()["last_request"]
        if last["api"] == "chat":
            key = last["headers"].get("x-grok-conv-id")
        else:
            key = last["body"].get("prompt_cache_key")
        return key if isinstance(key, str) else None


OVER_BOTH_APIS = pytest.mark.parametrize("api", ["chat", "responses"])
"""Runs a test once per wire API (`grok.api`); the `api` fixture is what it sets."""


@pytest.fixture
def api() -> str | None:
    """The `grok.api` setting a test's servers start with; None leaves it to `auto` (chat on
    the emulator's loopback URL). `OVER_BOTH_APIS` parametrises it."""
    return None


@pytest.fixture(scope="session")
def emulator_process() -> Iterator[BackgroundEmulator]:
    background = BackgroundEmulator().start()
    yield background
    background.stop()


@pytest.fixture
def emulator(emulator_process: BackgroundEmulator) -> Emulator:
    emulator = Emulator(emulator_process)
    emulator.reset()
    # The whole configuration: a test's `configure` (e.g. overshoot) must not reach the next.
    defaults = EmulatorConfig().model_dump()
    emulator.configure(**{**defaults, "ttft_ms": 0, "tokens_per_second": 0, "reasoning_tokens": 0})
    return emulator


def vscode_capabilities() -> t.ClientCapabilities:
    """VS Code's captured capabilities (v1.65) plus inline completion, as current VS Code has."""
    capabilities = client_capabilities("visual-studio-code")
    assert capabilities.text_document is not None
    capabilities.text_document.inline_completion = t.InlineCompletionClientCapabilities()
    return capabilities


def helix_capabilities(snippets: bool = True) -> t.ClientCapabilities:
    """What Helix sends in `initialize`: no inline completion, utf-8 first, no documentationFormat.

    Transcribed from helix-editor/helix `helix-lsp/src/client.rs`, `Client::initialize` (commit
    0002bec4aaf2), the capabilities a server can act on; `snippets` is the editor's
    `lsp.snippets` setting (default true). Helix has no `completionItem.documentationFormat`,
    so documentation must be plain text; it filters items by fuzzy-matching the word before
    the cursor against `filterText` (`helix-term/src/ui/completion.rs`).
    """
    return t.ClientCapabilities(
        general=t.GeneralClientCapabilities(
            position_encodings=[
                t.PositionEncodingKind.Utf8,
                t.PositionEncodingKind.Utf32,
                t.PositionEncodingKind.Utf16,
            ]
        ),
        window=t.WindowClientCapabilities(work_done_progress=True),
        workspace=t.WorkspaceClientCapabilities(
            configuration=True,
            did_change_configuration=t.DidChangeConfigurationClientCapabilities(
                dynamic_registration=False
            ),
            workspace_folders=True,
            apply_edit=True,
            execute_command=t.ExecuteCommandClientCapabilities(dynamic_registration=False),
            workspace_edit=t.WorkspaceEditClientCapabilities(
                document_changes=True,
                resource_operations=[
                    t.ResourceOperationKind.Create,
                    t.ResourceOperationKind.Rename,
                    t.ResourceOperationKind.Delete,
                ],
                failure_handling=t.FailureHandlingKind.Abort,
                normalizes_line_endings=False,
            ),
        ),
        text_document=t.TextDocumentClientCapabilities(
            completion=t.CompletionClientCapabilities(
                completion_item=t.ClientCompletionItemOptions(
                    snippet_support=snippets,
                    resolve_support=t.ClientCompletionItemResolveOptions(
                        properties=["documentation", "detail", "additionalTextEdits"]
                    ),
                    insert_replace_support=True,
                    deprecated_support=True,
                    tag_support=t.CompletionItemTagOptions(
                        value_set=[t.CompletionItemTag.Deprecated]
                    ),
                ),
                completion_item_kind=t.ClientCompletionItemOptionsKind(),
            ),
            hover=t.HoverClientCapabilities(content_format=[t.MarkupKind.Markdown]),
            code_action=t.CodeActionClientCapabilities(
                code_action_literal_support=t.ClientCodeActionLiteralOptions(
                    code_action_kind=t.ClientCodeActionKindOptions(
                        value_set=[
                            "",
                            "quickfix",
                            "refactor",
                            "refactor.extract",
                            "refactor.inline",
                            "refactor.rewrite",
                            "source",
                            "source.organizeImports",
                        ]
                    )
                ),
                is_preferred_support=True,
                disabled_support=True,
                data_support=True,
                resolve_support=t.ClientCodeActionResolveOptions(properties=["edit", "command"]),
            ),
            publish_diagnostics=t.PublishDiagnosticsClientCapabilities(
                version_support=True,
                tag_support=t.ClientDiagnosticsTagOptions(
                    value_set=[t.DiagnosticTag.Unnecessary, t.DiagnosticTag.Deprecated]
                ),
            ),
        ),
    )


def captured_client(name: str) -> tuple[t.ClientCapabilities, t.ClientInfo | None]:
    """An editor's own `initialize` capabilities and `clientInfo`, as captured from it into
    `tests/e2e/clients/` (pytest-lsp's format): `eglot_v1.9`, `lsp-mode_v8.0.0` (Debian 12)."""
    path = Path(__file__).parent / "e2e" / "clients" / f"{name}.json"
    captured = json.loads(path.read_text(encoding="utf-8"))
    structuring = converter()
    info = captured.get("clientInfo")
    return (
        structuring.structure(captured["capabilities"], t.ClientCapabilities),
        structuring.structure(info, t.ClientInfo) if info else None,
    )


def converter() -> Converter:
    """pygls's converter, with lsprotocol 2025.0.0's CodeAction-or-Command hook corrected.

    lsprotocol structures any code action that carries a `command` as a bare `Command` (it
    checks for the key, not for its type), losing title, kind, diagnostics and data. Editors
    tell the two apart by whether `command` is a string; so does this hook.
    """
    structuring: Converter = default_converter()  # type: ignore[no-untyped-call]  # pygls: unannotated

    def code_action_or_command(value: Any, _: type) -> t.Command | t.CodeAction:
        if isinstance(value.get("command"), str):
            return structuring.structure(value, t.Command)
        return structuring.structure(value, t.CodeAction)

    structuring.register_structure_hook(t.Command | t.CodeAction, code_action_or_command)
    return structuring


_VERDICT = re.compile(r" — (verified by |not verified: ).* \(\d+ attempts?\)\.$")


class GrokClient(LanguageClient):
    """pytest-lsp's client, also keeping the `initialize` answer and the `grok/status` feed."""

    def __init__(self) -> None:
        super().__init__(converter_factory=converter)
        self.initialize_result: t.InitializeResult | None = None
        self.statuses: list[Any] = []
        self.applied_edits: list[t.WorkspaceEdit] = []
        self.declines_edits: str | None = None  # answer `workspace/applyEdit` with this error
        self.edit_arrived = asyncio.Event()

    @property
    def server_capabilities(self) -> t.ServerCapabilities:
        assert self.initialize_result is not None
        return self.initialize_result.capabilities

    def shown(self, verdicts: bool = True) -> list[str]:
        """The messages shown, less the one notice that the emulator's model has no price (a
        cut stream's usage is estimated, and its cost cannot be); `verdicts=False`: less each
        fix's verdict too ("… — verified by ruff (1 attempt)." or "… — not verified: …")."""
        return [
            m.message
            for m in self.messages
            if "no price is known" not in m.message and (verdicts or not _VERDICT.search(m.message))
        ]

    async def edit_applied(self, count: int = 1, within_s: float = 20) -> list[t.WorkspaceEdit]:
        """The `workspace/applyEdit` requests received, once there are `count` of them."""
        async with asyncio.timeout(within_s):
            while len(self.applied_edits) < count:
                self.edit_arrived.clear()
                await self.edit_arrived.wait()
        return self.applied_edits


def make_client() -> GrokClient:
    client = GrokClient()
    register_lsp_features(client)

    # pygls's `feature` decorator is unannotated.
    @client.feature("grok/status")  # type: ignore[untyped-decorator]
    def status(params: Any) -> None:
        client.statuses.append(params)

    @client.feature(t.WORKSPACE_APPLY_EDIT)  # type: ignore[untyped-decorator]
    def apply_edit(params: t.ApplyWorkspaceEditParams) -> t.ApplyWorkspaceEditResult:
        client.applied_edits.append(params.edit)
        client.edit_arrived.set()
        if client.declines_edits is not None:  # as eglot does when the user answers "n"
            raise JsonRpcException(client.declines_edits)
        return t.ApplyWorkspaceEditResult(applied=True)

    return client


StartClient = Callable[..., Awaitable[GrokClient]]


@pytest_asyncio.fixture
async def start_client(
    emulator: Emulator, tmp_path: Path, api: str | None
) -> AsyncIterator[StartClient]:
    """Start a grok-lsp process pointed at the emulator, speaking `api` when a test sets it;
    shut every one down afterwards.

    Its state (today's spend) is kept in the test's own `tmp_path / "state"`, never in the
    user's cache. `args` go after the server's command line (e.g. `["--log-file", path]`);
    `root_uri` is the workspace's (a directory that need not exist, unless a test reads it).
    """
    started: list[GrokClient] = []

    async def start(
        capabilities: t.ClientCapabilities | None = None,
        settings: dict[str, Any] | None = None,
        env: dict[str, str] | None = None,
        args: list[str] | None = None,
        root_uri: str = "file:///work",
        client_info: t.ClientInfo | None = None,
    ) -> GrokClient:
        server_env = {
            **os.environ,
            "XAI_API_KEY": TEST_KEY,
            "GROK_LSP_BASE_URL": emulator.base_url,
            "GROK_LSP_STATE_DIR": str(tmp_path / "state"),
            **(env or {}),
        }
        config = ClientServerConfig([*SERVER_COMMAND, *(args or [])], make_client, server_env)
        client = await config.start()
        assert isinstance(client, GrokClient)
        grok = {
            "completion": {"debounceMs": 0},
            **({"api": api} if api else {}),
            **(settings or {}),
        }
        client.set_configuration(grok, section="grok")
        client.initialize_result = await client.initialize_session(
            t.InitializeParams(
                capabilities=capabilities or vscode_capabilities(),
                client_info=client_info,
                root_uri=root_uri,
                initialization_options=grok,  # the same, so no request races the pull
            )
        )
        started.append(client)
        return client

    yield start
    for client in started:
        await client.shutdown_session()


def open_document(
    client: LanguageClient, text: str, uri: str = "file:///work/demo.py", language: str = "python"
) -> str:
    client.text_document_did_open(
        t.DidOpenTextDocumentParams(t.TextDocumentItem(uri, language, 1, text))
    )
    return uri


async def send_request(
    client: LanguageClient, method: str, params: Any, msg_id: int | None = None
) -> Any:
    """A request by method name (`grok/stats`, `grok/document`, ...); pygls parses the answer."""
    # pytest-lsp's `send_request_async` is unannotated.
    return await client.protocol.send_request_async(  # type: ignore[no-untyped-call]
        method, params, msg_id=msg_id
    )


async def plain_request(
    client: LanguageClient, method: str, params: Any, msg_id: int | None = None
) -> Any:
    """`send_request`, its answer as plain dicts and lists."""
    return _plain(await send_request(client, method, params, msg_id))


async def everything_said(client: GrokClient, log_file: Path) -> dict[str, str]:
    """All the server has written where a user or a log reader could see it, by where:
    its log file, its messages and log messages to the editor, and `grok/stats`."""
    served = await server_stats(client)
    await asyncio.sleep(0.2)  # the last notifications and log lines
    return {
        "log file": await asyncio.to_thread(log_file.read_text),
        "messages": json.dumps([m.message for m in client.messages]),
        "log messages": json.dumps([m.message for m in client.log_messages]),
        "stats": json.dumps(served),
    }


async def server_stats(client: LanguageClient) -> dict[str, Any]:
    """The server's `grok/stats`, as plain dicts."""
    served = await plain_request(client, "grok/stats", {})
    assert isinstance(served, dict)
    return served


def _plain(value: Any) -> Any:
    """pygls parses a custom request's answer into namedtuples: plain dicts and lists instead
    (leaves as they are)."""
    if hasattr(value, "_asdict"):
        return {key: _plain(item) for key, item in value._asdict().items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
