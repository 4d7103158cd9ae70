"""The suggestion ids acceptance is counted by: pure, so checked with hypothesis."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from grok_lsp.acceptance import Acceptance, offer_key
from grok_lsp.features.inline import alternatives

URI = "file:///work/demo.py"
texts = st.text(alphabet="ab \n:😀\ud800", max_size=300)  # a lone surrogate, as editors send


@given(texts, texts.filter(bool), st.integers(min_value=0, max_value=300))
def test_typing_through_a_suggestion_keeps_its_id(before: str, text: str, typed: int) -> None:
    typed = min(typed, len(text) - 1)
    acceptance = Acceptance()
    first = acceptance.offer(URI, len(before), before, text)
    rest = acceptance.offer(URI, len(before) + typed, (before + text[:typed])[-256:], text[typed:])
    assert rest == first and acceptance.offered == 1


short = st.text(
    alphabet="ab \n:😀\ud800", min_size=1, max_size=128
)  # within the tail the id hashes


@given(texts, short, short)
def test_other_text_before_or_another_suggestion_is_another_id(
    before: str, text: str, other: str
) -> None:
    key = offer_key(URI, len(before), before, text)[0]
    if other != text:
        assert offer_key(URI, len(before), before, other)[0] != key
    assert offer_key(URI, len(before) + 1, "x" + before, text)[0] != key
    assert offer_key("file:///work/other.py", len(before), before, text)[0] != key


@given(texts, texts.filter(bool))
def test_typed_through_from_the_pipelines_anchor_finds_the_offer(before: str, text: str) -> None:
    acceptance = Acceptance()
    key = acceptance.offer(URI, len(before), before[-256:], text)  # what the inline feature keeps
    acceptance.typed_through(URI, len(before), before[-256:], text)  # what an Anchor keeps
    assert acceptance.accepted == 1
    assert acceptance.saw_accepted(key) is None  # counted once: a later command is a repeat
    assert acceptance.accepted == 1


def test_only_known_offers_count_and_each_outcome_once() -> None:
    acceptance = Acceptance()
    key = acceptance.offer(URI, 6, "def f(", "x):")
    other = acceptance.offer(URI, 6, "def f(", "x", alternative=True)
    for _ in range(2):
        acceptance.saw_shown(key)
        acceptance.saw_shown(other)  # cycled to: the same suggestion shown
        acceptance.saw_partially_accepted(key)
        acceptance.saw_shown("unknown")
    assert acceptance.saw_accepted("unknown") is None
    assert acceptance.saw_accepted(key) is not None
    assert acceptance.snapshot() == {
        "offered": 1,
        "shown": 1,
        "accepted": 1,
        "partiallyAccepted": 1,
        "acceptanceRate": 1.0,
        "acceptanceBasis": "shown",
    }


def test_no_rate_before_anything_was_offered() -> None:
    assert Acceptance().snapshot()["acceptanceRate"] is None


@given(st.lists(st.text(alphabet="ab :", max_size=8), min_size=1, max_size=5))
def test_alternatives_are_the_block_then_its_first_line_of_code(lines: list[str]) -> None:
    text = "\n".join(lines)
    choices = alternatives(text)
    assert choices[0] == text and len(set(choices)) == len(choices)
    for shorter in choices[1:]:
        assert text.startswith(shorter) and shorter.strip()
        assert len([line for line in shorter.split("\n") if line.strip()]) == 1
