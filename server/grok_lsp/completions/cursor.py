"""What a suggestion is cut and cleaned against: the text around the cursor, as `CursorContext`.

Pure: from the document's text and the cursor's offset in it. Lines end as LSP's do (`\n`,
`\r\n` or a lone `\r`).
"""

from __future__ import annotations

from grok_lsp import textpos
from grok_lsp.completions.postprocess import CursorContext
from grok_lsp.policy import FOLLOWING_LINES
from grok_lsp.prompt import REGION_LINES_BEFORE_MAX


def cursor_context(source: str, offset: int, max_lines: int) -> CursorContext:
    """The cursor's line split at `offset`; the `FOLLOWING_LINES` lines after it (to trim a
    suggestion that repeats them); and as many lines before it as the prompt's region may
    show (to drop a suggestion that echoes them)."""
    line_from = max(source.rfind("\n", 0, offset), source.rfind("\r", 0, offset)) + 1
    line_to = textpos.line_end(source, offset)
    following_to = line_to
    for _ in range(FOLLOWING_LINES):
        following_to = textpos.line_end(source, min(following_to + 1, len(source)))
    preceding_from = line_from
    for _ in range(REGION_LINES_BEFORE_MAX):
        if preceding_from == 0:
            break
        preceding_from = source.rfind("\n", 0, preceding_from - 1) + 1
    return CursorContext(
        line_prefix=source[line_from:offset],
        line_suffix=source[offset:line_to],
        following=source[line_to + 1 : following_to],
        max_lines=max_lines,
        preceding=source[preceding_from : max(line_from - 1, preceding_from)],
    )
