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
from grok_lsp.features.documents import LspTextDocument, file_view, other_views, unsendable
from grok_lsp.pipeline import Query
from grok_lsp.postprocess import CursorContext
from grok_lsp.prompt import REGION_LINES_BEFORE_MAX
from grok_lsp.provider.errors import ProviderError
from grok_lsp.provider.request import ChatRequest
from grok_lsp.server import GrokServer
from grok_lsp.syntax import in_comment_or_string

log = logging.getLogger(__name__)

_FOLLOWING_LINES = 6  # lines after the cursor's line, to trim a suggestion that repeats them
_BEFORE_CHARS = 256  # text before the cursor that, with the suggestion, identifies it


def register(server: GrokServer) -> None:
    active: dict[str, asyncio.Task[object]] = {}

    async def suggest(ls: GrokServer, uri: str, position: t.Position, automatic: bool) -> str:
        previous = active.get(uri)
        current = asyncio.current_task()
        if previous is not None and previous is not current and not previous.done():
            previous.cancel()  # superseded: pygls answers it with RequestCancelled
        if current is not None:
            active[uri] = current
        ls.metrics.requests += 1
        try:
            return await suggest_at(ls, uri, position, automatic)
        except asyncio.CancelledError:
            ls.metrics.cancelled += 1
            raise
        except ProviderError as error:
            ls.report_error(error, "completion")
            return ""
        finally:
            if active.get(uri) is current:
                del active[uri]

    @server.feature(t.TEXT_DOCUMENT_INLINE_COMPLETION, t.InlineCompletionOptions())
    async def inline_completion(
        ls: GrokServer, params: t.InlineCompletionParams
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
    async def completion(ls: GrokServer, params: t.CompletionParams) -> t.CompletionList:
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
        item = _completion_item(ls, params.position, source, offset, text)
        return t.CompletionList(is_incomplete=True, items=[item])


def _offset(ls: GrokServer, document: TextDocument, position: t.Position) -> int:
    if isinstance(document, LspTextDocument):  # found from the last edit's line: microseconds
        return document.offset_at(position)
    return textpos.offset_at(
        document.source, position, textpos.encoding_name(ls.workspace.position_encoding)
    )


def _offer(
    ls: GrokServer, uri: str, source: str, offset: int, text: str, alternative: bool = False
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


def _completion_item(
    ls: GrokServer, position: t.Position, source: str, offset: int, text: str
) -> t.CompletionItem:
    """One popup item that replaces the word being typed with word + suggestion.

    Clients filter items by the word before the cursor (Helix fuzzy-matches it against
    `filterText`, Neovim keeps items whose text starts with it), so the item starts with that
    word and stays listed while the user types more of the suggestion; `isIncomplete` makes the
    client ask again once they type something else.
    """
    encoding = textpos.encoding_name(ls.workspace.position_encoding)
    word_start = offset
    while word_start > 0 and (source[word_start - 1].isalnum() or source[word_start - 1] == "_"):
        word_start -= 1
    word = source[word_start:offset]
    start = textpos.position_at(source, word_start, encoding)
    # The label is the first line, whole: Neovim's built-in completion inserts a snippet item's
    # label while it is selected (0.11+ expands the snippet on accepting it, 0.10's omnifunc
    # keeps the label), so a shortened label would cut the line. A block starts with a newline.
    first, *rest = (word + text).split("\n")
    label = first.rstrip() or next((line.strip() for line in rest if line.strip()), "grok")
    if ls.quirks.label_is_insertion:  # lsp-mode under completion-at-point: see clients.py
        label = word + text
    line_start = max(source.rfind("\n", 0, word_start), source.rfind("\r", 0, word_start)) + 1
    before = source[line_start:word_start]
    snippet = _snippet(word + text, before[: len(before) - len(before.lstrip())])
    insert_mode = None
    if snippet is None or not _snippet_support(ls) or ls.quirks.plain_text_items:
        new_text, text_format = word + text, t.InsertTextFormat.PlainText
        # Plain text holds its lines' indentation already: a client that would re-indent
        # them (lsp-mode runs the major mode's indentation on each) is told not to.
        if t.InsertTextMode.AsIs in _insert_modes(ls):
            insert_mode = t.InsertTextMode.AsIs
    else:
        new_text, text_format = snippet, t.InsertTextFormat.Snippet
    return t.CompletionItem(
        label=label,
        kind=t.CompletionItemKind.Text,
        detail="grok",
        documentation=_documentation(ls, word + text),
        filter_text=word + text,
        sort_text="0",
        preselect=True,
        insert_text_format=text_format,
        insert_text_mode=insert_mode,
        text_edit=t.TextEdit(range=t.Range(start=start, end=position), new_text=new_text),
    )


def _item_options(ls: GrokServer) -> t.ClientCompletionItemOptions | None:
    """What the client says of completion items; None where it says nothing."""
    document = ls.client_capabilities.text_document
    completion = document.completion if document else None
    return completion.completion_item if completion else None


def _snippet_support(ls: GrokServer) -> bool:
    item = _item_options(ls)
    return bool(item and item.snippet_support)


def _insert_modes(ls: GrokServer) -> list[t.InsertTextMode]:
    item = _item_options(ls)
    modes = item.insert_text_mode_support if item else None
    return list(modes.value_set) if modes else []


def _snippet(text: str, indent: str) -> str | None:
    """`text` as a snippet that inserts it verbatim, or None where no snippet can.

    Where the client supports them, snippets are how the whole text gets in: Neovim 0.11+'s
    built-in completion inserts a plain-text item only up to its first whitespace, and expands
    a snippet in full. Snippet clients (Neovim's `vim.snippet`, Helix, VS Code) prefix every
    line after the first with the cursor line's indentation, so those lines are made relative
    to it; a line indented less than that cannot be expressed (None: plain text then).
    """
    first, *rest = text.split("\n")
    relative = [first]
    for line in rest:
        if line.startswith(indent):
            relative.append(line[len(indent) :])
        elif line.strip():
            return None
        else:
            relative.append("")
    escaped = "\n".join(relative)
    for char in "\\$}":
        escaped = escaped.replace(char, "\\" + char)
    return escaped


def _documentation(ls: GrokServer, text: str) -> t.MarkupContent | str:
    """The whole suggestion, as Markdown where the client renders it, else plain text."""
    item = _item_options(ls)
    if item and item.documentation_format and t.MarkupKind.Markdown in item.documentation_format:
        return t.MarkupContent(kind=t.MarkupKind.Markdown, value=f"```\n{text}\n```")
    return text


async def suggest_at(
    ls: GrokServer, uri: str, position: t.Position, automatic: bool, debounce: bool = True
) -> str:
    settings = ls.settings
    if not settings.completion.enabled or ls.is_paused():
        return ""
    if uri not in ls.workspace.text_documents:
        log.info("completion asked for a document that is not open: %s", uri)
        return ""
    document = ls.workspace.get_text_document(uri)
    if unsendable(ls, document) is not None:
        return ""
    source = document.source
    offset = _offset(ls, document, position)
    line_from = max(source.rfind("\n", 0, offset), source.rfind("\r", 0, offset)) + 1
    line_to = textpos.line_end(source, offset)
    following_to = line_to
    for _ in range(_FOLLOWING_LINES):
        following_to = textpos.line_end(source, min(following_to + 1, len(source)))
    preceding_from = line_from  # as many lines as the prompt's region may show, to drop an echo
    for _ in range(REGION_LINES_BEFORE_MAX):
        if preceding_from == 0:
            break
        preceding_from = source.rfind("\n", 0, preceding_from - 1) + 1
    context = CursorContext(
        line_prefix=source[line_from:offset],
        line_suffix=source[offset:line_to],
        following=source[line_to + 1 : following_to],
        max_lines=settings.completion.max_lines,
        preceding=source[preceding_from : max(line_from - 1, preceding_from)],
    )
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
        file = file_view(ls, document)
        others = other_views(ls, uri)
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
        ls.clear_error()
    return suggestion or ""
