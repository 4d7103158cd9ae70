"""The replay's figures: a session's result, totals over sessions, each figure and its JSON
line, the debounce sweep pooled by value."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from grok_lsp.metrics import percentile

USD_PER_TICK = 1e-10


@dataclass
class SessionResult:
    name: str
    layout: str
    debounce_ms: int  # as configured, before time compression
    seed: int = 0
    keystrokes: int = 0  # typed keys + Tab accepts + range deletions
    typed_keys: int = 0
    typed_chars: int = 0
    deletions: int = 0
    accepts: int = 0
    accepted_chars: int = 0
    requests_sent: int = 0  # inlineCompletion requests from the client (one per keystroke)
    cancels_sent: int = 0  # $/cancelRequest sent for a request still pending
    shown: int = 0  # a new ghost text appeared
    empty: int = 0  # answers with nothing to show
    stale: int = 0  # answers for a document version already gone
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)  # real-time equivalent
    new_latencies_ms: list[float] = field(default_factory=list)  # answers showing new text
    reached_after: bool = False
    duration_s: float = 0.0
    # from the server's grok/stats (deltas over the session)
    server_upstream: int = 0
    typeahead_hits: int = 0
    shared_streams: int = 0
    closed_early: int = 0
    usage_estimated: int = 0
    dropped: int = 0  # refused by the server's cost governor / circuit breaker
    # from the emulator
    upstream: int = 0
    streams_aborted: int = 0
    streams_completed: int = 0
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cost_ticks: int = 0
    per_request: list[tuple[int, int]] = field(default_factory=list)  # (prompt, cached) tokens
    first_prompt_tokens: int = 0  # the session's first request: a cold cache, always
    first_cached_tokens: int = 0
    cold_requests: int = 0  # later requests with less than half of the prompt cached
    keys_by_kind: dict[str, int] = field(default_factory=dict)  # accept, enter, char, delete
    requests_by_kind: dict[str, int] = field(default_factory=dict)  # by the keystroke before
    # the server's own percentiles over the whole configuration (same in every session)
    server_latency: dict[str, float] = field(default_factory=dict)
    server_first_content: dict[str, float] = field(default_factory=dict)

    @property
    def chars_inserted(self) -> int:
        return self.typed_chars + self.accepted_chars


def merged(results: Sequence[SessionResult], name: str = "total") -> SessionResult:
    """The sum of several sessions' results (latencies and per-request figures pooled)."""
    first = results[0]
    total = SessionResult(name, first.layout, first.debounce_ms, first.seed)
    for result in results:
        for key, value in vars(result).items():
            if key in ("name", "layout", "debounce_ms", "seed", "reached_after"):
                continue
            if isinstance(value, list):
                getattr(total, key).extend(value)
            elif key in ("keys_by_kind", "requests_by_kind"):
                counts = getattr(total, key)
                for kind, count in value.items():
                    counts[kind] = counts.get(kind, 0) + count
            elif isinstance(value, int | float):
                setattr(total, key, getattr(total, key) + value)
    total.reached_after = all(result.reached_after for result in results)
    total.server_latency = dict(first.server_latency)
    total.server_first_content = dict(first.server_first_content)
    return total


def ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str
    digits: int


FIGURES = (
    Figure("keystrokes", "keystrokes", "count", 0),
    Figure("upstream_requests", "requests sent upstream", "count", 0),
    Figure("requests_per_100_keystrokes", "upstream requests per 100 keystrokes", "per100", 1),
    Figure("typeahead_hits", "typeahead hits", "count", 0),
    Figure("shared_streams", "keystrokes that joined a stream in flight", "count", 0),
    Figure("cancelled_streams", "upstream streams cancelled (emulator: aborted)", "count", 0),
    Figure("dropped", "requests the server's governor refused", "count", 0),
    Figure("cached_share", "cached share of prompt tokens (emulator)", "ratio", 3),
    Figure("cached_share_warm", "cached share without each session's first request", "ratio", 3),
    Figure("cold_requests", "later requests with < 50% of the prompt cached", "count", 0),
    Figure("prompt_tokens_per_request", "prompt tokens per upstream request", "tokens", 0),
    Figure("fresh_tokens_per_request_p50", "uncached prompt tokens per request, p50", "tokens", 0),
    Figure("cost_usd", "cost (emulator ticks, grok-code-fast-1 prices)", "usd", 4),
    Figure(
        "stream_latency_p50", "upstream stream start -> suggestion ready, p50 (server)", "ms", 0
    ),
    Figure(
        "stream_latency_p90", "upstream stream start -> suggestion ready, p90 (server)", "ms", 0
    ),
    Figure("suggestions_shown", "suggestions shown", "count", 0),
    Figure("cost_per_1000_suggestions", "cost per 1000 suggestions shown", "usd", 4),
    Figure("latency_p50", "suggestion latency p50 (request -> non-empty answer)", "ms", 0),
    Figure("latency_p90", "suggestion latency p90", "ms", 0),
    Figure("new_latency_p50", "latency p50 of answers showing a new suggestion", "ms", 0),
    Figure("new_latency_p90", "latency p90 of answers showing a new suggestion", "ms", 0),
    Figure("accepts", "suggestions accepted", "count", 0),
    Figure("chars_accepted", "characters typed by accepting", "chars", 0),
    Figure("accepted_share", "share of inserted characters typed by accepting", "ratio", 3),
)


def figures(result: SessionResult) -> dict[str, float]:
    fresh = [prompt - cached for prompt, cached in result.per_request]
    return {
        "keystrokes": result.keystrokes,
        "upstream_requests": result.upstream,
        "requests_per_100_keystrokes": 100 * ratio(result.upstream, result.keystrokes),
        "typeahead_hits": result.typeahead_hits,
        "shared_streams": result.shared_streams,
        "cancelled_streams": result.streams_aborted,
        "dropped": result.dropped,
        "cached_share": ratio(result.cached_tokens, result.prompt_tokens),
        "cached_share_warm": ratio(
            result.cached_tokens - result.first_cached_tokens,
            result.prompt_tokens - result.first_prompt_tokens,
        ),
        "cold_requests": result.cold_requests,
        "prompt_tokens_per_request": ratio(result.prompt_tokens, result.upstream),
        "fresh_tokens_per_request_p50": percentile(fresh, 0.5),
        "cost_usd": result.cost_ticks * USD_PER_TICK,
        "stream_latency_p50": result.server_latency.get("p50", math.nan),
        "stream_latency_p90": result.server_latency.get("p90", math.nan),
        "suggestions_shown": result.shown,
        "cost_per_1000_suggestions": 1000 * ratio(result.cost_ticks * USD_PER_TICK, result.shown),
        "latency_p50": percentile(result.latencies_ms, 0.5),
        "latency_p90": percentile(result.latencies_ms, 0.9),
        "new_latency_p50": percentile(result.new_latencies_ms, 0.5),
        "new_latency_p90": percentile(result.new_latencies_ms, 0.9),
        "accepts": result.accepts,
        "chars_accepted": result.accepted_chars,
        "accepted_share": ratio(result.accepted_chars, result.chars_inserted),
    }


def json_lines(
    totals: dict[str, SessionResult], extra: dict[str, Any] | None = None
) -> Iterable[str]:
    """One line per figure and layout, then the layered/window ratio of each figure."""
    values = {layout: figures(total) for layout, total in totals.items()}
    units = {figure.key: figure.unit for figure in FIGURES}
    for layout, row in values.items():
        for key, value in row.items():
            yield _line(key, layout, value, units[key], extra)
    if "layered" in values and "window" in values:
        for key in values["layered"]:
            value = ratio(values["layered"][key], values["window"][key])
            yield _line(key, "layered/window", value, "ratio", extra)


def _line(key: str, layout: str, value: float, unit: str, extra: dict[str, Any] | None) -> str:
    clean = None if isinstance(value, float) and math.isnan(value) else round(value, 6)
    return json.dumps(
        {"figure": key, "layout": layout, "value": clean, "unit": unit, **(extra or {})}
    )


def fmt(value: float, digits: int) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "-"
    return f"{value:,.{digits}f}"


# --- the markdown report ------------------------------------------------------------------


def sweep_rows(sessions: Sequence[SessionResult]) -> list[tuple[int, SessionResult, list[float]]]:
    """Per debounce value: the pooled result, and each seed's accepted-char share."""
    rows = []
    for value in sorted({result.debounce_ms for result in sessions}):
        at_value = [result for result in sessions if result.debounce_ms == value]
        seeds = sorted({result.seed for result in at_value})
        shares = [
            figures(merged([r for r in at_value if r.seed == seed]))["accepted_share"]
            for seed in seeds
        ]
        rows.append((value, merged(at_value, f"debounce {value}"), shares))
    return rows
