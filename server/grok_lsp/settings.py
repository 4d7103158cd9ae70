"""Every setting of grok-lsp in one typed, fully defaulted model, and the one merge function.

Sources, highest first: the client's `workspace/configuration` answer for section `grok`, then
`initializationOptions` (the same keys, bare or under `grok`), then the environment
(`XAI_API_KEY`, `GROK_LSP_BASE_URL`, `GROK_LSP_MODEL`). Keys are camelCase on the wire.
A value that does not validate is dropped (its default stays) and named in one message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic.alias_generators import to_camel

from grok_lsp import masking
from grok_lsp.provider.urls import scheme_and_host
from grok_lsp.redaction import scrub

DEFAULT_BASE_URL = "https://api.x.ai/v1"
DEFAULT_MODEL = "grok-code-fast-1"
# `api: "auto"` speaks the Responses API to xAI itself (xAI calls Chat Completions deprecated
# and routes its cache by `prompt_cache_key` there), and Chat Completions to everything else:
# llama.cpp, Ollama, vLLM and most gateways serve only that.
_RESPONSES_HOSTS = frozenset({"api.x.ai"})


class _Section(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )


class CompletionSettings(_Section):
    enabled: bool = True
    model: str | None = Field(None, description="Model for inline completions; unset = `model`.")
    max_tokens: int = Field(1024, ge=16, le=65536, description="Cap on output incl. reasoning.")
    max_lines: int = Field(8, ge=1, le=200)
    debounce_ms: int = Field(75, ge=0, le=5000)
    timeout_ms: int = Field(15000, ge=100, le=600000)
    reasoning_effort: Literal["none", "low", "medium", "high"] | None = Field(
        "none",
        description="Sent only where the model, or the model serving it, accepts it (grok-4.3).",
    )
    temperature: float | None = Field(0.0, ge=0.0, le=2.0)
    prompt_layout: Literal["layered", "window"] = Field(
        "layered", description="`window` is the cursor-centred layout, kept for benchmarks."
    )
    max_requests_per_minute: int = Field(60, ge=1, le=10000, description="Automatic ones only.")
    daily_spend_limit_usd: float | None = Field(
        None, gt=0, description="Automatic completions pause once today's spend reaches it."
    )
    suppress_in_comments_and_strings: bool = False
    speculate_after_accept: bool = Field(
        True, description="Ask for what follows an accepted suggestion at once."
    )


class ActionsSettings(_Section):
    enabled: bool = True
    model: str | None = Field(None, description="Model for code actions; unset = `model`.")
    max_tokens: int = Field(4096, ge=64, le=65536)
    timeout_ms: int = Field(60000, ge=100, le=600000)
    offered: tuple[Literal["fix", "explain", "refactor"], ...] = ("fix", "explain", "refactor")
    verify: dict[str, tuple[str, ...]] = Field(
        default_factory=dict,
        description="Diagnostic source -> command checking a fix; adds to or replaces defaults.",
    )
    max_attempts: int = Field(3, ge=1, le=10, description="Model answers per fix, checks failing.")
    verify_timeout_ms: int = Field(10000, ge=100, le=600000, description="One run of a checker.")


class NextEditSettings(_Section):
    enabled: bool = True
    model: str | None = Field(None, description="Model for next edits; unset = `model`.")
    debounce_ms: int = Field(300, ge=0, le=5000, description="Pause after the request.")
    max_tokens: int = Field(2048, ge=64, le=65536)


class PromptSettings(_Section):
    budget_tokens: int = Field(16000, ge=512, le=250000, description="Whole prompt, estimated.")
    snapshot_drift_chars: int = Field(
        2000,
        ge=0,
        description="Re-snapshot the file once the ranges changed since add up to this many.",
    )


class Price(_Section):
    input: float = Field(ge=0)
    cached_input: float = Field(ge=0)
    output: float = Field(ge=0)


class Settings(_Section):
    api_key: SecretStr | None = None
    base_url: str = DEFAULT_BASE_URL
    api: Literal["auto", "responses", "chat"] = Field(
        "auto", description="`auto`: the Responses API on api.x.ai, Chat Completions elsewhere."
    )
    service_tier: Literal["auto", "default", "flex", "priority"] | None = Field(
        None, description="Sent as `service_tier` when set; `priority` costs more."
    )
    rate_limit_per_minute: int = Field(
        1800,
        ge=1,
        le=1_000_000,
        description="The API account's request limit; paced to a 60th of it per second.",
    )
    model: str = DEFAULT_MODEL
    completion: CompletionSettings = CompletionSettings()
    actions: ActionsSettings = ActionsSettings()
    next_edit: NextEditSettings = NextEditSettings()
    prompt: PromptSettings = PromptSettings()
    exclude: tuple[str, ...] = Field(
        (),
        description="gitignore-style patterns of files never sent, besides the credential "
        "defaults (`privacy.DEFAULT_EXCLUDE`); `!pattern` sends a file back.",
    )
    exclude_gitignored: bool = Field(
        False, description="Also never send files the workspace's `.gitignore` files ignore."
    )
    prices: dict[str, Price] = Field(
        default_factory=dict, description="USD per million tokens, keyed by echoed model."
    )
    ca_bundle: str | None = None

    @property
    def completion_model(self) -> str:
        return self.completion.model or self.model

    @property
    def actions_model(self) -> str:
        return self.actions.model or self.model

    @property
    def wire_api(self) -> Literal["responses", "chat"]:
        """The API requests are sent in, `auto` decided by the base URL's host."""
        if self.api != "auto":
            return self.api
        read = scheme_and_host(self.base_url)
        return "responses" if read is not None and read[1] in _RESPONSES_HOSTS else "chat"

    @property
    def next_edit_model(self) -> str:
        return self.next_edit.model or self.model

    def api_key_value(self) -> str | None:
        return self.api_key.get_secret_value() if self.api_key else None


@dataclass(frozen=True, slots=True)
class LoadedSettings:
    settings: Settings
    problems: tuple[str, ...]  # one line per rejected value, naming the key and what was expected


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    if key := environ.get("XAI_API_KEY"):
        raw["apiKey"] = key
    if base_url := environ.get("GROK_LSP_BASE_URL"):
        raw["baseUrl"] = base_url
    if model := environ.get("GROK_LSP_MODEL"):
        raw["model"] = model
    return raw


def unwrap_section(value: object) -> dict[str, Any]:
    """Accept `{apiKey: …}` and `{grok: {apiKey: …}}` (Helix sends its whole `config` table)."""
    if not isinstance(value, Mapping):
        return {}
    inner = value.get("grok")
    return dict(inner) if isinstance(inner, Mapping) else dict(value)


def merge_sources(*sources: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge dicts, later sources winning; `None` values do not override."""
    merged: dict[str, Any] = {}
    for source in sources:
        for key, value in source.items():
            if value is None:
                continue
            if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
                merged[key] = merge_sources(merged[key], value)
            elif isinstance(value, Mapping):
                merged[key] = merge_sources(value)
            else:
                merged[key] = value
    return merged


def load_settings(
    environ: Mapping[str, str],
    initialization_options: object = None,
    workspace_config: object = None,
) -> LoadedSettings:
    # Lowest priority first. A bad value is removed from the source that supplied it, so the
    # next source down (or the default) takes its place.
    sources = [
        from_environment(environ),
        unwrap_section(initialization_options),
        unwrap_section(workspace_config),
    ]
    for source in sources:  # masked from here on, in this function's messages too
        key = source.get("apiKey")
        masking.hold(key if isinstance(key, str) else None)
    problems: dict[str, str] = {}
    for _ in range(50):  # each pass removes at least one bad value; the bound only guards a bug
        try:
            return LoadedSettings(
                Settings.model_validate(merge_sources(*sources)), _lines(problems)
            )
        except ValidationError as error:
            for detail in error.errors():
                path = _wire_path(detail["loc"])
                if detail["type"] == "missing":  # an incomplete entry (e.g. a price): drop it whole
                    path = path[:-1]
                problems.setdefault(".".join(path), f"{detail['msg']} (got {_shown(detail)})")
                _drop_from_highest(sources, path)
    return LoadedSettings(Settings(), _lines(problems))


def _lines(problems: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(f"grok.{key}: {text}" for key, text in problems.items())


def _drop_from_highest(sources: list[dict[str, Any]], path: list[str]) -> None:
    for source in reversed(sources):
        if _drop(source, path):
            return


def _wire_path(loc: tuple[int | str, ...]) -> list[str]:
    return [str(part) for part in loc]


def _shown(detail: Mapping[str, Any]) -> str:
    """The rejected value, masked before it is shortened (a cut key would not be recognised)."""
    if detail["loc"] and detail["loc"][0] == "apiKey":
        return masking.MASK
    return masking.mask(scrub(repr(detail.get("input"))))[:60]


def _drop(raw: dict[str, Any], path: list[str]) -> bool:
    """Remove the offending value; for a bad item inside a list, remove the whole list."""
    node: Any = raw
    for part in path[:-1]:
        if not isinstance(node, dict) or part not in node:
            return False
        if not isinstance(node[part], dict):
            node.pop(part)
            return True
        node = node[part]
    return isinstance(node, dict) and node.pop(path[-1], None) is not None
