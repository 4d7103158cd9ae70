"""Token counts for a request whose usage never came: an early-stopped stream (xAI sends usage
last), or a server that sends none (llama.cpp ignores `stream_options.include_usage`).

Characters per token is calibrated on the recorded xAI streams
(`../shared/fixtures/xai-streams/`), where each streamed delta is one token: 45 characters in
12 deltas, 3.75 per token (`bench/tokens.py`). The old chars/3 counted 25% too many there;
on grok-lsp's own completion prompts, counted by Gemma 3's tokenizer, chars/3 was 19% high and
chars/3.75 is 5% low. The cached part is estimated
from what the server itself last reported under the same conversation id: it knows which of
its prefixes it still holds, and the layered prompt keeps the same share from keystroke to
keystroke.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from grok_lsp.provider.usage import Usage

CHARS_PER_TOKEN = 3.75


def tokens(chars: int) -> int:
    return round(chars / CHARS_PER_TOKEN)


def prompt_chars(messages: Iterable[Mapping[str, str]]) -> int:
    return sum(len(message["content"]) for message in messages)


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request that reached the API (its response began), and what came back of it."""

    conv_id: str | None
    prompt_chars: int
    content_chars: int = 0
    reasoning_chars: int = 0
    usage: Usage | None = None  # as the API reported it, if it did
    model: str | None = None  # as the API echoed it


class UsageEstimator:
    """Reported usage where there is one, else an estimate; remembers each conversation's
    last reported cached share."""

    def __init__(self) -> None:
        self._cached_share: dict[str, float] = {}

    def usage(self, exchange: Exchange) -> tuple[Usage, bool]:
        """The exchange's usage, and whether it is an estimate."""
        conv = exchange.conv_id
        if exchange.usage is not None:
            reported = exchange.usage
            if conv is not None and reported.prompt_tokens > 0:
                self._cached_share[conv] = reported.cached_tokens / reported.prompt_tokens
            return reported, False
        prompt = tokens(exchange.prompt_chars)
        share = self._cached_share.get(conv, 0.0) if conv is not None else 0.0
        estimate = Usage(
            prompt_tokens=prompt,
            cached_tokens=round(prompt * share),
            completion_tokens=tokens(exchange.content_chars),
            reasoning_tokens=tokens(exchange.reasoning_chars),
        )
        return estimate, True

    def forget(self, conv_id: str) -> None:
        self._cached_share.pop(conv_id, None)
