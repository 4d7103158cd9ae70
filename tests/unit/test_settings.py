"""Settings: precedence, nesting per editor, and bad values named without losing the rest."""

from __future__ import annotations

from typing import Any

import pytest

from grok_lsp.settings import DEFAULT_BASE_URL, DEFAULT_MODEL, load_settings

ENV = {"XAI_API_KEY": "xai-env-key", "GROK_LSP_MODEL": "env-model"}


@pytest.mark.parametrize(
    ("environ", "init", "config", "model"),
    [
        pytest.param({}, None, None, DEFAULT_MODEL, id="default"),
        pytest.param(ENV, None, None, "env-model", id="environment"),
        pytest.param(ENV, {"model": "init-model"}, None, "init-model", id="init-over-env"),
        pytest.param(ENV, {"grok": {"model": "helix"}}, None, "helix", id="init-nested-helix"),
        pytest.param(ENV, {"model": "init"}, {"model": "pulled"}, "pulled", id="pull-over-init"),
        pytest.param(ENV, {"model": "init"}, {"model": None}, "init", id="null-does-not-override"),
    ],
)
def test_precedence(environ: dict[str, str], init: Any, config: Any, model: str) -> None:
    assert load_settings(environ, init, config).settings.model == model


def test_nested_sections_merge_key_by_key() -> None:
    loaded = load_settings({}, {"completion": {"maxLines": 3}}, {"completion": {"debounceMs": 10}})
    assert loaded.settings.completion.max_lines == 3
    assert loaded.settings.completion.debounce_ms == 10
    assert loaded.problems == ()


def test_a_bad_value_falls_back_to_the_next_source_and_is_named() -> None:
    loaded = load_settings(
        ENV, {"completion": {"maxLines": 4}}, {"completion": {"maxLines": "many"}, "apiKey": 5}
    )
    assert loaded.settings.completion.max_lines == 4
    assert loaded.settings.api_key_value() == "xai-env-key"
    text = "\n".join(loaded.problems)
    assert "grok.completion.maxLines" in text and "'many'" in text
    assert "grok.apiKey" in text and "5" not in text.split("grok.apiKey")[1].split("\n")[0][-12:]


def test_an_incomplete_price_is_dropped_whole() -> None:
    loaded = load_settings({}, None, {"prices": {"m": {"input": 1}}})
    assert loaded.settings.prices == {}
    assert loaded.problems == ("grok.prices.m: Field required (got {'input': 1})",)


def test_defaults() -> None:
    settings = load_settings({}).settings
    assert settings.base_url == DEFAULT_BASE_URL
    assert settings.api_key is None
    assert settings.completion_model == settings.actions_model == DEFAULT_MODEL
    assert settings.exclude == ()  # the credential defaults apply besides it (privacy.py)


def test_the_key_is_never_in_the_repr() -> None:
    settings = load_settings({"XAI_API_KEY": "xai-secret-value"}).settings
    assert "xai-secret-value" not in repr(settings)
    assert "xai-secret-value" not in str(settings.model_dump())
