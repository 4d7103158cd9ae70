"""Is the cursor inside a comment or a string? A cheap heuristic on the cursor's line alone.

For `completion.suppressInCommentsAndStrings`: automatic suggestions there are mostly noise.
The line before the cursor is scanned left to right: a quote opens a string that the same
unescaped quote closes, and a comment marker outside a string comments out the rest of the
line. What spans lines (block comments and strings opened on an earlier line, Python
docstrings) is not seen; a block comment opened and not closed on this line is. Languages not
listed here are never suppressed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class _Style:
    line_comments: tuple[str, ...]
    quotes: str  # characters that open and close a string
    raw_quotes: str = ""  # quotes inside which a backslash escapes nothing
    block_comment: tuple[str, str] | None = None


_HASH = _Style(("#",), "\"'")
_SHELL = _Style(("#",), "\"'`", raw_quotes="'")
_C_LIKE = _Style(("//",), "\"'", block_comment=("/*", "*/"))
_JS = _Style(("//",), "\"'`", block_comment=("/*", "*/"))
_GO = _Style(("//",), "\"'`", raw_quotes="`", block_comment=("/*", "*/"))
_RUST = _Style(("//",), '"', block_comment=("/*", "*/"))  # `'` also starts lifetimes
_DASHES = _Style(("--",), "\"'")
_SQL = _Style(("--",), "'\"", raw_quotes="'", block_comment=("/*", "*/"))

_STYLES: dict[str, _Style] = {
    **dict.fromkeys(("python", "ruby", "perl", "r", "elixir", "toml", "yaml"), _HASH),
    **dict.fromkeys(("shellscript", "sh", "bash", "zsh", "fish", "dockerfile", "makefile"), _SHELL),
    **dict.fromkeys(
        ("c", "cpp", "csharp", "java", "kotlin", "scala", "swift", "dart", "objective-c"), _C_LIKE
    ),
    **dict.fromkeys(
        ("javascript", "typescript", "javascriptreact", "typescriptreact", "jsonc"), _JS
    ),
    "go": _GO,
    "rust": _RUST,
    **dict.fromkeys(("lua", "haskell"), _DASHES),
    **dict.fromkeys(("sql", "plsql", "mysql", "postgres"), _SQL),
}


def in_comment_or_string(line_prefix: str, language_id: str) -> bool:
    """True when the text before the cursor on its line leaves the cursor in a comment or in a
    string literal of `language_id` (an LSP language identifier)."""
    style = _STYLES.get(language_id.lower())
    if style is None:
        return False
    quote = ""  # the quote of the string we are in
    index = 0
    while index < len(line_prefix):
        char = line_prefix[index]
        if quote:
            if char == "\\" and quote not in style.raw_quotes:
                index += 2  # an escaped character, whatever it is
                continue
            if char == quote:
                quote = ""
        elif char in style.quotes:
            quote = char
        elif any(line_prefix.startswith(marker, index) for marker in style.line_comments):
            return True
        elif style.block_comment and line_prefix.startswith(style.block_comment[0], index):
            end = line_prefix.find(style.block_comment[1], index + len(style.block_comment[0]))
            if end < 0:
                return True
            index = end + len(style.block_comment[1])
            continue
        index += 1
    return bool(quote)
