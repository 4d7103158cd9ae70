"""A provider-like prefix cache: which leading prompt tokens would be served from cache.

Each conversation (the `x-grok-conv-id` header) keeps the chained hashes of its prompts'
token blocks: the hash at block k covers tokens `[0, k * block_tokens)`, so a hit at block k
means the whole prefix up to there is byte-identical. A prompt's cached share is its longest
run of leading blocks already held, in whole blocks; its last token is always computed afresh,
as real servers do, so at most `(len(tokens) - 1) // block_tokens` blocks count.

Bounds: conversations are dropped least recently used first; within a conversation, the
deepest blocks go first (they are the least shared), so a long prompt keeps its head. Requests
without a conversation id share one small anonymous bucket that is also the first conversation
dropped: missing the header costs cache hits, as it does at xAI.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence

_ANONYMOUS = "\x00anonymous"


class PrefixCache:
    def __init__(
        self,
        block_tokens: int,
        max_conversations: int,
        max_blocks_per_conversation: int,
        anonymous_max_blocks: int,
    ) -> None:
        self.block_tokens = block_tokens
        self.max_conversations = max_conversations
        self.max_blocks_per_conversation = max_blocks_per_conversation
        self.anonymous_max_blocks = anonymous_max_blocks
        self._conversations: OrderedDict[str, OrderedDict[bytes, None]] = OrderedDict()

    def lookup_and_store(self, conv_id: str | None, tokens: Sequence[str]) -> int:
        """Count the cached leading tokens of `tokens`, then remember all its full blocks."""
        key = conv_id or _ANONYMOUS
        hashes = self._block_hashes(tokens)
        blocks = self._conversations.get(key)
        hits = 0
        if blocks is not None:
            self._conversations.move_to_end(key)
            usable = (len(tokens) - 1) // self.block_tokens
            while hits < usable and hashes[hits] in blocks:
                hits += 1
        self._store(key, hashes)
        return hits * self.block_tokens

    def clear(self) -> None:
        self._conversations.clear()

    def conversation_count(self) -> int:
        return len(self._conversations)

    def block_count(self) -> int:
        return sum(len(blocks) for blocks in self._conversations.values())

    def _block_hashes(self, tokens: Sequence[str]) -> list[bytes]:
        hashes: list[bytes] = []
        digest = b""
        size = self.block_tokens
        for start in range(0, len(tokens) - size + 1, size):
            h = hashlib.blake2b(digest, digest_size=16)
            for token in tokens[start : start + size]:
                data = token.encode("utf-8", "surrogatepass")
                h.update(len(data).to_bytes(4, "little"))
                h.update(data)
            digest = h.digest()
            hashes.append(digest)
        return hashes

    def _store(self, key: str, hashes: list[bytes]) -> None:
        limit = self.anonymous_max_blocks if key == _ANONYMOUS else self.max_blocks_per_conversation
        blocks = self._conversations.setdefault(key, OrderedDict())
        self._conversations.move_to_end(key)
        for digest in reversed(hashes):  # the head ends most recently used
            blocks[digest] = None
            blocks.move_to_end(digest)
        while len(blocks) > limit:
            blocks.popitem(last=False)
        while len(self._conversations) > self.max_conversations:
            victim = _ANONYMOUS if _ANONYMOUS in self._conversations else None
            if victim is None or victim == key:
                victim = next(iter(self._conversations))
            del self._conversations[victim]
