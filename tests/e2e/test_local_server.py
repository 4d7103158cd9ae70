"""A local inference server's ways, through the real protocol against the emulator: strict chat
templates, streams interrupted by another request, no usage, SSE pings (issue 19, items 1, 2, 7).
"""

from __future__ import annotations

import asyncio
import socket

from tests.conftest import StartClient
from tests.support.actions import F401, SOURCE, actions_at, apply, titled
from tests.support.emulator import Emulator
from tests.support.inline import EXPECTED, ORACLE, PARTIAL, inline_params, inserted
from tests.support.lsp import open_document, server_stats

UNPRICED = "no price is known for the model `grok-lsp-emulator`"


async def test_completions_and_code_actions_pass_a_strict_chat_template(
    start_client: StartClient, emulator: Emulator
) -> None:
    """Gemma 3's template refuses two user turns in a row; the prompt sends one."""
    emulator.set_oracle(ORACLE)
    emulator.configure(strict_roles=True)
    client = await start_client()
    uri = open_document(client, PARTIAL)
    result = await client.text_document_inline_completion_async(inline_params(uri, 1, 23))
    assert inserted(result) == [EXPECTED]
    fix_uri = open_document(client, SOURCE, uri="file:///work/fix.py")
    resolved = await client.code_action_resolve_async(
        titled(await actions_at(client, fix_uri, F401), "Grok: fix")
    )
    assert apply(SOURCE, resolved.edit) == SOURCE.replace("import os\n", "")
    assert emulator.stats()["errors_by_status"] == {}
    roles = [m["role"] for m in emulator.stats()["last_request"]["body"]["messages"]]
    assert roles == ["system", "user"]


async def test_an_interrupted_stream_is_not_shown_as_a_suggestion(
    start_client: StartClient, emulator: Emulator
) -> None:
    """`[DONE]` without a finish_reason: the fragment is dropped and the user is told why."""
    emulator.set_oracle(ORACLE)
    emulator.fault("interrupted", after_tokens=1)
    client = await start_client()
    uri = open_document(client, PARTIAL)
    result = await client.text_document_inline_completion_async(inline_params(uri, 1, 23))
    assert inserted(result) == []
    await asyncio.sleep(0.1)
    [message] = [m.message for m in client.messages if "completion failed" in m.message]
    assert "ended before it was complete" in message and "finish_reason" in message
    # Asked again, the whole answer comes.
    result = await client.text_document_inline_completion_async(inline_params(uri, 1, 23))
    assert inserted(result) == [EXPECTED]


async def test_a_code_action_retries_an_interrupted_stream(
    start_client: StartClient, emulator: Emulator
) -> None:
    emulator.fault("interrupted", after_tokens=2)
    client = await start_client()
    uri = open_document(client, SOURCE)
    resolved = await client.code_action_resolve_async(
        titled(await actions_at(client, uri, F401), "Grok: fix")
    )
    assert apply(SOURCE, resolved.edit) == SOURCE.replace("import os\n", "")
    served = await server_stats(client)
    assert served["upstreamRequests"] == 2  # code-action requests count too
    assert emulator.stats()["requests"] == 2


async def test_without_usage_the_server_estimates_prompt_cache_and_output(
    start_client: StartClient, emulator: Emulator
) -> None:
    """A server that sends no usage (llama.cpp): tokens are estimated, never left at 0; the
    cached part follows what the server last reported for the same conversation."""
    emulator.set_oracle(ORACLE)
    client = await start_client()
    uri = open_document(client, PARTIAL)
    result = await client.text_document_inline_completion_async(inline_params(uri, 1, 23))
    assert inserted(result) == [EXPECTED]
    reported = await server_stats(client)
    assert reported["usageEstimated"] == 0 and reported["promptTokens"] > 0
    emulator.configure(send_usage=False, ping_every_tokens=1)  # pings must not show either
    result = await client.text_document_inline_completion_async(inline_params(uri, 1, 23))
    assert inserted(result) == [EXPECTED]  # asked explicitly again: a new request
    served = await server_stats(client)
    assert served["usageEstimated"] == 1
    assert served["promptTokens"] == reported["promptTokens"]  # estimates are kept apart
    prompt, cached = served["estimatedPromptTokens"], served["estimatedCachedTokens"]
    share = reported["cachedTokens"] / reported["promptTokens"]
    assert prompt > 0 and cached == round(prompt * share)
    assert served["estimatedOutputTokens"] > 0
    await asyncio.sleep(0.1)
    told = [m.message for m in client.messages if UNPRICED in m.message]
    assert len(told) == 1 and "grok.prices" in told[0]  # once, to the user, not only the log


async def test_a_request_that_never_reached_the_api_costs_nothing(
    start_client: StartClient,
) -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/v1"
    client = await start_client(env={"GROK_LSP_BASE_URL": closed})
    uri = open_document(client, PARTIAL)
    for _ in range(2):
        result = await client.text_document_inline_completion_async(inline_params(uri, 1, 23))
        assert inserted(result) == []
    served = await server_stats(client)
    assert served["errors"] >= 2 and served["costUsd"] == 0  # and the start-up check's
    assert served["usageEstimated"] == 0 and served["estimatedPromptTokens"] == 0
