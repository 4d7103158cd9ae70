"""What is never sent: text that looks like a credential, and text that cannot be encoded.

Every prompt passes through `scrub` just before it is sent. Each credential-shaped string is
replaced by a fixed placeholder, so the prompt stays byte-stable across keystrokes (the prompt
cache still works) and the model still sees that something was there.
"""

from __future__ import annotations

import re

PLACEHOLDER = "<redacted-secret>"

_PATTERNS = [
    # PEM private keys, whole blocks.
    r"-----BEGIN (?:[A-Z ]+ )?PRIVATE KEY-----[\s\S]*?-----END (?:[A-Z ]+ )?PRIVATE KEY-----",
    # Provider API keys and tokens with well-known prefixes.
    r"\bxai-[A-Za-z0-9_-]{20,}",
    r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}",
    r"\bgh[pousr]_[A-Za-z0-9]{30,}",
    r"\bgithub_pat_[A-Za-z0-9_]{30,}",
    r"\bxox[abposr]-[A-Za-z0-9-]{10,}",
    r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b",
    r"\bAIza[0-9A-Za-z_-]{35}\b",
    r"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",  # JWT
    # Passwords inside connection strings: scheme://user:password@host
    r"(?<=://)[^\s:/@'\"]+:[^\s@/'\"]+(?=@)",
    # Bearer tokens in headers.
    r"(?<=[Bb]earer )[A-Za-z0-9._~+/-]{16,}=*",
]
_ASSIGNED = re.compile(
    r"(?i)(?P<name>\b[\w.-]*(?:password|passwd|secret|api_?key|access_?key|auth_?token|token)\b"
    r"[\"'\]]*\s*[:=]\s*)(?P<quote>[\"'])(?P<value>[^\"'\n]{8,})(?P=quote)"
)
_SECRET = re.compile("|".join(f"(?:{pattern})" for pattern in _PATTERNS))
_KEY_BLOCK = re.compile(
    r"-----BEGIN (?:[A-Z ]+ )?PRIVATE KEY-----(?:[\s\S]*?-----END (?:[A-Z ]+ )?PRIVATE KEY-----|"
    r"[\s\S]*\Z)"
)
KEY_MARK = "PRIVATE KEY-----"  # in every private key block's first and last line
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub(text: str) -> str:
    text = _SECRET.sub(PLACEHOLDER, text)
    text = _ASSIGNED.sub(
        lambda match: f"{match['name']}{match['quote']}{PLACEHOLDER}{match['quote']}", text
    )
    # Invalid UTF-16 from a client arrives as lone surrogates, which UTF-8 cannot carry.
    return _LONE_SURROGATE.sub("\ufffd", text)


def excerpt(text: str, start: int, end: int, *, mentions_keys: bool | None = None) -> str:
    """`text[start:end]` with any part of a private key block in it replaced.

    A slice of a file can begin or end inside a key block, or lie wholly within one, where no
    pattern could recognise what it holds; the blocks are found in the whole text instead (only
    when it mentions a private key at all, so the usual file costs one substring search).
    `mentions_keys`: whether `text` holds `KEY_MARK`, when the caller knows it (False spares
    that search, which is most of the cost of an excerpt of a large file).
    """
    if not (KEY_MARK in text if mentions_keys is None else mentions_keys):
        return text[start:end]
    parts: list[str] = []
    at = start
    for block in _KEY_BLOCK.finditer(text):
        if block.end() <= start or block.start() >= end:
            continue
        parts += [text[at : max(block.start(), at)], PLACEHOLDER]
        at = min(block.end(), end)
    parts.append(text[at:end])
    return "".join(parts)


def restore_secrets(answer: str, original: str) -> str | None:
    """The model's rewrite of `original` (which it saw scrubbed) with the credentials put back.

    A line of `answer` that reads exactly as a scrubbed line of `original` is that line, secret
    and all. None if a placeholder is left anywhere else: the model changed a line holding a
    credential it never saw, so no edit of it can be right (and the placeholder must never be
    written into the user's file).
    """
    if PLACEHOLDER not in answer:
        return answer
    hidden = {scrub(line): line for line in original.split("\n")}
    lines = [hidden.get(line, line) if PLACEHOLDER in line else line for line in answer.split("\n")]
    if any(PLACEHOLDER in line for line in lines):
        return None
    return "\n".join(lines)
