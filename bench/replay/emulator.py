"""The bench's side of the in-process emulator: what its prefix cache saw, request by request,
and its counters added to a session's result."""

from __future__ import annotations

import bisect
import time
from collections.abc import Sequence
from typing import Any, NamedTuple

from bench.replay.results import SessionResult
from grok_lsp.emulator.cache import PrefixCache


class Seen(NamedTuple):
    at: float  # time.perf_counter(), the same clock as the keystrokes'
    conv_id: str | None
    prompt: int
    cached: int


SEEN: list[Seen] = []


def instrument_cache() -> None:
    """Record every lookup of the in-process emulator's prefix cache (bench-side only)."""
    original = PrefixCache.lookup_and_store
    if getattr(original, "_replay", False):
        return

    def lookup_and_store(self: PrefixCache, conv_id: str | None, tokens: Sequence[str]) -> int:
        cached = original(self, conv_id, tokens)
        SEEN.append(Seen(time.perf_counter(), conv_id, len(tokens), cached))
        return cached

    # A marker on the function and a patched method: what instrumenting a class at run time is.
    lookup_and_store._replay = True  # type: ignore[attr-defined]
    PrefixCache.lookup_and_store = lookup_and_store  # type: ignore[method-assign]


def attribute(result: SessionResult, keys: list[tuple[float, str]], seen: list[Seen]) -> None:
    """Count keystrokes by kind, and each upstream request against the keystroke before it."""
    times = [at for at, _ in keys]
    for _, kind in keys:
        result.keys_by_kind[kind] = result.keys_by_kind.get(kind, 0) + 1
    for request in seen:
        index = bisect.bisect_right(times, request.at) - 1
        kind = keys[index][1] if index >= 0 else "open"
        result.requests_by_kind[kind] = result.requests_by_kind.get(kind, 0) + 1


def add_emulator_stats(result: SessionResult, stats: dict[str, Any], seen: list[Seen]) -> None:
    result.upstream = stats["requests"]
    result.streams_aborted = stats["streams_aborted"]
    result.streams_completed = stats["streams_completed"]
    result.prompt_tokens = stats["prompt_tokens"]
    result.cached_tokens = stats["cached_tokens"]
    result.completion_tokens = stats["completion_tokens"]
    result.reasoning_tokens = stats["reasoning_tokens"]
    result.cost_ticks = stats["cost_in_usd_ticks"]
    result.per_request = [(request.prompt, request.cached) for request in seen]
    if seen:
        result.first_prompt_tokens, result.first_cached_tokens = seen[0].prompt, seen[0].cached
    result.cold_requests = sum(2 * request.cached < request.prompt for request in seen[1:])
