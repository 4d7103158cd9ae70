"""The emulator as the tests read it: its admin client, plus what the last request said."""

from __future__ import annotations

from typing import Any

from grok_lsp.emulator.admin import EmulatorAdmin
from grok_lsp.emulator.responses import chat_request


class Emulator(EmulatorAdmin):
    """The emulator's controls, and readings of the last request in either wire API."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url)
        self.base_url = base_url

    def last_messages(self) -> list[dict[str, Any]]:
        """The messages of the last request in either API, as the emulator read them (on the
        Responses API, `instructions` is the leading system message and `input` the rest)."""
        last = self.stats()["last_request"]
        if last["api"] == "chat":
            return list(last["body"]["messages"])
        translated = chat_request(last["body"])
        assert isinstance(translated, tuple), "the last request was not a valid response body"
        return list(translated[0]["messages"])

    def leading_layers(self) -> list[str]:
        """The last request's system text, and its one user message up to the end of the
        snapshot: the layers every keystroke's prompt must repeat byte for byte."""
        system, user = self.last_messages()
        snapshot, end, _tail = user["content"].partition("</file_snapshot>\n")
        return [system["content"], snapshot + end]

    def last_cache_key(self) -> str | None:
        """What routed the last request to its cache: `x-grok-conv-id` on chat,
        `prompt_cache_key` on the Responses API."""
        last = self.stats()["last_request"]
        if last["api"] == "chat":
            key = last["headers"].get("x-grok-conv-id")
        else:
            key = last["body"].get("prompt_cache_key")
        return key if isinstance(key, str) else None

    def prompt(self) -> str:
        """Every message of the last chat request, joined: whatever the model was shown."""
        request = self.stats()["last_request"]
        return "".join(message["content"] for message in request["body"]["messages"])
