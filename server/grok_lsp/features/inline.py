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
from pygls.workspace import TextDocument

from grok_lsp import textpos
from grok_lsp.acceptance import ACCEPT_COMMAND
from grok_lsp.completions.cursor import cursor_context
from grok_lsp.completions.items import ItemSupport, completion_item
from grok_lsp.completions.pipeline import Query
from grok_lsp.completions.syntax import in_comment_or_string
from grok_lsp.documents.workspace import LspTextDocument
from grok_lsp.host import Host
from grok_lsp.provider.errors import ProviderError
from grok_lsp.provider.request import ChatRequest

log = logging.getLogger(__name__)

_BEFORE_CHARS = 256  # text before the cursor that, with the suggestion, identifies it


def register(server: Host) -> None:
    async def suggest(ls: Host, uri: str, position: t.Position, automatic: bool) -> str:
        ls.metrics.requests += 1
        try:
            with ls.pipeline.editor_request(uri):  # an older one is superseded
                return await suggest_at(ls, uri, position, automatic)
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
        uri = params.text_document.uri
        text = await suggest(ls, uri, params.position, automatic)
        if not text or uri not in ls.workspace.text_documents:
            return t.InlineCompletionList(items=[])
        document = ls.workspace.text_documents[uri]
        offset = _offset(ls, document, params.position)
        here = t.Range(start=params.position, end=params.position)
        # To cycle through (VS Code's Alt+], Neovim's inline_completion.select()): the
        # alternatives that cost no request. Only the first counts as a suggestion offered.
        return t.InlineCompletionList(
            items=[
                t.InlineCompletionItem(
                    insert_text=choice,
                    range=here,
                    command=t.Command(
                        "Grok: suggestion accepted",
                        ACCEPT_COMMAND,
                        arguments=[_offer(ls, uri, document.source, offset, choice, index > 0)],
                    ),
                )
                for index, choice in enumerate(alternatives(text))
            ]
        )

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
        uri = params.text_document.uri
        opened = ls.workspace.text_documents.get(uri)
        source = opened.source if opened is not None else ""  # the text the position is in
        text = await suggest(ls, uri, params.position, automatic)
        if not text:
            return t.CompletionList(is_incomplete=True, items=[])
        encoding = textpos.encoding_name(ls.workspace.position_encoding)
        offset = textpos.offset_at(source, params.position, encoding)
        # A popup item reports nothing back: it counts as accepted once typed or taken whole.
        _offer(ls, uri, source, offset, text)
        support = ItemSupport.of(ls.client_capabilities, ls.quirks)
        item = completion_item(source, params.position, text, encoding, support)
        return t.CompletionList(is_incomplete=True, items=[item])


def _offset(ls: Host, document: TextDocument, position: t.Position) -> int:
    if isinstance(document, LspTextDocument):  # found from the last edit's line: microseconds
        return document.offset_at(position)
    return textpos.offset_at(
        document.source, position, textpos.encoding_name(ls.workspace.position_encoding)
    )


def _offer(
    ls: Host, uri: str, source: str, offset: int, text: str, alternative: bool = False
) -> str:
    """Records `text` as offered at `offset` of `source` (see acceptance.py); returns its id."""
    before = source[max(0, offset - _BEFORE_CHARS) : offset]
    return ls.metrics.acceptance.offer(uri, offset, before, text, alternative)


def alternatives(text: str) -> list[str]:
    """The suggestion, then the shorter ones it holds, which cost no request: a block up to
    its first line that has code in it."""
    lines = text.split("\n")
    first = next((index for index, line in enumerate(lines) if line.strip()), len(lines))
    shorter = "\n".join(lines[: first + 1])
    return [text, shorter] if shorter.strip() and shorter != text else [text]


async def suggest_at(
    ls: Host, uri: str, position: t.Position, automatic: bool, debounce: bool = True
) -> str:
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
    offset = _offset(ls, document, position)
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
        settings.completion.debounce_ms / 1000 if debounce else 0.0,
        settings.completion.timeout_ms / 1000,
    )
    if suggestion:
        ls.status.clear_error()
    return suggestion or ""
