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
from grok_lsp.actionprompt import explain_task
from grok_lsp.ask import Progress, ask
from grok_lsp.editplan import region
from grok_lsp.explainstore import Explanation
from grok_lsp.features.documents import file_view, other_views, unsendable
from grok_lsp.provider.errors import ProviderError
from grok_lsp.provider.request import ChatRequest
from grok_lsp.server import GrokServer

SOURCE = "grok"
EXPLAIN_COMMAND = "grok.explain"
_CONTEXT_LINES = 3


def register(server: GrokServer) -> None:
    @server.command(EXPLAIN_COMMAND)
    async def explain(ls: GrokServer, data: dict[str, Any]) -> str | None:
        from grok_lsp.features.actions import diagnostic_from

        uri = str(data.get("uri"))
        diagnostic = diagnostic_from(data)
        if diagnostic is None or uri not in ls.workspace.text_documents:
            ls.notify_user("grok-lsp: nothing to explain here (the document is not open).")
            return None
        document = ls.workspace.get_text_document(uri)
        if (reason := unsendable(ls, document)) is not None:
            ls.notify_user(f"grok-lsp: this file is not sent to the model: {reason}.")
            return None
        source = document.source
        line = min(diagnostic.range.start.line, textpos.last_line(source))
        line_text = textpos.line_text(source, line) or ""
        key = (str(diagnostic.code or ""), diagnostic.source or "", diagnostic.message, line_text)
        known = ls.explanations.get(uri, key)
        if known is None:
            target = region(source, line, diagnostic.range.end.line, _CONTEXT_LINES)
            file = file_view(ls, document)
            task = explain_task(file.path, source, target, diagnostic)
            messages = ls.prompts.with_stable_layers(file, target.start, other_views(ls, uri), task)
            request = ChatRequest(
                ls.settings.actions_model,
                messages,
                ls.settings.actions.max_tokens,
                conv_id=ls.conv_id(uri),
                service_tier=ls.settings.service_tier,
            )
            try:
                async with Progress(ls, "Grok: explaining", request.model) as progress:
                    reply = await ask(ls, request, progress)
            except ProviderError as error:
                ls.report_error(error, "explanation")
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
    def hover(ls: GrokServer, params: t.HoverParams) -> t.Hover | None:
        found = ls.explanations.at(params.text_document.uri, params.position.line)
        if not found:
            return None
        text = "\n\n---\n\n".join(item.text for item in found)
        return t.Hover(contents=t.MarkupContent(kind=t.MarkupKind.Markdown, value=text))

    @server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
    def changed(ls: GrokServer, params: t.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        if ls.explanations.of(uri):
            source = ls.workspace.get_text_document(uri).source
            # Only the explained lines are looked at: no split of the whole file per keystroke.
            if ls.explanations.keep_matching(uri, lambda line: textpos.line_text(source, line)):
                publish(ls, uri)


def publish(ls: GrokServer, uri: str) -> None:
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
