"""The xAI streams recorded in `../shared/fixtures/xai-streams/` (beside the checkout): a
test that reads one is skipped where they are not."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "xai-streams"
FIXTURE_NAMES = [
    "grok-3-mini-text.jsonl",
    "grok-3-mini-tool-call.jsonl",
    "gateway-grok-4.1-fast-non-reasoning.jsonl",
]


def fixture_lines(name: str) -> list[str]:
    path = FIXTURES / name
    if not path.is_file():
        pytest.skip(f"recorded xAI stream {path} not found (/work/shared, beside the repo)")
    return path.read_text(encoding="utf-8").splitlines()
