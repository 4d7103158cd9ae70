"""The bench's side of the in-process emulator: what its prefix cache saw, request by request,
steady pacing under time compression, and its admin routes."""

from __future__ import annotations

import asyncio
import bisect
import time
import weakref
from collections.abc import Sequence
from typing import Any, NamedTuple

import anyio
import httpx

from grok_lsp.emulator import BackgroundEmulator
from grok_lsp.emulator import stream as emulator_stream
from grok_lsp.emulator.cache import PrefixCache
from replay_report import SessionResult


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

    lookup_and_store._replay = True  # type: ignore[attr-defined]
    PrefixCache.lookup_and_store = lookup_and_store  # type: ignore[method-assign]


class _DeadlineSleep:
    """`anyio` for the emulator's stream module, with `sleep` measured from a deadline.

    The emulator sleeps each step's delay after sending the previous one, so the time it takes
    to send a chunk adds up over a stream (40 reasoning tokens: tens of ms). Compressed ten
    times, that drift is ten times larger than the emulated latency allows. Here each
    response's steps are due at its start plus the sum of their delays (bench-side only).
    """

    def __init__(self) -> None:
        self._due: weakref.WeakKeyDictionary[asyncio.Task[Any], float] = weakref.WeakKeyDictionary()

    def __getattr__(self, name: str) -> Any:
        return getattr(anyio, name)

    async def sleep(self, delay: float) -> None:
        task = asyncio.current_task()
        now = time.monotonic()
        if task is None:
            await anyio.sleep(delay)
            return
        due = self._due.get(task, now) + delay
        self._due[task] = due
        await anyio.sleep(max(due - now, 0.0))


def pace_by_deadline() -> None:
    namespace = vars(emulator_stream)
    if not isinstance(namespace.get("anyio"), _DeadlineSleep):
        namespace["anyio"] = _DeadlineSleep()


class EmulatorAdmin:
    def __init__(self, background: BackgroundEmulator) -> None:
        self.background = background
        self.admin = background.root_url + "/emulator"
        self.http = httpx.AsyncClient(timeout=10)

    async def post(self, path: str, body: Any = None) -> Any:
        response = await self.http.post(f"{self.admin}/{path}", json=body)
        response.raise_for_status()
        return response.json()

    async def stats(self) -> dict[str, Any]:
        response = await self.http.get(f"{self.admin}/stats")
        response.raise_for_status()
        return dict(response.json())

    async def settle(self) -> None:
        """Wait (up to 10 s) until no stream is in flight, so that every usage is counted."""
        for _ in range(500):
            if (await self.stats())["streams_in_flight"] <= 0:
                return
            await asyncio.sleep(0.02)


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
