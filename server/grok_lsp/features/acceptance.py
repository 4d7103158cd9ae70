"""What the editor reports about the suggestions it showed, and the request that follows one.

VS Code and Neovim 0.12 run an inline item's `command` after inserting it:
`grok.didAcceptCompletion` with the suggestion's id. Copilot's protocol adds two notifications
that Copilot-aware clients (and grok-lsp's VS Code extension) send:
`textDocument/didShowCompletion` `{item}` when an item is shown, and
`textDocument/didPartiallyAcceptCompletion` `{item, acceptedLength}` when a part of it (a word,
a line) is. Reports about unknown or malformed items are ignored.

Once a suggestion is accepted the user waits for the next one, so the request for what follows
it goes out at once, before the editor asks: an automatic request like any other (the cost
governor's per-minute cap and daily ceiling apply, one stream per document), without the
debounce. The editor's own request then joins that stream or gets its finished suggestion.
"""

from __future__ import annotations

import logging
from typing import Any

from grok_lsp import textpos
from grok_lsp.acceptance import ACCEPT_COMMAND, Offer
from grok_lsp.features.inline import suggest_at
from grok_lsp.provider.errors import ProviderError
from grok_lsp.server import GrokServer

log = logging.getLogger(__name__)

DID_SHOW = "textDocument/didShowCompletion"
DID_PARTIALLY_ACCEPT = "textDocument/didPartiallyAcceptCompletion"


def item_id(params: Any) -> str | None:
    """The suggestion id in a notification's `item.command.arguments[0]`, if it is one."""
    command = getattr(getattr(params, "item", None), "command", None)
    arguments = getattr(command, "arguments", None)
    if getattr(command, "command", None) != ACCEPT_COMMAND or not isinstance(arguments, list):
        return None
    first = arguments[0] if arguments else None
    return first if isinstance(first, str) else None


def register(server: GrokServer) -> None:
    @server.command(ACCEPT_COMMAND)
    def did_accept(ls: GrokServer, *arguments: Any) -> None:
        key = arguments[0] if arguments else None
        offer = ls.metrics.acceptance.saw_accepted(key) if isinstance(key, str) else None
        if offer is not None and ls.settings.completion.speculate_after_accept:
            ls.spawn(_follow(ls, offer))

    @server.feature(DID_SHOW)
    def did_show(ls: GrokServer, params: Any) -> None:
        if (key := item_id(params)) is not None:
            ls.metrics.acceptance.saw_shown(key)

    @server.feature(DID_PARTIALLY_ACCEPT)
    def did_partially_accept(ls: GrokServer, params: Any) -> None:
        if (key := item_id(params)) is not None:
            ls.metrics.acceptance.saw_partially_accepted(key)


async def _follow(ls: GrokServer, offer: Offer) -> None:
    """Ask for what follows an accepted suggestion, if the document holds it by now."""
    document = ls.workspace.text_documents.get(offer.uri)
    source = document.source if document is not None else ""
    if not source[: offer.end].endswith(offer.tail):
        log.debug("accepted suggestion not (yet) in %s: no request ahead", offer.uri)
        return
    position = textpos.position_at(
        source, offer.end, textpos.encoding_name(ls.workspace.position_encoding)
    )
    ls.metrics.speculative_requests += 1
    try:
        await suggest_at(ls, offer.uri, position, automatic=True, debounce=False)
    except ProviderError as error:
        ls.report_error(error, "completion")
