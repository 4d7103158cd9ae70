""" "Grok: explain — …": the explanation of a diagnostic, readable without leaving the file.

Chosen from the lightbulb, it asks the model once per diagnostic (asking again costs nothing),
then publishes the explanation as an information diagnostic of grok-lsp's own at the same range
(VS Code shows it on hover and in Problems, Neovim in its diagnostic float, Helix inline and in
its diagnostics picker) and serves it on hover over that range.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types as t

from grok_lsp import textpos
from grok_lsp.codeactions.ask import Progress, action_request, ask
from grok_lsp.codeactions.data import EXPLAIN_COMMAND, SOURCE, diagnostic_from
from grok_lsp.codeactions.plan import region
from grok_lsp.codeactions.prompt import explain_task
from grok_lsp.codeactions.store import Explanation
from grok_lsp.host import Host
from grok_lsp.policy import EXPLAIN_CONTEXT_LINES
from grok_lsp.provider.errors import ProviderError


def register(server: Host) -> None:
    @server.command(EXPLAIN_COMMAND)
    async def explain(ls: Host, data: dict[str, Any]) -> str | None:
        uri = str(data.get("uri"))
        diagnostic = diagnostic_from(data)
        if diagnostic is None or uri not in ls.workspace.text_documents:
            ls.notify_user("grok-lsp: nothing to explain here (the document is not open).")
            return None
        document = ls.workspace.get_text_document(uri)
        if (reason := ls.send_policy.unsendable(document)) is not None:
            ls.notify_user(f"grok-lsp: this file is not sent to the model: {reason}.")
            return None
        source = document.source
        line = min(diagnostic.range.start.line, textpos.last_line(source))
        line_text = textpos.line_text(source, line) or ""
        key = (str(diagnostic.code or ""), diagnostic.source or "", diagnostic.message, line_text)
        known = ls.explanations.get(uri, key)
        if known is None:
            target = region(source, line, diagnostic.range.end.line, EXPLAIN_CONTEXT_LINES)
            path = ls.send_policy.display_path(uri)
            task = explain_task(path, source, target, diagnostic)
            request = action_request(ls, document, target.start, task)
            try:
                async with Progress(ls, "Grok: explaining", request.model) as progress:
                    reply = await ask(ls, request, progress)
            except ProviderError as error:
                ls.status.report_error(error, "explanation")
                return None
            span = diagnostic.range
            known = Explanation(
                key,
                span.start.line,
                span.start.character,
                span.end.line,
                span.end.character,
                reply.text.strip() or f"({reply.model} gave no explanation.)",
                reply.model,
            )
            ls.explanations.put(uri, known)
        publish(ls, uri)
        first = known.text.strip().split("\n", 1)[0].lstrip("# ")
        ls.window_show_message(
            t.ShowMessageParams(
                type=t.MessageType.Info,
                message=f"{known.model}: {first} (the whole explanation is on the line: hover it)",
            )
        )
        return known.text

    @server.feature(t.TEXT_DOCUMENT_HOVER)
    def hover(ls: Host, params: t.HoverParams) -> t.Hover | None:
        found = ls.explanations.at(params.text_document.uri, params.position.line)
        if not found:
            return None
        text = "\n\n---\n\n".join(item.text for item in found)
        return t.Hover(contents=t.MarkupContent(kind=t.MarkupKind.Markdown, value=text))

    @server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
    def changed(ls: Host, params: t.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        if ls.explanations.of(uri):
            source = ls.workspace.get_text_document(uri).source
            # Only the explained lines are looked at: no split of the whole file per keystroke.
            if ls.explanations.keep_matching(uri, lambda line: textpos.line_text(source, line)):
                publish(ls, uri)


def publish(ls: Host, uri: str) -> None:
    diagnostics = [
        t.Diagnostic(
            range=t.Range(t.Position(item.line, item.start), t.Position(item.end_line, item.end)),
            message=item.text,
            severity=t.DiagnosticSeverity.Information,
            source=SOURCE,
        )
        for item in ls.explanations.of(uri)
    ]
    ls.text_document_publish_diagnostics(
        t.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics)
    )
