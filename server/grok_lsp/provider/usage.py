"""Token usage and cost as the API reports them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_TICKS_PER_USD = 10_000_000_000


@dataclass(frozen=True, slots=True)
class Usage:
    """One response's `usage`, field for field as the API sends it.

    xAI reports reasoning tokens *outside* `completion_tokens` (in the recorded grok-3-mini stream
    prompt 12 + completion 1 + reasoning 290 = total 303), whereas OpenAI counts them inside.
    Both are billed at the output rate, so use `output_tokens_billed` for cost and throughput.
    """

    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cost_in_usd_ticks: int | None = None

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Usage:
        """Read a `usage` object; missing, null or mistyped fields count as 0 (cost as None)."""
        return cls(
            prompt_tokens=_int(_get(obj, "prompt_tokens")) or 0,
            cached_tokens=_int(_get(obj, "prompt_tokens_details", "cached_tokens")) or 0,
            completion_tokens=_int(_get(obj, "completion_tokens")) or 0,
            reasoning_tokens=_int(_get(obj, "completion_tokens_details", "reasoning_tokens")) or 0,
            cost_in_usd_ticks=_int(_get(obj, "cost_in_usd_ticks")),
        )

    @classmethod
    def from_responses_json(cls, obj: Mapping[str, Any]) -> Usage:
        """Read the Responses API's `usage` (`input_tokens`, `output_tokens`, their details).

        Whether its `output_tokens` include the reasoning ones is told by `total_tokens`: equal
        to input + output, they do (OpenAI's way) and are taken out, so that
        `completion_tokens` means the visible answer on both APIs; otherwise (xAI's chat way)
        they are counted apart already.
        """
        prompt = _int(_get(obj, "input_tokens")) or 0
        output = _int(_get(obj, "output_tokens")) or 0
        reasoning = _int(_get(obj, "output_tokens_details", "reasoning_tokens")) or 0
        if _int(_get(obj, "total_tokens")) == prompt + output:
            output = max(output - reasoning, 0)
        return cls(
            prompt_tokens=prompt,
            cached_tokens=_int(_get(obj, "input_tokens_details", "cached_tokens")) or 0,
            completion_tokens=output,
            reasoning_tokens=reasoning,
            cost_in_usd_ticks=_int(_get(obj, "cost_in_usd_ticks")),
        )

    @property
    def output_tokens_billed(self) -> int:
        """Visible plus reasoning tokens: what xAI bills at the output rate."""
        return self.completion_tokens + self.reasoning_tokens

    @property
    def cost_usd(self) -> float | None:
        """The API's own cost (1 tick = 1e-10 USD), or None when it did not report one."""
        if self.cost_in_usd_ticks is None:
            return None
        return self.cost_in_usd_ticks / _TICKS_PER_USD


def _get(obj: object, *path: str) -> object:
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def _int(value: object) -> int | None:
    # bool is an int subclass; a JSON true is not a count.
    return value if isinstance(value, int) and not isinstance(value, bool) else None
