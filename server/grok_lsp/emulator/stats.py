"""Counters served at `GET /emulator/stats`; the Authorization value is never kept."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "x-api-key", "api-key"})
ANONYMOUS = "(none)"
StreamEnd = Literal["completed", "aborted", "cut"]


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {
        name: "REDACTED" if name.lower() in _SECRET_HEADERS else value
        for name, value in headers.items()
    }


@dataclass
class Stats:
    requests: int = 0
    streams_completed: int = 0
    streams_aborted: int = 0
    streams_cut: int = 0
    streams_in_flight: int = 0
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cost_in_usd_ticks: int = 0
    faults_served: int = 0
    errors_by_status: Counter[int] = field(default_factory=Counter)
    requests_by_conv_id: Counter[str] = field(default_factory=Counter)
    requests_by_api: Counter[str] = field(default_factory=Counter)
    last_request: dict[str, Any] | None = None

    def record_request(
        self, body: Any, headers: Mapping[str, str], conv_id: str | None, api: str = "chat"
    ) -> None:
        """`conv_id`: the cache key, from `x-grok-conv-id` on chat, `prompt_cache_key` on
        the Responses API."""
        self.requests += 1
        self.requests_by_conv_id[conv_id or ANONYMOUS] += 1
        self.requests_by_api[api] += 1
        self.last_request = {"api": api, "body": body, "headers": redact_headers(headers)}

    def record_stream_end(self, end: StreamEnd) -> None:
        self.streams_in_flight -= 1
        if end == "completed":
            self.streams_completed += 1
        elif end == "aborted":
            self.streams_aborted += 1
        else:
            self.streams_cut += 1

    def snapshot(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "streams_completed": self.streams_completed,
            "streams_aborted": self.streams_aborted,
            "streams_cut": self.streams_cut,
            "streams_in_flight": self.streams_in_flight,
            "prompt_tokens": self.prompt_tokens,
            "cached_tokens": self.cached_tokens,
            "completion_tokens": self.completion_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "cost_in_usd_ticks": self.cost_in_usd_ticks,
            "faults_served": self.faults_served,
            "errors_by_status": {str(k): v for k, v in sorted(self.errors_by_status.items())},
            "requests_by_conv_id": dict(self.requests_by_conv_id),
            "requests_by_api": dict(self.requests_by_api),
            "last_request": self.last_request,
        }
