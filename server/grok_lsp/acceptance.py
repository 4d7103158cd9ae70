"""What became of the suggestions offered: shown, accepted in full, accepted in part.

Each suggestion gets an id that stays the same while the user types through it (the editor is
then offered the rest of it, each time a new item): the id is taken from where the suggestion
ends in the document and the text just before that end, which typing through does not change.
Editors report on items by that id: VS Code and Neovim run an item's `command` once it is
accepted, and Copilot-aware clients send `textDocument/didShowCompletion` and
`textDocument/didPartiallyAcceptCompletion`. Each suggestion is counted at most once per
outcome, however many items carried it.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

ACCEPT_COMMAND = "grok.didAcceptCompletion"
_TAIL_CHARS = 128  # text before a suggestion's end that identifies it (at most the anchor's 256)
_REMEMBERED = 256  # suggestions remembered, newest kept


@dataclass
class Offer:
    uri: str
    end: int  # offset in the document, in characters, where the suggestion ends
    tail: str  # the document's text up to `end` once the suggestion is in, its last characters
    alternative: bool = False  # offered to cycle to: its showing is not one more suggestion
    shown: bool = False
    partially_accepted: bool = False
    accepted: bool = False


def offer_key(uri: str, at: int, before: str, text: str) -> tuple[str, int, str]:
    """The id, end and tail of a suggestion `text` offered at offset `at` of `uri`, where the
    document's text before `at` ends with `before` (at least its last 128 characters)."""
    end = at + len(text)
    tail = (before[-_TAIL_CHARS:] + text)[-_TAIL_CHARS:]
    # surrogatepass: an editor may send lone surrogates (invalid UTF-16), kept in the copy.
    key = f"{uri}\0{end}\0{tail}".encode("utf-8", "surrogatepass")
    digest = hashlib.blake2b(key, digest_size=8).hexdigest()
    return digest, end, tail


class Acceptance:
    def __init__(self) -> None:
        self._offers: OrderedDict[str, Offer] = OrderedDict()
        self.offered = 0
        self.shown = 0
        self.accepted = 0
        self.partially_accepted = 0

    def offer(self, uri: str, at: int, before: str, text: str, alternative: bool = False) -> str:
        """Record that `text` was offered at offset `at`, after `before` (as in `offer_key`);
        returns its id. An alternative to cycle to is not one more suggestion offered or shown."""
        key, end, tail = offer_key(uri, at, before, text)
        if key in self._offers:
            self._offers.move_to_end(key)
        else:
            self._offers[key] = Offer(uri, end, tail, alternative)
            self.offered += 0 if alternative else 1
            while len(self._offers) > _REMEMBERED:
                self._offers.popitem(last=False)
        return key

    def saw_shown(self, key: str) -> None:
        if (offer := self._offers.get(key)) is not None and not offer.shown:
            offer.shown = True
            self.shown += 0 if offer.alternative else 1

    def saw_partially_accepted(self, key: str) -> None:
        offer = self._offers.get(key)
        if offer is not None and not offer.partially_accepted and not offer.accepted:
            offer.partially_accepted = True
            self.partially_accepted += 1

    def saw_accepted(self, key: str) -> Offer | None:
        """The offer accepted, the first time it is reported; None for unknown or repeats."""
        offer = self._offers.get(key)
        if offer is None or offer.accepted:
            return None
        offer.accepted = True
        self.accepted += 1
        return offer

    def typed_through(self, uri: str, at: int, before: str, text: str) -> None:
        """The user typed (or accepted) all of a suggestion offered at `at`: accepted, for
        clients that report nothing (completion items), unless already counted."""
        self.saw_accepted(offer_key(uri, at, before, text)[0])

    def snapshot(self) -> dict[str, Any]:
        """camelCase for `grok/stats`. The rate is over the suggestions shown where the editor
        reports showing them (VS Code), else over those offered (Neovim, Helix, ...)."""
        basis, base = ("shown", self.shown) if self.shown else ("offered", self.offered)
        return {
            "offered": self.offered,
            "shown": self.shown,
            "accepted": self.accepted,
            "partiallyAccepted": self.partially_accepted,
            "acceptanceRate": round(self.accepted / base, 4) if base else None,
            "acceptanceBasis": basis,
        }
