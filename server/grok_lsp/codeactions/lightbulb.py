"""Lightbulb actions: "Grok: fix", "Grok: explain" on diagnostics, "Grok: refactor" on selections.

Listing is instant and never touches the network; the model is asked only for the action the
user picks: in `codeAction/resolve` where the client resolves edits lazily, else through the
`grok.applyAction` command, which applies the edit with `workspace/applyEdit`. Before it is
offered, the edit is checked by the tool behind the diagnostic and retried with its report
(`edit.py`, `fixloop.py`); the verdict comes with it. Edits are versioned and minimal; a
document that changed meanwhile, or an answer that is not a usable edit, yields no edit and one
clear message.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from lsprotocol import types as t
from pygls.exceptions import JsonRpcException

from grok_lsp.codeactions.data import EXPLAIN_COMMAND, SOURCE, action_data
from grok_lsp.codeactions.edit import compute_edit
from grok_lsp.host import Host

log = logging.getLogger(__name__)

APPLY_COMMAND = "grok.applyAction"
EXPLAIN_KIND = "quickfix.explain"
_TITLE_CHARS = 60


def register(server: Host) -> None:
    options = t.CodeActionOptions(
        code_action_kinds=[
            t.CodeActionKind.QuickFix,
            EXPLAIN_KIND,
            t.CodeActionKind.RefactorRewrite,
        ],
        resolve_provider=True,
    )

    @server.feature(t.TEXT_DOCUMENT_CODE_ACTION, options)
    def code_actions(ls: Host, params: t.CodeActionParams) -> list[t.CodeAction]:
        settings = ls.settings.actions
        uri = params.text_document.uri
        if not settings.enabled or uri not in ls.workspace.text_documents:
            return []
        document = ls.workspace.get_text_document(uri)
        if ls.send_policy.unsendable(document) is not None:
            return []
        version = document.version
        actions: list[t.CodeAction] = []
        for diagnostic in params.context.diagnostics:
            if diagnostic.source == SOURCE:
                continue
            data = action_data(uri, version, diagnostic.range, diagnostic=diagnostic)
            short = diagnostic.message.split("\n", 1)[0][:_TITLE_CHARS]
            if "fix" in settings.offered:
                actions.append(
                    _action(
                        ls,
                        f"Grok: fix — {short}",
                        t.CodeActionKind.QuickFix,
                        {**data, "task": "fix"},
                        diagnostic,
                    )
                )
            if "explain" in settings.offered:
                explain = {**data, "task": "explain"}
                command = t.Command("Grok: explain", EXPLAIN_COMMAND, arguments=[explain])
                actions.append(
                    t.CodeAction(
                        f"Grok: explain — {short}",
                        kind=EXPLAIN_KIND,
                        diagnostics=[diagnostic],
                        command=command,
                    )
                )
        selection = params.range
        # Eglot 1.9 and lsp-mode 8.0 leave the trigger kind out (it is optional), and ask only
        # when the user does; a client that says "automatic" asks on every cursor move.
        invoked = params.context.trigger_kind in (t.CodeActionTriggerKind.Invoked, None)
        if (
            "fix" in settings.offered
            and invoked
            and not actions
            and selection.start.line == selection.end.line
        ):
            # Helix, Neovim 0.10+ and Eglot send a server only its own diagnostics, so "Grok:
            # fix — …" never shows there; asked for explicitly, offer to fix the line as it
            # stands. Eglot asks for the symbol at point, hence a range within the line.
            data = action_data(uri, version, selection, task="fix-line")
            title = "Grok: fix this line"
            actions.append(_action(ls, title, t.CodeActionKind.QuickFix, data, None))
        if "refactor" in settings.offered and selection.start != selection.end:
            for task, title in (
                ("refactor", "Grok: refactor selection"),
                ("simplify", "Grok: simplify"),
                ("types", "Grok: add type hints"),
                ("docstring", "Grok: add a docstring"),
            ):
                actions.append(
                    _action(
                        ls,
                        title,
                        t.CodeActionKind.RefactorRewrite,
                        action_data(uri, version, selection, task=task),
                        None,
                    )
                )
        return [action for action in actions if _wanted(action, params.context.only)]

    @server.feature(t.CODE_ACTION_RESOLVE)
    async def resolve(ls: Host, action: t.CodeAction) -> t.CodeAction:
        if isinstance(action.data, dict) and action.data.get("task") not in (None, "explain"):
            action.edit = await compute_edit(ls, action.data)
        return action

    @server.command(APPLY_COMMAND)
    def apply_action(ls: Host, data: dict[str, Any]) -> None:
        # Answered at once: Eglot gives a command 10 s, a model may take longer. The edit
        # follows as `workspace/applyEdit`, with progress meanwhile where the client shows it.
        window = ls.client_capabilities.window
        if not (window and window.work_done_progress):  # e.g. Eglot 1.9: say it has started
            title = data.get("title") or "the action"
            ls.window_show_message(
                t.ShowMessageParams(
                    type=t.MessageType.Info,
                    message=f"grok-lsp: asking Grok for “{title}”; the edit follows.",
                )
            )
        ls.spawn(_compute_and_apply(ls, data))


async def _compute_and_apply(ls: Host, data: dict[str, Any]) -> None:
    edit = await compute_edit(ls, data)
    if edit is None:
        return
    try:
        result = await ls.workspace_apply_edit_async(
            t.ApplyWorkspaceEditParams(edit=edit, label="Grok")
        )
    except JsonRpcException as error:  # Eglot answers a declined edit with an error
        reason: str | None = error.message
    else:
        reason = None if result.applied else result.failure_reason or "declined"
    if reason is not None:
        ls.notify_user(f"grok-lsp: the editor did not apply the edit ({reason}).")


def _action(
    ls: Host, title: str, kind: str, data: dict[str, Any], diagnostic: t.Diagnostic | None
) -> t.CodeAction:
    action = t.CodeAction(
        title,
        kind=kind,
        data=data,
        diagnostics=[diagnostic] if diagnostic else None,
        is_preferred=False,
    )
    # Computed when chosen where the client cannot resolve (Eglot), and for lsp-mode, which
    # resolves with every server at once and fails when another one answers too.
    if not _resolves_edits(ls) or ls.quirks.actions_need_command:
        action.command = t.Command(title, APPLY_COMMAND, arguments=[{**data, "title": title}])
    return action


def _resolves_edits(ls: Host) -> bool:
    document = ls.client_capabilities.text_document
    code_action = document.code_action if document else None
    support = code_action.resolve_support if code_action else None
    return bool(support and "edit" in support.properties)


def _wanted(action: t.CodeAction, only: Sequence[str] | None) -> bool:
    kind = str(action.kind or "")
    return not only or any(kind == wanted or kind.startswith(wanted + ".") for wanted in only)
