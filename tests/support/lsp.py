"""The LSP client that drives a real grok-lsp process (pytest-lsp's, which is pygls's), and the
requests the tests and the benchmarks send through it."""

from __future__ import annotations

import asyncio
import functools
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cattrs import Converter
from lsprotocol import types as t
from pygls.exceptions import JsonRpcException
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import register_lsp_features

from tests.support.profiles import vscode_capabilities

SERVER_COMMAND = [sys.executable, "-m", "grok_lsp", "--log-level", "INFO"]
TEST_KEY = "xai-testkey-0123456789abcdef"


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

    @property
    def server_process(self) -> asyncio.subprocess.Process:
        assert self._server is not None
        return self._server

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


def make_client(accepts_registrations: bool = False) -> GrokClient:
    """A client that records `grok/status` and `workspace/applyEdit`. It refuses
    `client/registerCapability` (pytest-lsp has no handler), unless `accepts_registrations`,
    as VS Code does."""
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

    if accepts_registrations:

        @client.feature(t.CLIENT_REGISTER_CAPABILITY)  # type: ignore[untyped-decorator]
        def register_capability(params: t.RegistrationParams) -> None:
            """Accepted, and nothing more: the client pushes no configuration changes."""

    return client


async def launch(
    command: Sequence[str],
    env: dict[str, str],
    settings: dict[str, Any],
    *,
    capabilities: t.ClientCapabilities | None = None,
    root_uri: str = "file:///work",
    client_info: t.ClientInfo | None = None,
    accepts_registrations: bool = False,
) -> GrokClient:
    """Start the server `command` with `env` and initialize it as an editor with `capabilities`
    (VS Code's by default) would: `settings` are the `grok` section, both answered to
    `workspace/configuration` and sent as `initializationOptions` (so no request races the
    pull). Stop it with `shutdown_session`."""
    factory = functools.partial(make_client, accepts_registrations)
    client = await ClientServerConfig(list(command), factory, env).start()
    assert isinstance(client, GrokClient)
    client.set_configuration(settings, section="grok")
    client.initialize_result = await client.initialize_session(
        t.InitializeParams(
            capabilities=capabilities or vscode_capabilities(),
            client_info=client_info,
            root_uri=root_uri,
            initialization_options=settings,
        )
    )
    return client


def open_document(
    client: LanguageClient, text: str, uri: str = "file:///work/demo.py", language: str = "python"
) -> str:
    client.text_document_did_open(
        t.DidOpenTextDocumentParams(t.TextDocumentItem(uri, language, 1, text))
    )
    return uri


def change(
    client: LanguageClient, uri: str, version: int, start: t.Position, end: t.Position, text: str
) -> None:
    """`didChange`: `text` in place of the range from `start` to `end`."""
    client.text_document_did_change(
        t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                t.TextDocumentContentChangePartial(range=t.Range(start, end), text=text)
            ],
        )
    )


def insert(client: LanguageClient, uri: str, version: int, at: t.Position, text: str) -> None:
    """`didChange`: `text` typed at `at`."""
    change(client, uri, version, at, at, text)


async def send_request(
    client: LanguageClient, method: str, params: Any, msg_id: int | str | None = None
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
    return plain(await send_request(client, method, params, msg_id))


async def server_stats(client: LanguageClient) -> dict[str, Any]:
    """The server's `grok/stats`, as plain dicts."""
    served = await plain_request(client, "grok/stats", {})
    assert isinstance(served, dict)
    return served


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


def plain(value: Any) -> Any:
    """pygls parses a custom request's answer into namedtuples: plain dicts and lists instead
    (leaves as they are)."""
    if hasattr(value, "_asdict"):
        return {key: plain(item) for key, item in value._asdict().items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value
