"""A fix or refactor asked for: the prompt, the model's answer checked and iterated
(`fixloop.py`), and the minimal, versioned edit, or one clear message why there is none."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from lsprotocol import types as t

from grok_lsp import textpos
from grok_lsp.codeactions.answer import EDIT_SCHEMA, Answer, parse_answer
from grok_lsp.codeactions.ask import Progress, action_request
from grok_lsp.codeactions.data import diagnostic_from, range_from
from grok_lsp.codeactions.fixloop import Outcome, UnusableAnswer, check_for, propose
from grok_lsp.codeactions.plan import Edit, applied, minimal_edits, region, touched_lines
from grok_lsp.codeactions.prompt import REFACTORS, edit_task
from grok_lsp.host import Host
from grok_lsp.metrics import ActionCost
from grok_lsp.policy import FIX_CONTEXT_LINES
from grok_lsp.provider.errors import ProviderError
from grok_lsp.redaction import restore_secrets

log = logging.getLogger(__name__)


async def compute_edit(ls: Host, data: dict[str, Any]) -> t.WorkspaceEdit | None:
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
    instruction = REFACTORS.get(kind, REFACTORS["refactor"]).format(line=span.start.line + 1)
    shown_path = ls.send_policy.display_path(uri)
    task = edit_task(shown_path, source, target, diagnostic, instruction)
    # (the schema is dropped for a model whose server refuses it)
    request = action_request(ls, document, target.start, task, response_format=EDIT_SCHEMA)
    shown = target.lines_text(source)
    language = document.language_id or ""

    def planned(answer: Answer) -> tuple[str | None, list[Edit]]:
        """The answer's lines with the credentials it was not shown put back (None if it
        changes one), and the minimal edits to them."""
        replacement = restore_secrets(answer.replacement, shown)
        return replacement, [] if replacement is None else minimal_edits(
            source, target, replacement
        )

    def candidate(text: str) -> tuple[Answer, tuple[str, range] | None]:
        answer = parse_answer(text, shown, language)
        replacement, edits = planned(answer)
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
        ls.status.report_error(error, "code action")
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
    replacement, edits = planned(answer)
    if replacement is None:
        ls.notify_user(
            f"grok-lsp: {model}'s edit changes a line holding a credential it was not "
            "shown; nothing was changed."
        )
        return None
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


def _current(ls: Host, uri: str, version: object) -> bool:
    documents = ls.workspace.text_documents
    return uri in documents and documents[uri].version == version


def _code(diagnostic: t.Diagnostic) -> str | None:
    return None if diagnostic.code is None else str(diagnostic.code)


def _tell(ls: Host, outcome: Outcome, spent: ActionCost) -> None:
    """The verdict, with the attempts it took: the edit is offered either way, the user decides."""
    tries = f"{spent.attempts} attempt{'s' * (spent.attempts != 1)}"
    text = f"grok-lsp: {outcome.answer.summary or 'the edit'} — {outcome.verdict} ({tries})."
    kind = t.MessageType.Info if outcome.verified else t.MessageType.Warning
    log.info("%s", text)
    ls.window_show_message(t.ShowMessageParams(type=kind, message=text))
