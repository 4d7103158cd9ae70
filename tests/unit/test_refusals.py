"""Refused request fields: which field a 400 names, and the client dropping and remembering it."""

from __future__ import annotations

import json

import httpx
import pytest

from grok_lsp.provider.client import ProviderClient
from grok_lsp.provider.errors import BadRequestError
from grok_lsp.provider.refusals import RefusedFields
from tests.support.fake_api import (
    BASE,
    FakeAPI,
    answered,
    collect,
    fake_client,
    request,
)

BODY = {
    "model": "m",
    "messages": [],
    "stream": True,
    "stream_options": {},
    "response_format": {},
    "max_tokens": 9,
}


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("Argument not supported on this model: response_format", "response_format"),  # xAI
        ("Unrecognized request argument supplied: stream_options", "stream_options"),  # OpenAI
        ("body.response_format: Extra inputs are not permitted", "response_format"),  # pydantic
        (  # llama-cpp-python 0.3.36, with HTTP 500
            "1 validation error: {'type': 'literal_error', 'loc': ('body', 'response_format', "
            "'type'), 'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema'}",
            "response_format",
        ),
        ("'stream_options' is not supported by this server", "stream_options"),
        ("max_tokens must be a positive integer", None),  # a bad value, not a refused field
        ("Argument not supported: seed", None),  # not a field of this request
        ("unsupported: stream_options and response_format", None),  # two: which one is unknown
        ("Argument not supported on this model: messages", None),  # essential, never dropped
        ("Argument not supported on this model: max_tokens_x", None),  # a longer name
    ],
)
def test_the_refused_field_is_read_from_the_message(message: str, field: str | None) -> None:
    refused = RefusedFields()
    assert refused.learn(BASE, "m", BODY, message) == field
    assert refused.refused(BASE, "m") == ({field} if field else set())


def refusal(field: str) -> httpx.Response:
    return httpx.Response(
        400,
        json={
            "code": "Client specified an invalid argument",
            "error": f"Argument not supported on this model: {field}",
        },
    )


def sent(api: FakeAPI, index: int) -> set[str]:
    return set(json.loads(api.requests[index].content))


def client(api: FakeAPI, refused: RefusedFields, base: str = BASE) -> ProviderClient:
    return fake_client(api, base=base, refused=refused)


async def test_dropped_retried_once_and_remembered_per_base_url_and_model() -> None:
    api = FakeAPI(refusal("response_format"), answered(), answered(), answered(), answered())
    refused = RefusedFields()
    schema = {"type": "json_schema", "json_schema": {}}
    first = client(api, refused)
    assert (await collect(first, request(response_format=schema)))[0] == "x"
    assert "response_format" in sent(api, 0) and "response_format" not in sent(api, 1)
    await collect(first, request(response_format=schema))
    assert "response_format" not in sent(api, 2)  # remembered: not sent again
    rebuilt = client(api, refused)  # a client rebuilt after a settings change still knows
    await collect(rebuilt, request(response_format=schema))
    assert "response_format" not in sent(api, 3)
    await collect(first, request("grok-4.3", response_format=schema))  # another model: sent
    assert "response_format" in sent(api, 4)
    assert len(api.requests) == 5
    for made in (first, rebuilt):
        await made.aclose()


async def test_a_second_refusal_is_learned_but_not_retried_again() -> None:
    api = FakeAPI(refusal("response_format"), refusal("stream_options"), answered())
    refused = RefusedFields()
    made = client(api, refused)
    with pytest.raises(BadRequestError, match="stream_options"):
        await collect(made, request(response_format={"type": "json_schema"}))
    assert len(api.requests) == 2
    await collect(made, request(response_format={"type": "json_schema"}))
    assert not {"response_format", "stream_options"} & sent(api, 2)
    await made.aclose()


async def test_a_400_naming_no_field_fails_at_once() -> None:
    bad = httpx.Response(400, json={"code": "x", "error": "max_tokens must be a positive integer"})
    api = FakeAPI(bad)
    made = client(api, RefusedFields())
    with pytest.raises(BadRequestError):
        await collect(made, request())
    assert len(api.requests) == 1
    await made.aclose()
