"""Next-edit suggestions over Copilot's protocol: `textDocument/copilotInlineEdit`.

The editor asks after an edit pause (copilot-lsp.nvim: 500 ms after `TextChanged`, VS Code:
the extension's `nextEdit.ts`) with `{textDocument: {uri, version}, position}`; the answer is
always `{edits: [...]}` (copilot-lsp.nvim reads `result.edits` unguarded), with at most one
edit `{text, range, textDocument: {uri, version}, command}` in the version it was computed
for. The editor tells `textDocument/didShowInlineEdit` when it shows one, and runs the edit's
command (`grok.nextEditAccepted`) when the user takes it, if it can.

A request waits `grok.nextEdit.debounceMs`, then passes the cost governor (its own "nothing
changed" record, the rate and spend limits shared with completions); the editor's
`$/cancelRequest` cancels it, and so does a newer request for the document (answered `{edits:
[]}`, not an error, which copilot-lsp.nvim would show as a message). Nothing is asked while a
word is being typed (the last edit ends at the cursor, inside a word: a Neovim cursor resting on
the word's last character after `<Esc>` is not typing), before the document has been edited,
or for a version the document has left.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from lsprotocol import types as t

from grok_lsp import textpos
from grok_lsp.ask import stream_answer
from grok_lsp.editanswer import MalformedAnswer, parse_answer
from grok_lsp.edithistory import render
from grok_lsp.editplan import Edit
from grok_lsp.features.documents import LspTextDocument, file_view, other_views, unsendable
from grok_lsp.nextedit import Target, in_word, offered, target, task
from grok_lsp.provider.errors import ProviderError
from grok_lsp.provider.request import ChatRequest
from grok_lsp.redaction import KEY_MARK, restore_secrets
from grok_lsp.server import GrokServer

log = logging.getLogger(__name__)

INLINE_EDIT_REQUEST = "textDocument/copilotInlineEdit"
SHOWN_NOTIFICATION = "textDocument/didShowInlineEdit"
ACCEPTED_COMMAND = "grok.nextEditAccepted"
FOCUS_NOTIFICATION = "textDocument/didFocus"  # copilot-lsp.nvim's, on every BufEnter
GOVERNOR_SUFFIX = "#next-edit"  # the governor's "nothing changed" record, apart from completions


def register(server: GrokServer) -> None:
    active: dict[str, asyncio.Task[object]] = {}
    superseded: set[asyncio.Task[object]] = set()

    @server.feature(INLINE_EDIT_REQUEST)
    async def inline_edit(ls: GrokServer, params: Any) -> dict[str, Any]:
        asked = _asked(params)
        if asked is None:
            log.info(
                "%s: params need textDocument.uri and a position; none offered", INLINE_EDIT_REQUEST
            )
            return {"edits": []}
        uri, version, position = asked
        counters = ls.metrics.next_edit
        counters.requests += 1
        previous, current = active.get(uri), asyncio.current_task()
        if previous is not None and previous is not current and not previous.done():
            superseded.add(previous)
            previous.cancel()
        if current is not None:
            active[uri] = current
        try:
            edit = await _suggest(ls, uri, version, position)
        except asyncio.CancelledError:
            counters.cancelled += 1
            if current in superseded:  # copilot-lsp.nvim shows every error answer as a message
                superseded.discard(current)
                return {"edits": []}
            raise  # the editor's $/cancelRequest: pygls answers RequestCancelled
        except ProviderError as error:
            ls.report_error(error, "next edit")
            return {"edits": []}
        finally:
            if active.get(uri) is current:
                del active[uri]
        if edit is None:
            return {"edits": []}
        counters.offered += 1
        return {"edits": [edit]}

    @server.feature(SHOWN_NOTIFICATION)
    def shown(ls: GrokServer, params: Any) -> None:
        ls.metrics.next_edit.shown += 1

    @server.feature(FOCUS_NOTIFICATION)
    def focused(ls: GrokServer, params: Any) -> None:
        """Nothing to do (the next request names its document), but not worth a warning."""

    @server.command(ACCEPTED_COMMAND)
    def accepted(ls: GrokServer, *arguments: Any) -> None:
        ls.metrics.next_edit.accepted += 1


def _asked(params: Any) -> tuple[str, int | None, t.Position] | None:
    """(uri, version, position) from the params (pygls hands a custom method's params over as
    namedtuples), or None when they are not Copilot's shape."""
    document = getattr(params, "textDocument", None)
    uri = getattr(document, "uri", None)
    version = getattr(document, "version", None)
    position = getattr(params, "position", None)
    line, character = getattr(position, "line", None), getattr(position, "character", None)
    numbers = (line, character) if version is None else (line, character, version)
    if not isinstance(uri, str) or not all(_natural(n) for n in numbers):
        return None
    assert isinstance(line, int) and isinstance(character, int)
    return uri, version if isinstance(version, int) else None, t.Position(line, character)


def _natural(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


async def _suggest(
    ls: GrokServer, uri: str, version: int | None, position: t.Position
) -> dict[str, Any] | None:
    settings = ls.settings.next_edit
    counters = ls.metrics.next_edit
    if not settings.enabled or ls.is_paused():
        return None
    if uri not in ls.workspace.text_documents:
        log.info("next edit asked for a document that is not open: %s", uri)
        return None
    document = ls.workspace.get_text_document(uri)
    asked_version = document.version if version is None else version
    if document.version != asked_version:
        counters.stale += 1
        return None
    if not isinstance(document, LspTextDocument) or unsendable(ls, document) is not None:
        return None
    source = document.source
    cursor = document.offset_at(position)
    edits = document.history.edits
    if not edits or (edits[-1].end == cursor and in_word(source, cursor)):
        counters.dropped += 1  # nothing to continue from, or a word is being typed
        return None
    await asyncio.sleep(settings.debounce_ms / 1000)  # a newer request cancels this one here
    if document.version != asked_version:
        counters.stale += 1  # edited meanwhile: the editor asks again for the new text
        return None
    if not ls.admits(uri + GOVERNOR_SUFFIX, asked_version, True):
        counters.dropped += 1
        return None
    at = target(source, cursor)
    file = file_view(ls, document)
    recent = render(document.history, source)
    the_task = task(file.path, file.language_id, source, at, recent, KEY_MARK in source)
    messages = ls.prompts.with_stable_layers(file, cursor, other_views(ls, uri), the_task)
    request = ChatRequest(
        ls.settings.next_edit_model,
        messages,
        settings.max_tokens,
        temperature=0.0,
        conv_id=ls.conv_id(uri),
    )
    answered = await stream_answer(ls, request)
    counters.record(answered.usage, answered.cost_usd)
    now = ls.workspace.text_documents.get(uri)
    if now is None or now.version != asked_version:
        counters.stale += 1
        return None
    edit = _planned(source, at, answered.text)
    if edit is None:
        return None
    ls.clear_error()
    return _inline_edit(ls, uri, asked_version, source, edit)


def _planned(source: str, at: Target, answer: str) -> Edit | None:
    try:
        parsed = parse_answer(answer)
    except MalformedAnswer as error:
        log.info("next edit: the answer is not a usable rewrite (%s)", error)
        return None
    replacement = restore_secrets(parsed.replacement, at.region.lines_text(source))
    if replacement is None:
        log.info("next edit: the rewrite changes a line holding a credential; none offered")
        return None
    return offered(source, at, replacement)


def _inline_edit(
    ls: GrokServer, uri: str, version: int | None, source: str, edit: Edit
) -> dict[str, Any]:
    encoding = textpos.encoding_name(ls.workspace.position_encoding)
    start = textpos.position_at(source, edit.start, encoding)
    end = textpos.position_at(source, edit.end, encoding)
    return {
        "text": edit.new_text,
        "range": {
            "start": {"line": start.line, "character": start.character},
            "end": {"line": end.line, "character": end.character},
        },
        "textDocument": {"uri": uri, "version": version},
        "command": {
            "title": "Grok: next edit",
            "command": ACCEPTED_COMMAND,
            "arguments": [str(uuid.uuid4())],
        },
    }
