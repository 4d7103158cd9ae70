"""A deterministic stand-in tokenizer: about 4 characters per token on code.

Pieces are words (with one optional leading space), numbers, single punctuation marks and
whitespace runs. Words and numbers longer than `MAX_PIECE` characters are cut into chunks of
`CHUNK`, whitespace runs into chunks of `MAX_SPACE`. Joining the tokens of a text gives the
text back, byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

MAX_PIECE = 12
CHUNK = 6
MAX_SPACE = 16
_PIECE = re.compile(r" ?[^\W\d]\w*| ?\d+| ?[^\w\s]|\s+")


def tokenize(text: str) -> list[str]:
    """Split `text` into tokens; `"".join(tokenize(t)) == t` for every string."""
    tokens: list[str] = []
    for match in _PIECE.finditer(text):
        piece = match.group()
        limit, size = (MAX_SPACE, MAX_SPACE) if piece.isspace() else (MAX_PIECE, CHUNK)
        if len(piece) <= limit:
            tokens.append(piece)
        else:
            tokens.extend(piece[i : i + size] for i in range(0, len(piece), size))
    return tokens


def message_text(message: Mapping[str, Any]) -> str:
    """The text of one chat message: `content` as a string or a list of text parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, Mapping))
    return ""


def prompt_tokens(messages: Iterable[Mapping[str, Any]]) -> list[str]:
    """The prompt as the model sees it: each message as `<|role|>`, its tokens, `<|end|>`.

    Messages are tokenized one by one, so a byte-identical run of leading messages always
    gives identical leading tokens (what makes a prefix cacheable). An assistant turn's
    `reasoning_content`, when sent back, counts as part of the prompt, as it does at xAI.
    """
    tokens: list[str] = []
    for message in messages:
        tokens.append(f"<|{message.get('role', 'user')}|>")
        reasoning = message.get("reasoning_content")
        if isinstance(reasoning, str) and reasoning:
            tokens.append("<|think|>")
            tokens.extend(tokenize(reasoning))
            tokens.append("<|/think|>")
        tokens.extend(tokenize(message_text(message)))
        tokens.append("<|end|>")
    return tokens
