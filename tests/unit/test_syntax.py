"""Comments and strings before the cursor, per language, on the cursor's line."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grok_lsp.completions.syntax import in_comment_or_string

INSIDE = [
    ("python", "x = 1  # the count of"),
    ("python", "# a comment"),
    ("python", 'name = "Hello, wor'),
    ("python", "name = 'it' + 'and"),
    ("python", 'path = "C:\\\\dir\\\\'),  # escaped backslashes, still inside
    ("python", 'say = "she said \\"hi'),  # an escaped quote does not close
    ("python", 'doc = """Return the'),  # a triple quote opened on this line
    ("python", "s = \"it's # not a comment"),
    ("ruby", "puts 'hello"),
    ("shellscript", "echo $HOME # where"),
    ("shellscript", "echo 'C:\\"),  # no escapes inside single quotes
    ("yaml", "key: value # note"),
    ("toml", 'name = "grok'),
    ("javascript", "const a = 1; // why"),
    ("javascript", "const s = `template ${"),
    ("typescript", "let x = /* the"),
    ("typescriptreact", "const s = 'x"),
    ("c", 'printf("%d'),
    ("java", "int x = 1; /* a */ // b"),
    ("rust", 'let s = "text'),
    ("rust", "// fn main"),
    ("go", "s := `raw \\"),
    ("go", 'fmt.Println("hi'),
    ("lua", "local x = 1 -- the"),
    ("sql", "SELECT * FROM t -- all"),
    ("sql", "WHERE name = 'O''Brien and"),
]
OUTSIDE = [
    ("python", "x = compute("),
    ("python", 'name = "Hello" + '),
    ("python", "s = 'it' + \"s\" + "),
    ("python", 'say = "she said \\"hi\\"" + '),
    ("python", 'doc = """Return."""'),
    ("python", "    return a"),
    ("python", ""),
    ("ruby", "puts 'a' + "),
    ("shellscript", "echo \"$HOME\" '#' "),
    ("javascript", "const url = 'http://x.y'; "),
    ("javascript", "const a = 1 /* note */ + "),
    ("rust", "fn f<'a>(x: &'a str) -> &'a "),  # lifetimes are not strings
    ("go", "x := a / b"),
    ("lua", "local x = a - b"),
    ("sql", "WHERE name = 'O''Brien' AND "),
    # Languages without a known comment style are never suppressed.
    ("plaintext", "don't # stop"),
    ("markdown", "It's a 'quote"),
    ("", "# anything"),
]


@pytest.mark.parametrize(("language", "prefix"), INSIDE)
def test_inside_a_comment_or_a_string(language: str, prefix: str) -> None:
    assert in_comment_or_string(prefix, language)


@pytest.mark.parametrize(("language", "prefix"), OUTSIDE)
def test_in_code(language: str, prefix: str) -> None:
    assert not in_comment_or_string(prefix, language)


def test_the_language_id_is_case_insensitive() -> None:
    assert in_comment_or_string("# x", "Python")


@given(st.text(), st.sampled_from(["python", "javascript", "rust", "go", "lua", "sql", "x"]))
def test_never_raises(prefix: str, language: str) -> None:
    assert in_comment_or_string(prefix, language) in (True, False)
