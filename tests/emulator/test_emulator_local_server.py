"""The emulator as a local server: strict roles, no usage, SSE pings, interrupted streams."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from grok_lsp.emulator.local_server import ROLES_MESSAGE
from tests.support.emulator_http import HEADERS, REQUEST, data_lines, inject

SYSTEM = {"role": "system", "content": "be brief"}
USER = {"role": "user", "content": "hello"}
ASSISTANT = {"role": "assistant", "content": "hi"}


async def configure(client: httpx.AsyncClient, **options: Any) -> None:
    (await client.post("/emulator/config", json=options)).raise_for_status()


async def chat(client: httpx.AsyncClient, messages: list[dict[str, str]]) -> httpx.Response:
    body = {**REQUEST, "messages": messages}
    return await client.post("/v1/chat/completions", json=body, headers=HEADERS)


@pytest.mark.parametrize(
    ("messages", "accepted"),
    [
        ([SYSTEM, USER], True),
        ([USER, ASSISTANT, USER], True),
        ([SYSTEM, USER, USER], False),
        ([SYSTEM, ASSISTANT], False),
        ([SYSTEM], False),
    ],
)
async def test_strict_roles_refuse_what_gemma_3s_template_refuses(
    client: httpx.AsyncClient, messages: list[dict[str, str]], accepted: bool
) -> None:
    assert (await chat(client, messages)).status_code == 200  # lenient by default
    await configure(client, strictRoles=True)
    response = await chat(client, messages)
    if accepted:
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        assert response.json()["error"]["message"] == ROLES_MESSAGE


async def test_no_usage_whatever_include_usage_asks(client: httpx.AsyncClient) -> None:
    await configure(client, sendUsage=False)
    lines = data_lines((await chat(client, [USER])).text)
    assert lines[-1] == "[DONE]"
    chunks = [json.loads(line) for line in lines[:-1]]
    assert not any("usage" in chunk for chunk in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


async def test_pings_are_comment_lines_between_events(client: httpx.AsyncClient) -> None:
    plain = (await chat(client, [USER])).text
    await configure(client, pingEveryTokens=2)
    pinged = (await chat(client, [USER])).text
    assert ": ping\n\n" not in plain and pinged.count(": ping\n\n") >= 1
    assert data_lines(pinged)[-1] == "[DONE]"
    assert len(data_lines(pinged)) == len(data_lines(plain))


async def test_an_interrupted_stream_ends_with_done_and_no_finish_reason(
    client: httpx.AsyncClient,
) -> None:
    await inject(client, kind="interrupted", afterTokens=1)
    lines = data_lines((await chat(client, [USER])).text)
    assert lines[-1] == "[DONE]"
    chunks = [json.loads(line) for line in lines[:-1]]
    contents = [chunk["choices"][0]["delta"].get("content") for chunk in chunks]
    assert contents and len([c for c in contents if c]) == 1
    assert all(chunk["choices"][0].get("finish_reason") is None for chunk in chunks)
    assert not any("usage" in chunk for chunk in chunks)
