"""gitleaks' published secret rules, read as Python regular expressions.

`rules/gitleaks.toml` is gitleaks' default configuration, copied unchanged from
github.com/gitleaks/gitleaks (config/gitleaks.toml at commit b58d3f1, July 2026; MIT licence,
`rules/gitleaks-LICENSE`). To update the rules, replace that file. Each rule has keywords, of
which one must appear (case-insensitively) before its regex runs: that is what keeps a scrub
of a prompt cheap with two hundred rules. Like gitleaks, a rule's secret is its first
non-empty capture group (or `secretGroup`), and a rule with an `entropy` keeps only secrets
whose Shannon entropy is above it. The per-rule allowlists are not applied (masking too much
is the safe side).
"""

from __future__ import annotations

import math
import re
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources

# gitleaks' catch-all rule: any assignment to a name like `key` with an entropic value. It
# needs gitleaks' stopword lists to stay quiet on ordinary code; `redaction.py` has its own
# narrower assignment rules instead.
SKIPPED = frozenset({"generic-api-key"})


@dataclass(slots=True)
class Rule:
    id: str
    source: str
    keywords: tuple[str, ...]
    secret_group: int = 0
    entropy: float = 0.0
    # Every match starts at one of the keywords: the regex is tried there only, not at every
    # offset (much cheaper for a pattern without a literal prefix, such as `(?i)a|b`).
    at_keywords: bool = False
    _compiled: re.Pattern[str] | None = field(default=None, repr=False)

    @property
    def regex(self) -> re.Pattern[str]:
        """Compiled on first use: most rules never see one of their keywords."""
        if self._compiled is None:
            with warnings.catch_warnings():  # "possible nested set": `[[` is literal in RE2
                warnings.simplefilter("ignore", FutureWarning)
                self._compiled = re.compile(self.source)
        return self._compiled

    def spans(self, text: str, lowered: str) -> list[tuple[int, int]]:
        """Where this rule's secrets are in `text` (`lowered`: `text.lower()`)."""
        found: list[tuple[int, int]] = []
        for match in self._matches(text, lowered):
            group = self.secret_group or next(
                (index for index in range(1, len(match.groups()) + 1) if match.group(index)), 0
            )
            secret = match.group(group)
            if secret and (not self.entropy or shannon_entropy(secret) > self.entropy):
                found.append(match.span(group))
        return found

    def _matches(self, text: str, lowered: str) -> Iterator[re.Match[str]]:
        if not self.at_keywords or len(lowered) != len(text):  # (a few characters lengthen)
            yield from self.regex.finditer(text)
            return
        for keyword in self.keywords:
            at = lowered.find(keyword)
            while at >= 0:
                if match := self.regex.match(text, at):
                    yield match
                at = lowered.find(keyword, at + 1)


_FLAGS = re.compile(r"\(\?([a-zA-Z]+)\)")


def shannon_entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def from_go(pattern: str) -> str:
    """An RE2 pattern as a Python one. RE2 allows flags such as `(?i)` mid-pattern, applying
    to the rest of the enclosing group; Python wants them scoped: `(?i:rest)`. RE2's `\\z` is
    Python's `\\Z`."""
    out: list[str] = []
    closers = [0]  # per open group (the whole pattern first): scoped-flag groups to close
    at, in_class = 0, False
    while at < len(pattern):
        char = pattern[at]
        flags = _FLAGS.match(pattern, at)
        if char == "\\":
            escaped = pattern[at : at + 2]
            out.append("\\Z" if escaped == "\\z" else escaped)
            at += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            opening = re.match(r"\[\^?\]?", pattern[at:])
            assert opening is not None  # (a `]` first in a class is literal)
            out.append(opening[0])
            at += len(opening[0])
            continue
        elif flags and at > 0:  # (a leading one is fine in Python)
            out.append(f"(?{flags[1]}:")
            closers[-1] += 1
            at += len(flags[0])
            continue
        elif char == "(":
            closers.append(0)
        elif char == ")" and len(closers) > 1:
            out.append(")" * closers.pop())
        out.append(char)
        at += 1
    out.append(")" * closers[0])
    return "".join(out)


def load() -> tuple[Rule, ...]:
    """Every content rule of gitleaks' configuration (each compiles as Python: a unit test
    checks)."""
    import tomllib  # here, at the first scrub: not among what `initialize`'s answer waits for

    config = tomllib.loads(resources.files("grok_lsp").joinpath("rules/gitleaks.toml").read_text())
    rules: list[Rule] = []
    for entry in config["rules"]:
        if "regex" not in entry or entry["id"] in SKIPPED:
            continue  # a rule on file names only (those are `grok.exclude`'s job)
        rule = Rule(
            entry["id"],
            from_go(entry["regex"]),
            tuple(keyword.lower() for keyword in entry.get("keywords", ())),
            entry.get("secretGroup", 0),
            entry.get("entropy", 0.0),
        )
        rules.append(rule)
    return tuple(rules)
