"""Which request options each model accepts.

This client never sends `stop`, `presence_penalty` or `frequency_penalty` to any model: xAI's
reasoning models answer them with 400, and the client cuts the output itself (it closes the
stream once it has what it needs). So no per-model table is needed for them; the only option
that differs between the models in use is `reasoning_effort`.
"""

_REASONING_EFFORT_PREFIXES = ("grok-4.3", "grok-3-mini")


def accepts_reasoning_effort(model: str) -> bool:
    """True for models that take `reasoning_effort`; grok-code-fast, grok-build and others
    reject it with 400. A gateway prefix such as "xai/" is ignored."""
    name = model.strip().lower().rsplit("/", 1)[-1]
    return name.startswith(_REASONING_EFFORT_PREFIXES)
