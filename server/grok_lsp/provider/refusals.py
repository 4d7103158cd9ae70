"""Request fields a server refused, remembered per (base URL, model) for the server's life.

Servers differ in the optional fields they take: xAI's code models refuse `reasoning_effort`,
llama.cpp or a gateway may refuse `response_format`, `stream_options` or `service_tier`. When
a 400 (or 422, or a 500 from a server that fails its own validation) names a field of the
request as not accepted, the client drops it, remembers that for this base URL and model, and
sends the request once more; later requests to the same model never carry it. Which field is
meant is read from the message, not from a per-field table.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

logger = logging.getLogger(__name__)

# Without these the request means nothing: never dropped, whatever a message says.
_ESSENTIAL = frozenset({"model", "messages", "input", "instructions", "stream"})
# How servers say a field is not taken: xAI "Argument not supported on this model: X", OpenAI
# "Unrecognized request argument supplied: X", pydantic-based servers "Extra inputs are not
# permitted" or, for a value their schema does not take, "Input should be …" (llama-cpp-python
# answers `response_format: json_schema` so, with a 500), others "unknown field",
# "X is not supported", "does not support X".
_REFUSAL = re.compile(
    r"not supported|unsupported|unrecogni[sz]ed|unknown (?:field|argument|parameter)"
    r"|not permitted|not allowed|extra (?:inputs|fields)|does not support|unexpected"
    r"|input should be",
    re.I,
)


class RefusedFields:
    """What each (base URL, model) refused so far. Shared by every client of one server, so a
    client rebuilt after a settings change still knows."""

    def __init__(self) -> None:
        self._refused: dict[tuple[str, str], set[str]] = {}

    def refused(self, base_url: str, model: str) -> frozenset[str]:
        return frozenset(self._refused.get((base_url, model), ()))

    def without_refused(self, base_url: str, model: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """`body` less the fields this model at this URL refused before."""
        refused = self._refused.get((base_url, model), set())
        return {name: value for name, value in body.items() if name not in refused}

    def learn(self, base_url: str, model: str, body: Mapping[str, Any], message: str) -> str | None:
        """The optional field of `body` that `message` says is not accepted, now remembered;
        None if the message names none (or more than one: then which one is not known)."""
        if not _REFUSAL.search(message):
            return None
        named = [
            name
            for name in body
            if name not in _ESSENTIAL and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", message)
        ]
        if len(named) != 1:
            return None
        field = named[0]
        self._refused.setdefault((base_url, model), set()).add(field)
        logger.warning(
            "%s refused the field `%s` for the model %s (%s); it is no longer sent to that model",
            base_url,
            field,
            model,
            message,
        )
        return field
