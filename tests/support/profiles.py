"""The editors' client capabilities, one set for the tests and the benchmarks: VS Code's,
Helix's, and the captures of Eglot and lsp-mode; `on_the_wire` gives any of them as the JSON an
editor sends (for the benchmarks' raw JSON-RPC client)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lsprotocol import types as t
from pygls.protocol import default_converter
from pytest_lsp import client_capabilities

CAPTURED = Path(__file__).resolve().parent.parent / "e2e" / "clients"


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
    path = CAPTURED / f"{name}.json"
    captured = json.loads(path.read_text(encoding="utf-8"))
    structuring = default_converter()  # type: ignore[no-untyped-call]  # pygls: unannotated
    info = captured.get("clientInfo")
    return (
        structuring.structure(captured["capabilities"], t.ClientCapabilities),
        structuring.structure(info, t.ClientInfo) if info else None,
    )


def on_the_wire(capabilities: t.ClientCapabilities) -> dict[str, Any]:
    """The capabilities as the JSON object an editor puts in `initialize`."""
    unstructuring = default_converter()  # type: ignore[no-untyped-call]  # pygls: unannotated
    wire: dict[str, Any] = unstructuring.unstructure(capabilities)
    return wire
