"""Injected faults: statuses, bodies and headers of the errors; what stream faults send."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.support.emulator_http import chat, data_lines, inject


@pytest.mark.parametrize(
    ("kind", "status", "code", "message"),
    [
        (
            "bad_key",
            400,
            "Client specified an invalid argument",
            "Incorrect API key provided: xa***yz. You can obtain an API key from https://console.x.ai.",
        ),
        (
            "unauthorized",
            401,
            "The request does not have valid authentication credentials",
            "No API key provided",
        ),
        (
            "forbidden",
            403,
            "The caller does not have permission to execute the specified operation",
            "doesn't have any credits or licenses",
        ),
        (
            "model_not_found",
            404,
            "Some requested entity was not found",
            "The model grok-code-fast-1 does not exist or your team does not have access to it.",
        ),
        (
            "context_too_long",
            400,
            "Client specified an invalid argument",
            "This model's maximum prompt length is 256000 but the request contains 256001 tokens.",
        ),
        ("rate_limit", 429, "Some resource has been exhausted", "requests-per-minute"),
        (
            "credits_exhausted",
            429,
            "Some resource has been exhausted",
            "has either used all available credits or reached its monthly spending limit",
        ),
        ("server_error", 500, "Internal error", "Internal server error"),
        ("unavailable", 503, "The service is currently unavailable", "unavailable"),
    ],
)
async def test_http_fault(
    client: httpx.AsyncClient, kind: str, status: int, code: str, message: str
) -> None:
    await inject(client, kind=kind)
    response = await chat(client)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert message in response.json()["error"]
    assert "retry-after" not in response.headers
    assert (await chat(client)).status_code == 200  # consumed by one request


async def test_openai_shape_and_retry_after(client: httpx.AsyncClient) -> None:
    await inject(client, kind="rate_limit", retryAfter=2, shape="openai")
    response = await chat(client)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    error = response.json()["error"]
    assert set(error) == {"message", "type", "code"}
    assert error["type"] == "rate_limit_error"


async def test_count_serves_a_fault_several_times(client: httpx.AsyncClient) -> None:
    await inject(client, kind="unavailable", count=2)
    statuses = [(await chat(client)).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    stats = (await client.get("/emulator/stats")).json()
    assert stats["faults_served"] == 2
    assert stats["errors_by_status"] == {"503": 2}


async def test_faults_queue_in_order_and_can_be_cleared(client: httpx.AsyncClient) -> None:
    await inject(client, kind="forbidden")
    await inject(client, kind="server_error")
    pending = (await client.get("/emulator/faults")).json()["pending"]
    assert [f["kind"] for f in pending] == ["forbidden", "server_error"]
    assert (await chat(client)).status_code == 403
    await client.delete("/emulator/faults")
    assert (await chat(client)).status_code == 200
    bad = await client.post("/emulator/faults", json={"kind": "no_such_fault"})
    assert bad.status_code == 400


async def test_malformed_sends_a_data_line_that_is_not_json(client: httpx.AsyncClient) -> None:
    await inject(client, kind="malformed", afterTokens=2)
    data = data_lines((await chat(client)).text)
    broken = [i for i, d in enumerate(data) if d != "[DONE]" and not _is_json(d)]
    assert len(broken) == 1
    assert [json.loads(d)["choices"][0]["delta"].get("content") for d in data[: broken[0]]][-1]
    assert broken[0] == 2
    assert data[-1] == "[DONE]"


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


async def test_bad_json_content_breaks_an_edit_answer(client: httpx.AsyncClient) -> None:
    edit = (
        '<edit_target path="a.py" start_line="1" end_line="1">\nimport os\n</edit_target>\n'
        '<diagnostic code="F401" source="ruff">`os` imported but unused</diagnostic>'
    )
    messages = [{"role": "user", "content": edit}]
    good = (await chat(client, messages=messages, stream=False)).json()
    assert json.loads(good["choices"][0]["message"]["content"])["replacement"] == ""
    await inject(client, kind="bad_json_content")
    bad = (await chat(client, messages=messages, stream=False)).json()
    content = bad["choices"][0]["message"]["content"]
    assert not _is_json(content)
    assert "```" not in content and "{" not in content  # no code, no object: nothing to apply
