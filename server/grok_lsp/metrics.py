"""Counters for one server session, served to clients by the `grok/stats` request."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from grok_lsp.acceptance import Acceptance
from grok_lsp.provider.usage import Usage

_LATENCY_WINDOW = 2000  # most recent suggestions kept for percentiles
_ACTIONS_SHOWN = 20  # most recent code actions listed one by one in `grok/stats`


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile: the value `fraction` of the way up the sorted values (NaN
    when there are none). The benchmarks take theirs from here, so their figures and
    `grok/stats`' are computed alike."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[min(int(fraction * len(ordered)), len(ordered) - 1)]


@dataclass
class NextEditCounters:
    """Next-edit suggestions (`textDocument/copilotInlineEdit`), counted apart from completions
    (their tokens and cost are in the totals too)."""

    requests: int = 0  # asked by the editor
    upstream_requests: int = 0
    offered: int = 0  # answered with an edit
    shown: int = 0  # the editor said it showed one (`textDocument/didShowInlineEdit`)
    accepted: int = 0  # the editor ran an offered edit's command
    cancelled: int = 0  # cancelled by the editor or superseded
    stale: int = 0  # the document changed before the answer: nothing offered
    dropped: int = 0  # not sent: governor, mid-word, nothing edited yet
    prompt_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float = 0.0

    def record(self, usage: Usage | None, cost: float | None) -> None:
        self.upstream_requests += 1
        if usage is not None:
            self.prompt_tokens += usage.prompt_tokens
            self.cached_tokens += usage.cached_tokens
        self.cost_usd += cost or 0.0

    def snapshot(self) -> dict[str, Any]:
        return _as_json(self)


@dataclass
class ActionCost:
    """One code action the user picked: the model's attempts, what they cost, the verdict."""

    task: str
    attempts: int = 0  # answers asked of the model, not counting retried failures
    prompt_tokens: int = 0
    output_tokens: int = 0  # reasoning included, as billed
    cost_usd: float = 0.0
    verdict: str = ""
    verified: bool = False

    def add(self, prompt_tokens: int, output_tokens: int, cost: float | None) -> None:
        """One request's usage (a retried failure's too); attempts are counted by the caller."""
        self.prompt_tokens += prompt_tokens
        self.output_tokens += output_tokens
        self.cost_usd += cost or 0.0

    def json(self) -> dict[str, Any]:
        return _as_json(self)


@dataclass
class Metrics:
    requests: int = 0  # completion requests from the editor
    upstream_requests: int = 0  # requests sent to the API
    cancelled: int = 0  # editor requests cancelled or superseded
    streams_closed_early: int = 0  # upstream streams closed before their end
    typeahead_hits: int = 0  # answered from a suggestion already shown or streaming
    shared_streams: int = 0  # answered by joining an upstream stream already in flight
    dropped: int = 0  # not sent: cost governor, circuit breaker, nothing typed
    paced: int = 0  # waited for the per-second rate before going upstream
    errors: int = 0
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: float = 0.0
    cost_unknown_requests: int = 0  # no API figure and no price for the served model
    usage_estimated: int = 0  # requests whose usage never came (stream closed early, or none)
    estimated_prompt_tokens: int = 0  # their prompts, estimated
    estimated_cached_tokens: int = 0  # of those, what the server's last report says is cached
    estimated_output_tokens: int = 0  # what they streamed, content and reasoning
    served_model: str | None = None
    suggestion_latency_ms: deque[float] = field(
        default_factory=lambda: deque(maxlen=_LATENCY_WINDOW)
    )
    first_content_ms: deque[float] = field(default_factory=lambda: deque(maxlen=_LATENCY_WINDOW))
    next_edit: NextEditCounters = field(default_factory=NextEditCounters)
    acceptance: Acceptance = field(default_factory=Acceptance)
    speculative_requests: int = 0  # sent at once after an accepted suggestion, unasked
    actions: int = 0  # code actions computed (fix, refactor, ...)
    actions_verified: int = 0
    action_attempts: int = 0
    action_cost_usd: float = 0.0
    recent_actions: deque[ActionCost] = field(default_factory=lambda: deque(maxlen=_ACTIONS_SHOWN))

    def record_usage(self, usage: Usage, cost: float | None) -> None:
        self.prompt_tokens += usage.prompt_tokens
        self.cached_tokens += usage.cached_tokens
        self.completion_tokens += usage.completion_tokens
        self.reasoning_tokens += usage.reasoning_tokens
        self._add_cost(cost)

    def record_estimate(self, usage: Usage, cost: float | None) -> None:
        self.usage_estimated += 1
        self.estimated_prompt_tokens += usage.prompt_tokens
        self.estimated_cached_tokens += usage.cached_tokens
        self.estimated_output_tokens += usage.output_tokens_billed
        self._add_cost(cost)

    def _add_cost(self, cost: float | None) -> None:
        if cost is None:
            self.cost_unknown_requests += 1
        else:
            self.cost_usd += cost

    def record_action(self, action: ActionCost) -> None:
        self.actions += 1
        self.actions_verified += action.verified
        self.action_attempts += action.attempts
        self.action_cost_usd += action.cost_usd
        self.recent_actions.append(action)

    @property
    def cached_share(self) -> float:
        return self.cached_tokens / self.prompt_tokens if self.prompt_tokens else 0.0

    def snapshot(self, configured_model: str, state: str, last_error: str | None) -> dict[str, Any]:
        """camelCase JSON for `grok/stats`."""
        return {
            "requests": self.requests,
            "upstreamRequests": self.upstream_requests,
            "cancelled": self.cancelled,
            "streamsClosedEarly": self.streams_closed_early,
            "typeaheadHits": self.typeahead_hits,
            "sharedStreams": self.shared_streams,
            **self.acceptance.snapshot(),
            "speculativeRequests": self.speculative_requests,
            "dropped": self.dropped,
            "paced": self.paced,
            "errors": self.errors,
            "promptTokens": self.prompt_tokens,
            "cachedTokens": self.cached_tokens,
            "completionTokens": self.completion_tokens,
            "reasoningTokens": self.reasoning_tokens,
            "costUsd": round(self.cost_usd, 8),
            "costUnknownRequests": self.cost_unknown_requests,
            "usageEstimated": self.usage_estimated,
            "estimatedPromptTokens": self.estimated_prompt_tokens,
            "estimatedCachedTokens": self.estimated_cached_tokens,
            "estimatedOutputTokens": self.estimated_output_tokens,
            "cachedShare": round(self.cached_share, 4),
            "latencyMs": _percentiles(self.suggestion_latency_ms),
            "firstContentMs": _percentiles(self.first_content_ms),
            "nextEdit": self.next_edit.snapshot(),
            "actions": {
                "count": self.actions,
                "verified": self.actions_verified,
                "attempts": self.action_attempts,
                "costUsd": round(self.action_cost_usd, 8),
                "recent": [action.json() for action in self.recent_actions],
            },
            "model": {"configured": configured_model, "served": self.served_model},
            "state": state,
            "lastError": last_error,
        }


def _percentiles(values: deque[float]) -> dict[str, float] | None:
    if not values:
        return None
    listed = list(values)
    return {
        name: round(percentile(listed, fraction), 2)
        for name, fraction in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))
    }


def _as_json(counters: NextEditCounters | ActionCost) -> dict[str, Any]:
    """Every field, in order, by its camelCase name; costs rounded to 8 places."""
    # Here, not at the top: pydantic loads after `initialize` is answered (see warmup.py).
    from pydantic.alias_generators import to_camel

    values = {item.name: getattr(counters, item.name) for item in fields(counters)}
    return {
        to_camel(name): round(value, 8) if name == "cost_usd" else value
        for name, value in values.items()
    }
