"""The emulator's knobs: latency, reasoning, caching, limits and the optional API key.

On the wire (`GET`/`POST /emulator/config`) the fields are camelCase (`ttftMs`,
`tokensPerSecond`, ...); snake_case names are accepted too. A `POST` is a partial update.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from grok_lsp.emulator.shapes import Shape


def _camel(name: str) -> str:
    return to_camel(name).replace("1K", "1k")


class EmulatorConfig(BaseModel):
    model_config = ConfigDict(
        alias_generator=_camel, populate_by_name=True, extra="forbid", frozen=True
    )

    ttft_ms: float = Field(default=150.0, ge=0)
    """Delay before the first streamed token (the response headers go out at once)."""
    tokens_per_second: float = Field(default=190.0, ge=0)
    """Pace of the streamed tokens after the first; 0 sends them all at once."""
    reasoning_tokens: int = Field(default=0, ge=0)
    """Tokens streamed as `reasoning_content` before the answer, billed as output."""
    prefill_ms_per_1k_uncached: float = Field(default=0.0, ge=0)
    """Extra time to first token per 1000 prompt tokens not found in the prefix cache."""
    block_tokens: int = Field(default=64, ge=1)
    """Cache granularity: a cached prefix is counted in whole blocks of this many tokens."""
    cache_max_conversations: int = Field(default=256, ge=1)
    """Conversation ids (`x-grok-conv-id`) kept in the cache, least recently used dropped."""
    cache_max_blocks_per_conversation: int = Field(default=4096, ge=1)
    """Blocks kept per conversation, deepest (least shared) dropped first."""
    anonymous_max_blocks: int = Field(default=8, ge=0)
    """Blocks kept for requests without `x-grok-conv-id`, shared by all of them."""
    max_prompt_tokens: int = Field(default=256_000, ge=1)
    """Longer prompts are refused with xAI's 400 "maximum prompt length" error."""
    completion_max_lines: int = Field(default=6, ge=1)
    overshoot_lines: int = Field(default=0, ge=0)
    """Lines a chatty model writes past what the cursor needed (the source's next lines)."""
    """Most lines an inline completion spans when the context calls for a block."""
    strict_roles: bool = False
    """Refuse, with a 400, messages whose roles do not alternate (see `local_server.py`)."""
    send_usage: bool = True
    """False: no usage chunk even when `stream_options.include_usage` asks for it."""
    ping_every_tokens: int = Field(default=0, ge=0)
    """An SSE comment line (`: ping`) before every this-many-th streamed token; 0 for none."""
    refused_fields: tuple[str, ...] = ()
    """Request fields answered with xAI's 400 "Argument not supported on this model: X"."""
    realistic_seed: int | None = None
    """Realistic answers (`shapes.py`): each answer wrapped as real models do, from this seed."""
    answer_shape: Shape | None = None
    """One realistic shape for every answer of its kind (tests go over each)."""
    wrong_fixes: int = Field(default=0, ge=0)
    """Edit answers per conversation that are wrong on purpose (a comment line, the code as it
    was) before the right one; each `<check_report>` turn counts one. Large: never right."""
    require_api_key: str | None = Field(default=None, repr=False)
    """None accepts any key or none; otherwise a missing key is 401, a different one 400."""

    def first_token_delay(self, uncached_tokens: int) -> float:
        """Seconds before the first token: TTFT plus the prefill of the uncached prompt."""
        return (self.ttft_ms + self.prefill_ms_per_1k_uncached * uncached_tokens / 1000) / 1000

    def token_interval(self) -> float:
        """Seconds between streamed tokens."""
        return 1 / self.tokens_per_second if self.tokens_per_second > 0 else 0.0

    def updated(self, patch: dict[str, Any]) -> EmulatorConfig:
        """A copy with `patch` (camelCase or snake_case keys) applied and validated."""
        names = {field.alias or name: name for name, field in type(self).model_fields.items()}
        snake = {names.get(key, key): value for key, value in patch.items()}
        return self.model_validate({**self.model_dump(), **snake})

    def public(self) -> dict[str, Any]:
        """The config as served on the wire: camelCase, the API key never shown."""
        data = self.model_dump(by_alias=True)
        if data["requireApiKey"] is not None:
            data["requireApiKey"] = "REDACTED"
        return data
