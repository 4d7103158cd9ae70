"""Lightbulb actions: "Grok: fix", "Grok: explain" on diagnostics, "Grok: refactor" on selections.

Listing is instant and never touches the network; the model is asked only for the action the
user picks: in `codeAction/resolve` where the client resolves edits lazily, else through the
`grok.applyAction` command, which applies the edit with `workspace/applyEdit`. Before it is
offered, the edit is checked by the tool behind the diagnostic and retried with its report
(fixloop.py); the verdict comes with it. Edits are versioned and minimal; a document that changed
meanwhile, or an answer that is not a usable edit, yields no edit and one clear message.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types as t
from pygls.exceptions import JsonRpcException

from grok_lsp import textpos
from grok_lsp.actionprompt import REFACTORS, edit_task
from grok_lsp.ask import Progress
from grok_lsp.editanswer import EDIT_SCHEMA, Answer, parse_answer
from grok_lsp.editplan import applied, minimal_edits, region, touched_lines
from grok_lsp.features import explanations
from grok_lsp.features.documents import file_view, other_views, unsendable
from grok_lsp.fixloop import Outcome, UnusableAnswer, check_for, propose
from grok_lsp.metrics import ActionCost
from grok_lsp.provider.errors import ProviderError
from grok_lsp.provider.request import ChatRequest
from grok_lsp.redaction import restore_secrets
from grok_lsp.server import GrokServer

log = logging.getLogger(__name__)

APPLY_COMMAND = "grok.applyAction"
EXPLAIN_KIND = "quickfix.explain"
FIX_CONTEXT_LINES = 2
_TITLE_CHARS = 60


def register(server: GrokServer) -> None:
    options = t.CodeActionOptions(
        code_action_kinds=[
            t.CodeActionKind.QuickFix,
            EXPLAIN_KIND,
            t.CodeActionKind.RefactorRewrite,
        ],
        resolve_provider=True,
    )

    @server.feature(t.TEXT_DOCUMENT_CODE_ACTION, options)
    def code_actions(ls: GrokServer, params: t.CodeActionParams) -> list[t.CodeAction]:
        settings = ls.settings.actions
        uri = params.text_document.uri
        if not settings.enabled or uri not in ls.workspace.text_documents:
            return []
        document = ls.workspace.get_text_document(uri)
        if unsendable(ls, document) is not None:
            return []
        version = document.version
        actions: list[t.CodeAction] = []
        for diagnostic in params.context.diagnostics:
            if diagnostic.source == explanations.SOURCE:
                continue
            data = _data(uri, version, diagnostic.range, diagnostic=diagnostic)
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
                command = t.Command(
                    "Grok: explain", explanations.EXPLAIN_COMMAND, arguments=[explain]
                )
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
            data = _data(uri, version, selection, task="fix-line")
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
                        _data(uri, version, selection, task=task),
                        None,
                    )
                )
        return [action for action in actions if _wanted(action, params.context.only)]

    @server.feature(t.CODE_ACTION_RESOLVE)
    async def resolve(ls: GrokServer, action: t.CodeAction) -> t.CodeAction:
        if isinstance(action.data, dict) and action.data.get("task") not in (None, "explain"):
            action.edit = await compute_edit(ls, action.data)
        return action

    @server.command(APPLY_COMMAND)
    def apply_action(ls: GrokServer, data: dict[str, Any]) -> None:
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


async def _compute_and_apply(ls: GrokServer, data: dict[str, Any]) -> None:
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


def _data(
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
        "range": _range_json(span),
    }
    if diagnostic is not None:
        data["diagnostic"] = {
            "message": diagnostic.message,
            "code": diagnostic.code,
            "source": diagnostic.source,
            "range": _range_json(diagnostic.range),
        }
    return data


def _range_json(span: t.Range) -> dict[str, Any]:
    return {
        "start": {"line": span.start.line, "character": span.start.character},
        "end": {"line": span.end.line, "character": span.end.character},
    }


def _action(
    ls: GrokServer, title: str, kind: str, data: dict[str, Any], diagnostic: t.Diagnostic | None
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


def _resolves_edits(ls: GrokServer) -> bool:
    document = ls.client_capabilities.text_document
    code_action = document.code_action if document else None
    support = code_action.resolve_support if code_action else None
    return bool(support and "edit" in support.properties)


def _wanted(action: t.CodeAction, only: Sequence[str] | None) -> bool:
    kind = str(action.kind or "")
    return not only or any(kind == wanted or kind.startswith(wanted + ".") for wanted in only)


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


async def compute_edit(ls: GrokServer, data: dict[str, Any]) -> t.WorkspaceEdit | None:
    uri, version = str(data.get("uri")), data.get("version")
    if uri not in ls.workspace.text_documents:
        ls.notify_user("grok-lsp: that document is no longer open; nothing was changed.")
        return None
    if ls.workspace.get_text_document(uri).version != version:
        ls.notify_user(
            "grok-lsp: the document changed since the action was offered; "
            "nothing was changed. Ask again."
        )
        return None
    document = ls.workspace.get_text_document(uri)
    source = document.source
    span = range_from(data.get("range"))
    diagnostic = diagnostic_from(data)
    if span is None or (diagnostic is None and "diagnostic" in data):
        ls.notify_user("grok-lsp: this action's data is not grok-lsp's; nothing was changed.")
        return None
    kind = str(data.get("task"))
    context = FIX_CONTEXT_LINES if diagnostic or kind == "fix-line" else 0
    target = region(source, span.start.line, span.end.line, context)
    file = file_view(ls, document)
    instruction = REFACTORS.get(kind, REFACTORS["refactor"]).format(line=span.start.line + 1)
    task = edit_task(file.path, source, target, diagnostic, instruction)
    messages = ls.prompts.with_stable_layers(file, target.start, other_views(ls, uri), task)
    settings = ls.settings
    request = ChatRequest(
        settings.actions_model,
        messages,
        settings.actions.max_tokens,
        conv_id=ls.conv_id(uri),
        service_tier=settings.service_tier,
        response_format=EDIT_SCHEMA,  # dropped for a model whose server refuses it
    )
    shown = target.lines_text(source)
    language = document.language_id or ""

    def candidate(text: str) -> tuple[Answer, tuple[str, range] | None]:
        answer = parse_answer(text, shown, language)
        replacement = restore_secrets(answer.replacement, shown)
        edits = minimal_edits(source, target, replacement) if replacement is not None else []
        if replacement is None or not edits:
            return answer, None
        return answer, (applied(source, edits), touched_lines(target, replacement))

    path = Path(document.path) if uri.startswith("file:") else None
    facts = (diagnostic.source, _code(diagnostic), diagnostic.message) if diagnostic else None
    check = check_for(ls, path, language, facts)
    spent = ActionCost(kind)
    try:
        async with Progress(ls, "Grok", request.model) as progress:
            outcome = await propose(
                ls,
                request,
                progress,
                check,
                source,
                candidate,
                spent,
                lambda: _current(ls, uri, version),
            )
    except ProviderError as error:
        ls.report_error(error, "code action")
        return None
    except UnusableAnswer as unusable:
        reply = unusable.reply
        log.info("unusable code-action answer from %s: %r", reply.model, reply.text[:500])
        ls.notify_user(
            f"grok-lsp: {reply.model}'s answer was not a usable edit ({unusable}); nothing was "
            "changed. Ask again, or set `grok.actions.model` to a model that follows "
            "instructions better (the answer is in the log at INFO)."
        )
        return None
    finally:
        ls.metrics.record_action(spent)
    answer, model = outcome.answer, outcome.model
    spent.verdict, spent.verified = outcome.verdict, outcome.verified
    if not _current(ls, uri, version):
        ls.notify_user(
            f"grok-lsp: the document changed while {model} was working; nothing was "
            "changed. Ask again."
        )
        return None
    replacement = restore_secrets(answer.replacement, shown)
    if replacement is None:
        ls.notify_user(
            f"grok-lsp: {model}'s edit changes a line holding a credential it was not "
            "shown; nothing was changed."
        )
        return None
    edits = minimal_edits(source, target, replacement)
    if not edits:
        ls.notify_user(f"grok-lsp: {model} suggests no change here ({answer.summary or 'none'}).")
        return None
    _tell(ls, outcome, spent)
    encoding = textpos.encoding_name(ls.workspace.position_encoding)
    text_edits = [
        t.TextEdit(
            t.Range(
                textpos.position_at(source, edit.start, encoding),
                textpos.position_at(source, edit.end, encoding),
            ),
            edit.new_text,
        )
        for edit in edits
    ]
    log.info("code action %s: %d edit(s): %s", kind, len(text_edits), answer.summary)
    identifier = t.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
    return t.WorkspaceEdit(document_changes=[t.TextDocumentEdit(identifier, text_edits)])


def _current(ls: GrokServer, uri: str, version: object) -> bool:
    documents = ls.workspace.text_documents
    return uri in documents and documents[uri].version == version


def _code(diagnostic: t.Diagnostic) -> str | None:
    return None if diagnostic.code is None else str(diagnostic.code)


def _tell(ls: GrokServer, outcome: Outcome, spent: ActionCost) -> None:
    """The verdict, with the attempts it took: the edit is offered either way, the user decides."""
    tries = f"{spent.attempts} attempt{'s' * (spent.attempts != 1)}"
    text = f"grok-lsp: {outcome.answer.summary or 'the edit'} — {outcome.verdict} ({tries})."
    kind = t.MessageType.Info if outcome.verified else t.MessageType.Warning
    log.info("%s", text)
    ls.window_show_message(t.ShowMessageParams(type=kind, message=text))
