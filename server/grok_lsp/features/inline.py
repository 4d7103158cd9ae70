"""Ghost text (`textDocument/inlineCompletion`) and, for editors without it, completion items.

The user types; a suggestion streams from the model and shows as grey text (VS Code, Neovim
0.12, Emacs lsp-mode) or as the first item of the completion popup (Helix, older Neovim, Zed).
A newer request for the same document supersedes the older one, which is answered with
`RequestCancelled`.
"""

from __future__ import annotations

import asyncio
import logging

from lsprotocol import types as t

from grok_lsp import textpos
from grok_lsp.completions.cursor import cursor_context
from grok_lsp.completions.items import ItemSupport, completion_item
from grok_lsp.completions.pipeline import Query
from grok_lsp.completions.syntax import in_comment_or_string
from grok_lsp.documents.workspace import LspTextDocument
from grok_lsp.host import Host
from grok_lsp.provider.errors import ProviderError
from grok_lsp.provider.request import ChatRequest

log = logging.getLogger(__name__)


def register(server: Host) -> None:
    async def suggest(ls: Host, uri: str, position: t.Position, automatic: bool) -> str:
        ls.metrics.requests += 1
        try:
            with ls.pipeline.editor_request(uri):  # an older one is superseded
                return await _suggest(ls, uri, position, automatic)
        except asyncio.CancelledError:
            ls.metrics.cancelled += 1
            raise
        except ProviderError as error:
            ls.status.report_error(error, "completion")
            return ""

    @server.feature(t.TEXT_DOCUMENT_INLINE_COMPLETION, t.InlineCompletionOptions())
    async def inline_completion(
        ls: Host, params: t.InlineCompletionParams
    ) -> t.InlineCompletionList:
        automatic = params.context.trigger_kind == t.InlineCompletionTriggerKind.Automatic
        text = await suggest(ls, params.text_document.uri, params.position, automatic)
        if not text:
            return t.InlineCompletionList(items=[])
        here = t.Range(start=params.position, end=params.position)
        return t.InlineCompletionList(items=[t.InlineCompletionItem(insert_text=text, range=here)])

    @server.feature(
        t.TEXT_DOCUMENT_COMPLETION, t.CompletionOptions(trigger_characters=[".", "(", " "])
    )
    async def completion(ls: Host, params: t.CompletionParams) -> t.CompletionList:
        document = ls.client_capabilities.text_document
        if document is not None and document.inline_completion is not None:
            return t.CompletionList(is_incomplete=False, items=[])  # ghost text serves it
        # A client that does not say how the request was triggered is taken at its word.
        context = params.context
        automatic = context is not None and context.trigger_kind != t.CompletionTriggerKind.Invoked
        opened = ls.workspace.text_documents.get(params.text_document.uri)
        source = opened.source if opened is not None else ""  # the text the position is in
        text = await suggest(ls, params.text_document.uri, params.position, automatic)
        encoding = textpos.encoding_name(ls.workspace.position_encoding)
        support = ItemSupport.of(ls.client_capabilities, ls.quirks)
        items = [completion_item(source, params.position, text, encoding, support)] if text else []
        return t.CompletionList(is_incomplete=True, items=items)


async def _suggest(ls: Host, uri: str, position: t.Position, automatic: bool) -> str:
    settings = ls.settings
    if not settings.completion.enabled or ls.status.is_paused():
        return ""
    if uri not in ls.workspace.text_documents:
        log.info("completion asked for a document that is not open: %s", uri)
        return ""
    document = ls.workspace.get_text_document(uri)
    if ls.send_policy.unsendable(document) is not None:
        return ""
    source = document.source
    if isinstance(document, LspTextDocument):  # found from the last edit's line: microseconds
        offset = document.offset_at(position)
    else:
        encoding = textpos.encoding_name(ls.workspace.position_encoding)
        offset = textpos.offset_at(source, position, encoding)
    context = cursor_context(source, offset, settings.completion.max_lines)
    if (
        automatic
        and settings.completion.suppress_in_comments_and_strings
        and in_comment_or_string(context.line_prefix, document.language_id or "")
    ):
        ls.metrics.dropped += 1
        return ""
    conv_id = ls.conv_id(uri)
    query = Query(
        uri, conv_id, source[:offset], source[offset:], context, automatic, document.version
    )

    def build_request() -> tuple[list[dict[str, str]], ChatRequest]:
        file = ls.send_policy.file_view(document)
        others = ls.send_policy.other_views(uri)
        messages = ls.prompts.completion(file, offset, others, settings.completion.prompt_layout)
        request = ChatRequest(
            model=settings.completion_model,
            messages=messages,
            max_tokens=settings.completion.max_tokens,
            temperature=settings.completion.temperature,
            reasoning_effort=settings.completion.reasoning_effort,
            conv_id=conv_id,
            service_tier=settings.service_tier,
        )
        return messages, request

    suggestion = await ls.pipeline.complete(
        query,
        build_request,
        settings.completion.debounce_ms / 1000,
        settings.completion.timeout_ms / 1000,
    )
    if suggestion:
        ls.status.clear_error()
    return suggestion or ""
