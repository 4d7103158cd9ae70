"""What each request that reached the API used and cost, counted in the metrics and the
governor's daily spend.

A request that never reached the API costs nothing. One that did is counted with the usage
the API reported, else an estimate (`estimate.py`), and priced with the API's own figure, else
the price table (`pricing.py`) with `grok.prices` over it, converted once per settings change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from grok_lsp.estimate import Exchange, UsageEstimator
from grok_lsp.governor import Governor
from grok_lsp.metrics import Metrics
from grok_lsp.pricing import ModelPrice, cost_usd
from grok_lsp.provider.usage import Usage

if TYPE_CHECKING:  # pydantic loads after `initialize` is answered (see warmup.py)
    from grok_lsp.settings import Settings


class Accounting:
    def __init__(self, metrics: Metrics, governor: Governor, tell: Callable[[str], None]) -> None:
        """`tell` shows the user a warning."""
        self._metrics = metrics
        self._governor = governor
        self._tell = tell
        self._estimator = UsageEstimator()
        self._prices: dict[str, ModelPrice] = {}
        self._default_model = ""
        self._ceiling = False
        self._unpriced: set[str] = set()  # models whose price is unknown, already told

    def use_settings(self, settings: Settings) -> None:
        self._prices = {
            name: ModelPrice(price.input, price.cached_input, price.output)
            for name, price in settings.prices.items()
        }
        self._default_model = settings.completion_model
        self._ceiling = settings.completion.daily_spend_limit_usd is not None

    def record(self, exchange: Exchange) -> tuple[Usage, float | None]:
        """Count a request that reached the API: its usage, reported or estimated, and its cost
        (None when the model's price is unknown)."""
        if exchange.model:
            self._metrics.served_model = exchange.model
        served = exchange.model or self._default_model
        usage, estimated = self._estimator.usage(exchange)
        cost = cost_usd(usage, served, self._prices)
        if estimated:
            self._metrics.record_estimate(usage, cost)
        else:
            self._metrics.record_usage(usage, cost)
        if cost is None:
            self._unpriced_model(served)
        self._governor.add_spend(cost or 0.0)
        return usage, cost

    def forget(self, conv_id: str) -> None:
        """The conversation's document closed."""
        self._estimator.forget(conv_id)

    def _unpriced_model(self, model: str) -> None:
        """Once per model: its cost is unknown where the API reports none (a stream closed
        early never gets its usage), which a daily spend ceiling would silently not count."""
        if model in self._unpriced:
            return
        self._unpriced.add(model)
        self._tell(
            f"grok-lsp: no price is known for the model `{model}`, so the cost of requests the "
            "API does not report (a stream closed early, a server that sends no usage) is not "
            + ("counted against `completion.dailySpendLimitUsd`" if self._ceiling else "counted")
            + ". Add the model to `grok.prices` (all zeros for a local model)."
        )
