"""The stand-in tokenizer and the prefix cache: block math, conversations, bounds."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from grok_lsp.emulator.cache import PrefixCache
from grok_lsp.emulator.tokens import prompt_tokens, tokenize

B = 4


def cache(conversations: int = 8, per_conversation: int = 1000, anonymous: int = 2) -> PrefixCache:
    return PrefixCache(B, conversations, per_conversation, anonymous)


def toks(n: int, tag: str = "t") -> list[str]:
    return [f"{tag}{i}" for i in range(n)]


@given(st.text())
def test_tokenize_is_lossless(text: str) -> None:
    assert "".join(tokenize(text)) == text


def test_tokenize_is_about_four_chars_per_token_on_code() -> None:
    code = (
        "def load_config(path: str) -> dict[str, str]:\n"
        "    result: dict[str, str] = {}\n"
        "    with open(path, encoding='utf-8') as handle:\n"
        "        for line in handle:\n"
        "            key, _, value = line.partition('=')\n"
        "            result[key.strip()] = value.strip()\n"
        "    return result\n"
    ) * 5
    assert 3.0 <= len(code) / len(tokenize(code)) <= 5.0


def test_identical_leading_messages_give_identical_leading_tokens() -> None:
    first = [{"role": "system", "content": "rules"}, {"role": "user", "content": "a b c"}]
    longer = [*first, {"role": "assistant", "content": "x"}, {"role": "user", "content": "y"}]
    head = prompt_tokens(first)
    assert prompt_tokens(longer)[: len(head)] == head
    parts = [{"role": "user", "content": [{"type": "text", "text": "a b c"}]}]
    assert prompt_tokens(parts) == prompt_tokens([{"role": "user", "content": "a b c"}])


def test_first_request_is_cold_and_a_repeat_hits_whole_blocks() -> None:
    c = cache()
    assert c.lookup_and_store("a", toks(10)) == 0
    # 10 tokens: blocks [0,4) and [4,8) are held; the last token is always computed.
    assert c.lookup_and_store("a", toks(10)) == 8


def test_appending_grows_the_cached_prefix_block_by_block() -> None:
    c = cache()
    c.lookup_and_store("a", toks(9))
    assert c.lookup_and_store("a", toks(14)) == 8  # 2 blocks held from the 9-token prompt
    assert c.lookup_and_store("a", toks(30)) == 12  # 3 blocks held from the 14-token prompt
    # An exact multiple: the last block holds the last token, which is never served cached.
    assert c.lookup_and_store("a", toks(12)) == 8


def test_another_conversation_or_an_early_change_is_cold() -> None:
    c = cache()
    c.lookup_and_store("a", toks(20))
    assert c.lookup_and_store("b", toks(20)) == 0
    changed = ["x", *toks(20)[1:]]
    assert c.lookup_and_store("a", changed) == 0
    late_change = [*toks(20)[:10], "y", *toks(20)[11:]]
    assert c.lookup_and_store("a", late_change) == 8


def test_conversations_are_dropped_least_recently_used_first() -> None:
    c = cache(conversations=2)
    c.lookup_and_store("a", toks(9))
    c.lookup_and_store("b", toks(9))
    c.lookup_and_store("a", toks(9))  # a is now more recent than b
    c.lookup_and_store("c", toks(9))
    assert c.conversation_count() == 2
    assert c.lookup_and_store("b", toks(9)) == 0
    assert c.lookup_and_store("c", toks(9)) == 8


def test_the_anonymous_bucket_is_small_shared_and_dropped_first() -> None:
    c = cache(conversations=2, anonymous=2)
    c.lookup_and_store(None, toks(40))
    assert c.lookup_and_store(None, toks(40)) == 2 * B  # only its head blocks stay
    c.lookup_and_store(None, toks(40, "other"))  # another header-less prompt evicts them
    assert c.lookup_and_store(None, toks(40)) == 0
    c.lookup_and_store("a", toks(9))
    c.lookup_and_store("b", toks(9))  # over the bound: anonymous goes, not "a"
    assert c.lookup_and_store("a", toks(9)) == 8


def test_a_long_prompt_keeps_its_head_when_over_the_block_bound() -> None:
    c = cache(per_conversation=3)
    c.lookup_and_store("a", toks(40))
    assert c.block_count() == 3
    assert c.lookup_and_store("a", toks(40)) == 3 * B
