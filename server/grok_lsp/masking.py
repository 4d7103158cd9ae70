"""The one mask for secrets, and the keys the server has held.

Every key the server was ever given (from the environment, `initializationOptions` or the
editor's settings) is remembered for the life of the process: after `grok.apiKey` changes, an
upstream that echoes the previous key, a log line or a message quoting it still shows `MASK`.
Credentials found in files are replaced by the same string (`redaction.scrub`).
"""

from __future__ import annotations

import re

MASK = "<redacted-secret>"
# Long enough to be a real credential: a held key shorter than this (Ollama's conventional
# `ollama`, a `none`) is masked in messages but not in prompts, where it would blank every
# mention of the word in the user's code.
PROMPT_KEY_CHARS = 16

_XAI_KEY_SHAPE = re.compile(r"xai-[A-Za-z0-9_-]{8,}")
_held: set[str] = set()


def hold(secret: str | None) -> None:
    """Mask `secret` from now on, wherever text leaves the server."""
    if secret and len(secret) >= 4:
        _held.add(secret)


def held_for_prompts() -> list[str]:
    """The held keys a prompt must not carry, longest first (a key that contains another is
    masked whole)."""
    return sorted((key for key in _held if len(key) >= PROMPT_KEY_CHARS), key=len, reverse=True)


def mask(text: str, *secrets: str | None) -> str:
    """`text` with every held key, each of `secrets` and anything shaped like an xAI key
    replaced by `MASK`. A masked echo such as xAI's `xai-****abcd` is left as it is."""
    for secret in sorted({*_held, *filter(None, secrets)}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return _XAI_KEY_SHAPE.sub(MASK, text)
