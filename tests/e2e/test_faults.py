"""Every failure upstream ends in an empty result and one clear message; the server goes on."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types as t

from tests.conftest import OVER_BOTH_APIS, StartClient
from tests.support.emulator import Emulator
from tests.support.inline import EXPECTED, ORACLE, PARTIAL, inline_params, inserted
from tests.support.lsp import TEST_KEY, GrokClient, change, open_document, server_stats

pytestmark = OVER_BOTH_APIS

FAULTS = [
    pytest.param("server_error", {}, "(HTTP 500): the API failed", id="500"),
    pytest.param("unavailable", {}, "(HTTP 503): the API failed", id="503"),
    pytest.param("cut_stream", {"afterTokens": 2}, "stream ended before", id="cut-stream"),
    pytest.param("malformed", {"afterTokens": 1}, "malformed stream", id="malformed-sse"),
]
# Failures every further request would repeat: the server pauses until the settings change.
PAUSING = [
    pytest.param(
        "forbidden", "(HTTP 403): the API key was refused", {"apiKey": "xai-k2"}, id="403"
    ),
    pytest.param("bad_key", "(HTTP 400): the API key was refused", {"apiKey": "xai-k3"}, id="400"),
    pytest.param("model_not_found", "(HTTP 404): the model", {"model": "grok-4.3"}, id="404"),
    pytest.param("credits_exhausted", "(HTTP 429): the xAI team", {"apiKey": "xai-k4"}, id="429"),
]


async def ask(client: GrokClient, uri: str) -> list[str]:
    return inserted(await client.text_document_inline_completion_async(inline_params(uri, 1, 23)))


async def settle(client: GrokClient) -> None:
    """Let notifications sent just before a response arrive."""
    await asyncio.sleep(0.1)


@pytest.mark.parametrize(("kind", "options", "wording"), FAULTS)
async def test_a_fault_gives_an_empty_result_one_message_and_the_next_request_works(
    start_client: StartClient, emulator: Emulator, kind: str, options: dict[str, int], wording: str
) -> None:
    emulator.set_oracle(ORACLE)
    client = await start_client()
    uri = open_document(client, PARTIAL)
    emulator.fault(kind, count=2, **options)
    assert await ask(client, uri) == []
    assert await ask(client, uri) == []
    await settle(client)
    messages = client.shown()
    assert len(messages) == 1, messages  # one message per kind of failure, not one per request
    assert wording in messages[0]
    assert TEST_KEY not in messages[0]
    assert await ask(client, uri) == [EXPECTED]
    assert (await server_stats(client))["errors"] == 2


@pytest.mark.parametrize(("kind", "wording", "change"), PAUSING)
async def test_a_pausing_fault_stops_requests_until_the_settings_change(
    start_client: StartClient, emulator: Emulator, kind: str, wording: str, change: dict[str, str]
) -> None:
    emulator.set_oracle(ORACLE)
    client = await start_client()
    uri = open_document(client, PARTIAL)
    emulator.fault(kind)
    assert await ask(client, uri) == []
    requests = emulator.stats()["requests"]
    assert await ask(client, uri) == []
    assert emulator.stats()["requests"] == requests  # paused: nothing sent
    await settle(client)
    [message] = client.shown()
    assert wording in message and "paused" in message
    assert TEST_KEY not in message
    client.set_configuration({"completion": {"debounceMs": 0}, **change}, section="grok")
    client.workspace_did_change_configuration(t.DidChangeConfigurationParams(settings=None))
    await asyncio.sleep(0.3)
    assert await ask(client, uri) == [EXPECTED]


async def automatic(client: GrokClient, uri: str, character: int = 23) -> list[str]:
    params = inline_params(uri, 1, character, automatic=True)
    return inserted(await client.text_document_inline_completion_async(params))


async def test_a_rate_limit_opens_the_circuit_for_retry_after(
    start_client: StartClient, emulator: Emulator
) -> None:
    emulator.set_oracle(ORACLE)
    client = await start_client()
    uri = open_document(client, PARTIAL)
    emulator.fault("rate_limit", retryAfter=1)
    assert await ask(client, uri) == []
    requests = emulator.stats()["requests"]
    assert await automatic(client, uri) == []  # dropped while the circuit is open: not sent
    assert emulator.stats()["requests"] == requests
    await settle(client)
    [message] = client.shown()
    assert "(HTTP 429): rate limited" in message and "resume in 1 s" in message
    await asyncio.sleep(1.1)
    assert await ask(client, uri) == [EXPECTED]
    served = await server_stats(client)
    assert served["dropped"] == 1


async def test_a_rate_limit_of_days_is_minutes_and_a_settings_change_tries_again(
    start_client: StartClient, emulator: Emulator
) -> None:
    emulator.set_oracle(ORACLE)
    client = await start_client()
    uri = open_document(client, PARTIAL)
    emulator.fault("rate_limit", retryAfter=999999999)
    assert await ask(client, uri) == []
    await settle(client)
    [message] = client.shown()
    assert "resume in 5 min" in message
    served = await server_stats(client)
    assert served["state"] == "paused" and served["rateLimitedForS"] > 200
    change(client, uri, 2, t.Position(1, 23), t.Position(1, 23), "m")
    requests = emulator.stats()["requests"]
    assert await automatic(client, uri, 24) == []
    assert emulator.stats()["requests"] == requests  # paused
    client.workspace_did_change_configuration(
        t.DidChangeConfigurationParams(settings={"grok": {"completion": {"debounceMs": 1}}})
    )
    await settle(client)
    change(client, uri, 3, t.Position(1, 24), t.Position(1, 24), "e")
    assert await automatic(client, uri, 25) == [EXPECTED[2:]]
    assert (await server_stats(client))["rateLimitedForS"] == 0


async def test_a_provider_that_never_answers_is_cut_by_the_timeout(
    start_client: StartClient, emulator: Emulator
) -> None:
    client = await start_client(settings={"completion": {"debounceMs": 0, "timeoutMs": 300}})
    uri = open_document(client, PARTIAL)
    emulator.fault("hang")
    assert await ask(client, uri) == []
    await settle(client)
    [message] = client.shown()
    assert "did not answer in time" in message


async def test_invalid_settings_are_named_and_defaults_used(start_client: StartClient) -> None:
    client = await start_client(settings={"completion": {"debounceMs": "soon"}})
    await server_stats(client)  # answered once the settings are read (at `initialized`, or for it)
    assert any("grok.completion.debounceMs" in message for message in client.shown())
