"""What a request cost in USD: the API's own figure when it sends one, else a price table.

Prices are USD per million tokens, keyed by the model the API echoes (the model that actually
served the request), from `../shared/NOTES-xai.md` (xAI's models page and its "may-15-retirement"
migration page, as of 2026-12-01). Settings may add or override entries.

`grok-code-fast-1` was retired on 2026-05-15; the slug still answers, served by grok-4.3 at
low reasoning effort and billed at grok-4.3's prices, so that is what it costs here too (its
launch prices were $0.20 / $0.02 / $1.50). The API's own `cost_in_usd_ticks` wins whenever it
is sent; the table counts what it does not report (streams closed before their usage).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from grok_lsp.provider.usage import Usage

USD_PER_TICK = 1e-10


@dataclass(frozen=True, slots=True)
class ModelPrice:
    input: float
    cached_input: float
    output: float


GROK_4_3 = ModelPrice(1.25, 0.20, 2.50)
BUILT_IN_PRICES: Mapping[str, ModelPrice] = {
    "grok-code-fast-1": GROK_4_3,  # retired: served and billed as grok-4.3
    "grok-build-0.1": ModelPrice(1.00, 0.20, 2.00),  # under 200k prompt tokens
    "grok-4.3": GROK_4_3,
    "grok-4.20-0309-non-reasoning": ModelPrice(1.25, 0.20, 2.50),
    "grok-4.5": ModelPrice(2.00, 0.50, 6.00),
    "grok-4.6": ModelPrice(2.00, 0.50, 6.00),
    "grok-4.7": ModelPrice(2.00, 0.50, 6.00),
}


def price_for(model: str, overrides: Mapping[str, ModelPrice]) -> ModelPrice | None:
    """Exact name first, then the longest known name the model starts with (dated variants)."""
    table = {**BUILT_IN_PRICES, **overrides}
    if model in table:
        return table[model]
    matches = [name for name in table if model.startswith(name)]
    return table[max(matches, key=len)] if matches else None


def cost_usd(usage: Usage, model: str, overrides: Mapping[str, ModelPrice]) -> float | None:
    if usage.cost_in_usd_ticks is not None:
        return usage.cost_in_usd_ticks * USD_PER_TICK
    price = price_for(model, overrides)
    if price is None:
        return None
    fresh = max(usage.prompt_tokens - usage.cached_tokens, 0)
    # Reasoning tokens are billed at the output rate; xAI reports them outside completion_tokens.
    output = usage.completion_tokens + usage.reasoning_tokens
    return (
        fresh * price.input + usage.cached_tokens * price.cached_input + output * price.output
    ) / 1e6
