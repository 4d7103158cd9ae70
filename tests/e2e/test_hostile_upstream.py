"""An upstream that drips, pings, never ends, sends huge or inflating bodies, absurd usage or
far-off `retry-after`: every request is still answered within its deadline, with one short
message, in bounded memory."""

from __future__ import annotations

import asyncio
import json
import time
from email.utils import formatdate
from typing import Any

import pytest
from lsprotocol import types as t

from tests.conftest import StartClient
from tests.support.hostile import (
    SSE_HEAD,
    HostileUpstream,
    Reply,
    Seen,
    answer,
    chunk,
    endless,
    gzip_bomb,
    json_reply,
    raw_reply,
)
from tests.support.inline import PARTIAL, inline_params, inserted
from tests.support.lsp import GrokClient, change, open_document, server_stats
from tests.support.procfs import peak_rss_kib

# Whatever the upstream does, the answer comes well within this (a test bound, not a speed
# claim: the deadlines below are 1.5 s).
ANSWERED_S = 30
SUGGESTION = "me}!'"


async def start(
    start_client: StartClient, upstream: HostileUpstream, **completion: Any
) -> GrokClient:
    settings = {"completion": {"debounceMs": 0, **completion}}
    return await start_client(settings=settings, env={"GROK_LSP_BASE_URL": upstream.base_url})


async def ask(client: GrokClient, uri: str, line: int = 1, character: int = 23) -> list[str]:
    request = client.text_document_inline_completion_async(inline_params(uri, line, character))
    return inserted(await asyncio.wait_for(request, ANSWERED_S))


async def the_message(client: GrokClient) -> str:
    """The one message shown (after the notifications sent with the answer arrive)."""
    await asyncio.sleep(0.1)
    [message] = [m.message for m in client.messages]
    return message


def peak_rss_mb(client: GrokClient) -> float:
    """The server process's peak resident memory (VmHWM), in MB."""
    return peak_rss_kib(client.server_process.pid) / 1024


# -- 7: a deadline for the whole answer -------------------------------------------------------
NEVER_DONE = [
    pytest.param(endless(SSE_HEAD, b"d", 0.1), id="one-byte-at-a-time"),
    pytest.param(endless(SSE_HEAD, chunk(""), 0.1), id="endless-empty-deltas"),
    pytest.param(endless(SSE_HEAD, b": ping\n\n", 0.2), id="sse-comment-pings"),
]


@pytest.mark.parametrize("reply", NEVER_DONE)
async def test_a_stream_that_never_finishes_is_cut_at_the_deadline(
    start_client: StartClient, reply: Reply
) -> None:
    async with HostileUpstream(reply) as upstream:
        client = await start(start_client, upstream, timeoutMs=1500)
        uri = open_document(client, PARTIAL)
        assert await ask(client, uri) == []
        message = await the_message(client)
        assert "did not answer in time" in message and "1.5 s" in message
        upstream.chat = answer(SUGGESTION)
        assert await ask(client, uri) == [SUGGESTION]


# -- 19.6: a joined stream that has said nothing -----------------------------------------------
def slow_then_quick(silent_s: float) -> Reply:
    """The first chat says nothing for `silent_s`, then answers for the place it was asked
    for; every later one answers "z" at once."""
    calls = 0

    async def reply(seen: Seen, writer: asyncio.StreamWriter) -> None:
        nonlocal calls
        calls += 1
        if calls > 1:
            return await answer("z")(seen, writer)
        writer.write(SSE_HEAD)
        await writer.drain()
        await asyncio.sleep(silent_s)
        await answer(SUGGESTION)(seen, writer)

    return reply


async def type_xy_and_ask(client: GrokClient, uri: str, after_s: float) -> list[str]:
    first = asyncio.ensure_future(ask(client, uri))
    await asyncio.sleep(after_s)
    change(client, uri, 2, t.Position(1, 23), t.Position(1, 23), "xy")
    answered = await ask(client, uri, 1, 25)
    first.cancel()  # superseded: the server answered it with RequestCancelled
    await asyncio.gather(first, return_exceptions=True)
    return answered


async def test_a_joined_answer_that_does_not_fit_what_was_typed_is_asked_afresh(
    start_client: StartClient,
) -> None:
    async with HostileUpstream(slow_then_quick(0.8)) as upstream:
        client = await start(start_client, upstream)
        uri = open_document(client, PARTIAL)
        assert await type_xy_and_ask(client, uri, 0.2) == ["z"]
        _, second = upstream.chats()
        assert "{naxy" in json.dumps(second.json()["messages"])


async def test_a_stream_silent_past_the_bound_is_not_joined(start_client: StartClient) -> None:
    async with HostileUpstream(slow_then_quick(10)) as upstream:
        client = await start(start_client, upstream)
        uri = open_document(client, PARTIAL)
        assert await type_xy_and_ask(client, uri, 2.5) == ["z"]
        served = await server_stats(client)
        assert served["sharedStreams"] == 0 and served["streamsClosedEarly"] == 1


# -- 8: an endless line -------------------------------------------------------------------------
async def test_an_endless_sse_line_is_cut_in_bounded_memory(start_client: StartClient) -> None:
    line = endless(SSE_HEAD + b"data: ", b"x" * 65536, 0.001)
    async with HostileUpstream(line) as upstream:
        client = await start(start_client, upstream, timeoutMs=60000)
        uri = open_document(client, PARTIAL)
        assert await ask(client, uri) == []
        message = await the_message(client)
        assert "malformed stream" in message and "longer than" in message
        assert peak_rss_mb(client) < 200


# -- 9: bodies read as a bounded prefix ---------------------------------------------------------
BOMB = gzip_bomb(300)


async def test_a_huge_error_body_gives_one_short_message(start_client: StartClient) -> None:
    words = "the request failed because " * 800_000  # ~21 MB of one JSON message
    async with HostileUpstream(json_reply(500, {"error": words})) as upstream:
        client = await start(start_client, upstream)
        uri = open_document(client, PARTIAL)
        assert await ask(client, uri) == []
        message = await the_message(client)
        assert "(HTTP 500)" in message and len(message) < 1000
        said = [m.message for m in client.log_messages] + [json.dumps(client.statuses)]
        assert sum("the request failed because" in text for text in said) == 1  # the log's
        assert max(len(text) for text in said) < 1000


async def test_a_gzip_bomb_error_body_is_read_as_a_bounded_prefix(
    start_client: StartClient,
) -> None:
    bomb = raw_reply(500, BOMB, content_encoding="gzip", content_type="text/plain")
    async with HostileUpstream(bomb) as upstream:
        client = await start(start_client, upstream)
        uri = open_document(client, PARTIAL)
        assert await ask(client, uri) == []
        assert peak_rss_mb(client) < 200  # 300 MB inflated, were it read whole
        upstream.chat = answer(SUGGESTION)
        assert await ask(client, uri) == [SUGGESTION]


async def test_a_gzip_bomb_model_list_at_start_is_read_as_a_bounded_prefix(
    start_client: StartClient,
) -> None:
    bomb = raw_reply(200, BOMB, content_encoding="gzip", content_type="application/json")
    async with HostileUpstream(answer(SUGGESTION), models=bomb) as upstream:
        client = await start(start_client, upstream)
        for _ in range(100):  # the model list is fetched after `initialized`
            if client.messages:
                break
            await asyncio.sleep(0.1)
        assert "did not return a model list" in client.messages[0].message
        assert peak_rss_mb(client) < 200
        uri = open_document(client, PARTIAL)
        assert await ask(client, uri) == [SUGGESTION]


# -- 10: retry-after -----------------------------------------------------------------------------
async def test_a_retry_after_date_far_ahead_pauses_for_minutes_and_shows_it(
    start_client: StartClient,
) -> None:
    an_hour = formatdate(time.time() + 3600, usegmt=True)
    limited = json_reply(429, {"error": "slow down"}, retry_after=an_hour)
    async with HostileUpstream(limited) as upstream:
        client = await start(start_client, upstream)
        uri = open_document(client, PARTIAL)
        assert await ask(client, uri) == []
        message = await the_message(client)
        assert "resume in 5 min" in message, message
        served = await server_stats(client)
        assert served["state"] == "paused" and 200 < served["rateLimitedForS"] <= 300
        upstream.chat = answer(SUGGESTION)
        assert await ask(client, uri) == [SUGGESTION]  # explicit: tried again at once
        served = await server_stats(client)
        assert served["state"] == "idle" and served["rateLimitedForS"] == 0


# -- 12: absurd usage ----------------------------------------------------------------------------
async def test_absurd_usage_numbers_are_ignored_not_a_failure(start_client: StartClient) -> None:
    usage = {
        "prompt_tokens": -5,
        "completion_tokens": "12",
        "prompt_tokens_details": {"cached_tokens": 10**30},
        "completion_tokens_details": {"reasoning_tokens": 1e308},
        "cost_in_usd_ticks": 10**400,
    }
    async with HostileUpstream(answer(SUGGESTION, usage=usage)) as upstream:
        client = await start(start_client, upstream)
        uri = open_document(client, PARTIAL)
        assert await ask(client, uri) == [SUGGESTION]
        served = await server_stats(client)
        counts = ("promptTokens", "cachedTokens", "completionTokens", "reasoningTokens")
        assert [served[name] for name in counts] == [0, 0, 0, 0]
        assert 0 <= served["costUsd"] < 1
