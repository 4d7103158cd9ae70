"""Explanations already paid for: one per diagnostic, kept while its line is unchanged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Explanation:
    key: tuple[str, str, str, str]  # code, source, message, text of the line
    line: int
    start: int  # characters, in the client's encoding, as the diagnostic gave them
    end_line: int
    end: int
    text: str  # markdown
    model: str  # the model that wrote it


class ExplanationStore:
    def __init__(self) -> None:
        self._by_uri: dict[str, dict[tuple[str, str, str, str], Explanation]] = {}

    def get(self, uri: str, key: tuple[str, str, str, str]) -> Explanation | None:
        return self._by_uri.get(uri, {}).get(key)

    def put(self, uri: str, explanation: Explanation) -> None:
        self._by_uri.setdefault(uri, {})[explanation.key] = explanation

    def of(self, uri: str) -> list[Explanation]:
        return list(self._by_uri.get(uri, {}).values())

    def at(self, uri: str, line: int) -> list[Explanation]:
        return [item for item in self.of(uri) if item.line <= line <= item.end_line]

    def keep_matching(self, uri: str, line_at: Callable[[int], str | None]) -> bool:
        """Drop explanations whose line changed (`line_at(n)`: line n now, None if gone);
        True if any were dropped."""
        kept = {
            key: item
            for key, item in self._by_uri.get(uri, {}).items()
            if line_at(item.line) == key[3]
        }
        dropped = len(kept) != len(self._by_uri.get(uri, {}))
        self._by_uri[uri] = kept
        return dropped

    def forget(self, uri: str) -> None:
        self._by_uri.pop(uri, None)
