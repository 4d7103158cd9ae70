"""The XML-ish tags grok-lsp's prompts use to mark a task, and how to find them.

The task comes last in the user message, but the same tag names may appear earlier inside a
quoted file (even unbalanced, as in grok-lsp's own prompt code). So a tag is found from the
end: the last closing tag, then the last opening tag before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CURSOR = "<|cursor|>"
_ATTR = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class Tag:
    attrs: dict[str, str]
    body: str


def last_tag(name: str, text: str) -> Tag | None:
    """The last `<name attrs>body</name>` in `text`; one newline inside each end is dropped."""
    close = text.rfind(f"</{name}>")
    if close < 0:
        return None
    opening = None
    for opening in re.finditer(rf"<{name}(\s[^>]*)?>", text[:close]):  # noqa: B007 - want the last
        pass
    if opening is None:
        return None
    body = text[opening.end() : close].removeprefix("\n").removesuffix("\n")
    return Tag(dict(_ATTR.findall(opening[1] or "")), body)
