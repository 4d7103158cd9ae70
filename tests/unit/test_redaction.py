"""Credentials never reach a prompt; what remains is stable and encodable."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grok_lsp import masking, secret_rules
from grok_lsp.redaction import PLACEHOLDER, scrub, scrub_slice


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (
            'XAI_API_KEY = "xai-AbCdEfGhIjKlMnOpQrStUvWxYz0123"',
            "xai-AbCdEfGhIjKlMnOpQrStUvWxYz0123",
        ),
        (
            "key = sk-proj-abcdefghijklmnopqrstuvwxyz123456",
            "sk-proj-abcdefghijklmnopqrstuvwxyz123456",
        ),
        (
            "token: ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        ),
        ("aws = AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
        ('DB = "postgres://app:s3cr3t-pass@db.internal:5432/app"', "s3cr3t-pass"),
        ("Authorization: Bearer abcdef0123456789abcdef", "abcdef0123456789abcdef"),
        ('password = "correct horse battery"', "correct horse battery"),
        ("config['api_key'] = 'k-1234567890abc'", "k-1234567890abc"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAK\n-----END RSA PRIVATE KEY-----",
            "MIIEow",
        ),
    ],
)
def test_credentials_are_replaced(text: str, secret: str) -> None:
    scrubbed = scrub(text)
    assert secret not in scrubbed
    assert PLACEHOLDER in scrubbed


def test_ordinary_code_is_left_alone() -> None:
    code = "def token_count(text: str) -> int:\n    password_hint = get()\n    return len(text)\n"
    assert scrub(code) == code


def test_lone_surrogates_become_encodable() -> None:
    assert scrub("a\ud800b").encode("utf-8") == "a\ufffdb".encode()


@given(st.text())
def test_scrub_is_stable_and_always_encodable(text: str) -> None:
    once = scrub(text)
    assert scrub(once) == once
    once.encode("utf-8")


KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nx9secretbody\n-----END RSA PRIVATE KEY-----"
)


def test_a_slice_that_cuts_a_key_block_keeps_none_of_it() -> None:
    text = f"before\n{KEY}\nafter"
    for start in range(len(text)):
        for end in range(start, len(text) + 1):
            fragment = scrub_slice(text, start, end)
            assert "AKCAQ" not in fragment and "x9sec" not in fragment
    assert scrub_slice(text, 0, 6) == "before"
    assert scrub_slice(text, len(text) - 5, len(text)) == "after"
    assert scrub_slice("x = 1\ny = 2", 2, 9) == "= 1\ny ="


def test_a_short_held_key_is_masked_in_messages_but_not_in_code() -> None:
    """An OpenAI-compatible server's placeholder key (`ollama`) is no secret: masking it in
    prompts would blank the word in the user's code."""
    masking.hold("ollama")
    assert scrub("import ollama\n") == "import ollama\n"
    assert masking.mask("key ollama") == f"key {PLACEHOLDER}"


def test_every_gitleaks_rule_compiles_as_python() -> None:
    rules = secret_rules.load()
    assert len(rules) > 200  # the published set, less the file-name and catch-all rules
    for rule in rules:
        assert rule.regex.pattern and rule.keywords, rule.id


@pytest.mark.parametrize(
    ("go", "python"),
    [
        (r"\b(SG\.(?i)[a-z0-9]{66})(?:x|$)", r"\b(SG\.(?i:[a-z0-9]{66}))(?:x|$)"),
        (r"(?i)abc", r"(?i)abc"),
        (r"ab(?i)cd", r"ab(?i:cd)"),
        (r"[(?i)]x\z", r"[(?i)]x\Z"),
    ],
)
def test_go_flags_mid_pattern_become_scoped_groups(go: str, python: str) -> None:
    assert secret_rules.from_go(go) == python


@given(st.text(alphabet="ab'\"=:\n -_", max_size=40), st.integers(0, 90), st.integers(0, 90))
def test_no_slice_shows_a_piece_of_a_secret(text: str, start: int, end: int) -> None:
    """Wherever the cuts fall, even inside the secret (its letters are not in `text`)."""
    secret = "cdefgh1234"
    whole = f"{text}\npassword = '{secret}'\n{text}"
    start, end = sorted((min(start, len(whole)), min(end, len(whole))))
    piece = scrub_slice(whole, start, end)
    assert not any(secret[at : at + 3] in piece for at in range(len(secret) - 2)), piece
