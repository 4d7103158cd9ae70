"""What is never sent: text that looks like a credential, and text that cannot be encoded.

Every piece of a prompt passes through `scrub` (or `scrub_slice`, for a piece of a larger text)
before it is sent. Each credential is replaced by a fixed placeholder (`masking.MASK`), so the
prompt stays byte-stable across keystrokes (the prompt cache still works) and the model still
sees that something was there. The credentials are recognised by gitleaks' published rules
(`secret_rules.py`), by the few rules below that gitleaks lacks or keeps narrower, and by the
API keys the server holds (`masking.py`). A piece is cut from its text only after the secrets
in and around it are found, so no cut can leave part of a secret readable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from grok_lsp import masking, secret_rules

PLACEHOLDER = masking.MASK
KEY_MARK = "PRIVATE KEY"  # in the first and last line of every PEM and PGP private key block
MARGIN = 4096  # a cut is scanned this far beyond (whole lines), for secrets that cross it

_KEY_BLOCK_EDGE = r"-----{} (?:[A-Z0-9 _-]+ )?PRIVATE KEY(?: BLOCK)?-----"
_BEGIN, _END = _KEY_BLOCK_EDGE.format("BEGIN"), _KEY_BLOCK_EDGE.format("END")
# Matched against a whole text: a block that is not closed runs to the end.
_KEY_BLOCK = re.compile(rf"{_BEGIN}(?:[\s\S]*?{_END}|[\s\S]*\Z)")
_NAME = r"(?:password|passwd|pwd|secret|api_?key|access_?key|auth_?token|token|credential)"
# Each `_NAME` begins with one of these (lower case).
_NAME_KEYWORDS = (
    "passw",
    "pwd",
    "secret",
    "api_key",
    "apikey",
    "access_key",
    "accesskey",
    "auth_token",
    "authtoken",
    "token",
    "credential",
)
Rule = secret_rules.Rule
# Rules gitleaks lacks, or keeps narrower. Like gitleaks', each runs only on a text holding one
# of its keywords (lower case); its secret is the first non-empty group, or the whole match.
OWN_RULES = (
    # Provider API keys and tokens, looser than gitleaks' exact lengths: a key half typed, or
    # split by the cursor, is still one.
    Rule("xai", r"\bxai-[A-Za-z0-9_-]{20,}", ("xai-",)),
    Rule("openai-anthropic", r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}", ("sk-",)),
    Rule("github", r"\bgh[pousr]_[A-Za-z0-9]{30,}", ("gh",)),
    Rule("github-pat", r"\bgithub_pat_[A-Za-z0-9_]{30,}", ("github_pat_",)),
    Rule("slack", r"\bxox[abposr]-[A-Za-z0-9-]{10,}", ("xox",)),
    Rule("aws-key-id", r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b", ("akia", "asia")),
    Rule("google", r"\bAIza[0-9A-Za-z_-]{35}\b", ("aiza",)),
    Rule("jwt", r"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}", ("eyj",)),
    # Azure storage and service bus connection strings.
    Rule("azure", r"(?i:Account|SharedAccess)Key=([A-Za-z0-9+/]{20,}={0,2})", ("key=",)),
    # The private half of a PuTTY key (.ppk): its lines and their MAC.
    Rule("putty", r"Private-Lines: *(\d+\r?\n[\s\S]*?Private-MAC: *[0-9a-fA-F]+)", ("private-",)),
    # Passwords inside connection strings: scheme://user:password@host
    Rule("url-password", r"://([^\s:/@'\"]+:[^\s@/'\"]+)@", ("://",)),
    Rule("bearer", r"[Bb]earer ([A-Za-z0-9._~+/-]{16,}=*)", ("bearer ",)),
    # `password = "…"`, `config['api_key'] = '…'`, `"token": "…"`.
    Rule(
        "quoted-assignment",
        rf"(?i){_NAME}\b[\"'\]]*\s*[:=]\s*([\"'])([^\"'\n]{{8,}})\1",
        _NAME_KEYWORDS,
        secret_group=2,
        at_keywords=True,
    ),
    # A whole line `name = value` or `name: value` (.env, YAML, INI, shell), the value
    # unquoted. To stay off code (`token = next_token()`, `password: str`), the value is one
    # word with a digit or a symbol in it, and no brackets, quotes, `$` (a reference), `<`, `,`.
    Rule(
        "unquoted-assignment",
        rf"(?im)^[ \t]*(?:export[ \t]+|-[ \t]+)?[\w.-]*{_NAME}\b[ \t]*(?::|=)[ \t]*"
        r"((?=[^\s]*[^\sA-Za-z_.])[^\s\"'`()\[\]{}<>,;$#]{6,})[ \t]*(?:#.*)?$",
        _NAME_KEYWORDS,
    ),
)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

Span = tuple[int, int]


@cache
def _by_keyword() -> dict[str, tuple[Rule, ...]]:
    """Every rule by keyword (gitleaks' are read once, at the first scrub)."""
    by_keyword: dict[str, list[Rule]] = {}
    for rule in (*OWN_RULES, *secret_rules.load()):
        for keyword in rule.keywords:
            by_keyword.setdefault(keyword, []).append(rule)
    return {keyword: tuple(rules) for keyword, rules in by_keyword.items()}


def secret_spans(text: str) -> list[Span]:
    """Where the credentials in `text` are: sorted, none overlapping another."""
    spans = [block.span() for block in _KEY_BLOCK.finditer(text)] if KEY_MARK in text else []
    for key in masking.held_for_prompts():
        at = text.find(key)
        while at >= 0:
            spans.append((at, at + len(key)))
            at = text.find(key, at + len(key))
    lowered = text.lower()
    fired = {
        rule.id: rule
        for keyword, rules in _by_keyword().items()
        if keyword in lowered
        for rule in rules
    }
    for rule in fired.values():
        spans += rule.spans(text, lowered)
    return _merged(spans)


def _merged(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        elif end > start:
            merged.append((start, end))
    return merged


def encodable(text: str) -> str:
    """Invalid UTF-16 from a client arrives as lone surrogates, which UTF-8 cannot carry."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def scrub(text: str) -> str:
    return _replaced(text, 0, len(text), secret_spans(text))


def scrub_slice(text: str, start: int, end: int, *, mentions_keys: bool | None = None) -> str:
    """`text[start:end]` scrubbed as part of `text`: a secret that crosses either edge is
    replaced as a whole (its visible part becomes the placeholder), not cut in two.
    `mentions_keys`: whether `text` holds `KEY_MARK`, when the caller knows it (False spares
    searching the whole text for a private key block, which a slice may begin or end in)."""
    before, after = scrub_around(text, start, end, end, mentions_keys=mentions_keys)
    return before + after


def scrub_around(
    text: str, start: int, cursor: int, end: int, *, mentions_keys: bool | None = None
) -> tuple[str, str]:
    """`text[start:cursor]` and `text[cursor:end]`, scrubbed together as part of `text`. A
    secret the cursor is inside of is replaced whole, in the first part: the cursor (and the
    marker put there) sits right after its placeholder."""
    spans = _spans_near(text, start, end, mentions_keys)
    rest = next((e for s, e in spans if s < cursor < e), cursor)  # (the secret's far part)
    return _replaced(text, start, cursor, spans), _replaced(text, min(rest, end), end, spans)


def _spans_near(text: str, start: int, end: int, mentions_keys: bool | None) -> list[Span]:
    """The secrets overlapping `text[start:end]`: the slice is scanned with a margin of whole
    lines (at most `MARGIN` characters) either side, and key blocks in the whole text."""
    floor, ceiling = max(start - MARGIN, 0), min(end + MARGIN, len(text))
    before = text.rfind("\n", floor, start)  # the break before the first line
    before = text.rfind("\n", floor, before) if before > floor else -1
    low = before + 1 if before >= 0 else floor
    after = text.find("\n", end, ceiling)  # the break after the last line
    after = text.find("\n", after + 1, ceiling) if after >= 0 else -1
    high = after + 1 if after >= 0 else ceiling
    spans = [(s + low, e + low) for s, e in secret_spans(text[low:high])]
    if KEY_MARK in text if mentions_keys is None else mentions_keys:
        spans += [block.span() for block in _KEY_BLOCK.finditer(text)]
    return [span for span in _merged(spans) if span[0] < end and span[1] > start]


def _replaced(text: str, start: int, end: int, spans: Iterable[Span]) -> str:
    """`text[start:end]` with each span's part in it replaced by the placeholder."""
    if start >= end:
        return ""
    parts: list[str] = []
    at = start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        parts += [text[at : max(span_start, at)], PLACEHOLDER]
        at = min(span_end, end)
    parts.append(text[at:end])
    return encodable("".join(parts))


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
