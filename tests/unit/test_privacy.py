"""Which paths are excluded, and which base URLs may carry the key."""

from __future__ import annotations

import pytest

from grok_lsp.privacy import folds_case, is_excluded, key_in_clear


@pytest.mark.parametrize("fold_case", [True, False])
def test_the_defaults_ignore_case_whatever_the_file_system(fold_case: bool) -> None:
    for path in (".ENV", "deploy/PROD.env", "keys/ID_ED25519", "Credentials.json", "a/b.PFX"):
        assert is_excluded(path, (), fold_case=fold_case), path
    assert not is_excluded("src/environment.py", (), fold_case=fold_case)


def test_user_patterns_ignore_case_only_where_the_file_system_does() -> None:
    assert is_excluded("Private/plan.md", ("private/",), fold_case=True)
    assert not is_excluded("Private/plan.md", ("private/",), fold_case=False)


def test_a_user_pattern_can_take_a_default_back() -> None:
    assert is_excluded(".env.example", (), fold_case=False)
    assert not is_excluded(".env.example", ("!.env.example",), fold_case=False)
    assert is_excluded(".env.local", ("!.env.example",), fold_case=False)


def test_a_case_sensitive_directory_is_told(tmp_path: object) -> None:
    assert folds_case(str(tmp_path)) is False  # Linux file systems, where CI runs


@pytest.mark.parametrize(
    ("url", "in_clear"),
    [
        ("https://api.x.ai/v1", False),
        ("http://127.0.0.1:8080/v1", False),
        ("http://127.3.4.5/v1", False),
        ("http://localhost:11434/v1", False),
        ("http://[::1]:8000/v1", False),
        ("http://10.0.0.5:8000/v1", True),
        ("http://llm.lan/v1", True),
        ("http://localhost.evil.example/v1", True),
        ("not a url at all", False),
    ],
)
def test_a_key_goes_in_clear_only_to_other_hosts_over_http(url: str, in_clear: bool) -> None:
    assert key_in_clear(url) is in_clear
