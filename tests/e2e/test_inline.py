"""Inline completions through the real protocol, against the emulator over loopback."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types as t
from pygls.exceptions import JsonRpcRequestCancelled

from tests.conftest import OVER_BOTH_APIS, StartClient
from tests.support.emulator import Emulator
from tests.support.inline import EXPECTED, ORACLE, PARTIAL, inline_params, inserted
from tests.support.lsp import open_document, send_request, server_stats
from tests.support.polling import eventually
from tests.support.profiles import helix_capabilities

FAREWELL = "def farewell(name: str) -> str:\n    return f'Good"
# What only one API's body carries: how a stream asks for usage, and how the cache is routed.
ONLY_IN: dict[str, dict[str, object]] = {
    "chat": {"stream_options": {"include_usage": True}},
    "responses": {"store": False},
}

pytestmark = OVER_BOTH_APIS


async def test_advertises_inline_completion(start_client: StartClient) -> None:
    client = await start_client()
    assert client.server_capabilities.inline_completion_provider is not None


async def test_inline_completion_in_a_vscode_like_client(
    start_client: StartClient, emulator: Emulator, api: str
) -> None:
    emulator.set_oracle(ORACLE)
    client = await start_client()
    uri = open_document(client, PARTIAL)
    result = await client.text_document_inline_completion_async(inline_params(uri, 1, 23))
    assert inserted(result) == [EXPECTED]
    request = emulator.stats()["last_request"]
    body = request["body"]
    assert request["api"] == api and body["stream"] is True
    [(only, value)] = ONLY_IN[api].items()
    assert body[only] == value
    unsent = {"stop", "presence_penalty", "frequency_penalty", "reasoning_effort", "reasoning"}
    assert not unsent & set(body)
    # One conversation id routes the cache on both: the header, and the Responses body field.
    assert request["headers"]["x-grok-conv-id"]
    assert emulator.last_cache_key() == request["headers"]["x-grok-conv-id"]
    assert "<|cursor|>" in emulator.last_messages()[-1]["content"]
    served = await server_stats(client)
    assert served["model"]["served"] == "grok-lsp-emulator"
    assert served["promptTokens"] > 0 and served["costUsd"] > 0


async def test_the_service_tier_is_sent_only_when_set(
    start_client: StartClient, emulator: Emulator
) -> None:
    emulator.set_oracle(ORACLE)
    for tier in (None, "priority"):
        client = await start_client(settings={"serviceTier": tier} if tier else {})
        uri = open_document(client, PARTIAL)
        result = await client.text_document_inline_completion_async(inline_params(uri, 1, 23))
        assert inserted(result) == [EXPECTED]
        assert emulator.stats()["last_request"]["body"].get("service_tier") == tier


async def test_completion_items_without_inline_support(
    start_client: StartClient, emulator: Emulator
) -> None:
    emulator.set_oracle(ORACLE)
    client = await start_client(capabilities=helix_capabilities())
    assert client.server_capabilities.position_encoding == t.PositionEncodingKind.Utf8
    uri = open_document(client, PARTIAL)
    result = await client.text_document_completion_async(
        t.CompletionParams(
            text_document=t.TextDocumentIdentifier(uri=uri),
            position=t.Position(line=1, character=23),
        )
    )
    assert isinstance(result, t.CompletionList) and result.is_incomplete
    [item] = result.items
    assert item.detail == "grok"
    assert isinstance(item.text_edit, t.TextEdit)
    # Helix takes snippets: the text is escaped as one, and inserted verbatim.
    assert item.insert_text_format == t.InsertTextFormat.Snippet
    assert item.text_edit.new_text == "na" + EXPECTED.replace("}", "\\}")
    assert item.text_edit.range.start == t.Position(line=1, character=21)  # the word's start
    assert item.filter_text == "na" + EXPECTED


async def test_cancel_closes_the_upstream_stream(
    start_client: StartClient, emulator: Emulator
) -> None:
    emulator.set_oracle(ORACLE)
    emulator.configure(ttft_ms=0, tokens_per_second=4)
    client = await start_client()
    uri = open_document(client, PARTIAL)
    request = asyncio.ensure_future(
        send_request(
            client, t.TEXT_DOCUMENT_INLINE_COMPLETION, inline_params(uri, 1, 23), msg_id=4242
        )
    )
    await eventually(lambda: emulator.stats()["streams_in_flight"] == 1, 5)
    client.cancel_request(t.CancelParams(id=4242))
    with pytest.raises(JsonRpcRequestCancelled):
        await asyncio.wait_for(request, 5)
    await eventually(lambda: emulator.stats()["streams_aborted"] == 1, 5)
    served = await server_stats(client)
    assert served["cancelled"] == 1 and served["streamsClosedEarly"] == 1


async def test_single_line_returns_before_the_stream_ends(
    start_client: StartClient, emulator: Emulator
) -> None:
    # The oracle continues past the cursor's line; a single-line suggestion must not wait.
    emulator.set_oracle(ORACLE)
    emulator.configure(ttft_ms=0, tokens_per_second=40, overshoot_lines=4)
    client = await start_client()
    uri = open_document(client, PARTIAL)
    result = await client.text_document_inline_completion_async(inline_params(uri, 1, 23))
    assert inserted(result) == [EXPECTED]
    assert emulator.stats()["streams_completed"] == 0  # we did not wait for the end
    await eventually(lambda: emulator.stats()["streams_aborted"] == 1, 5)  # and we closed it


async def test_newer_request_supersedes_older(
    start_client: StartClient, emulator: Emulator
) -> None:
    emulator.set_oracle(ORACLE)
    emulator.configure(ttft_ms=0, tokens_per_second=4)
    client = await start_client()
    uri = open_document(client, PARTIAL)
    first = asyncio.ensure_future(
        client.text_document_inline_completion_async(inline_params(uri, 1, 23))
    )
    await eventually(lambda: emulator.stats()["streams_in_flight"] == 1, 5)
    emulator.configure(tokens_per_second=0)
    client.text_document_did_change(
        t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[t.TextDocumentContentChangeWholeDocument(text=FAREWELL)],
        )
    )
    second = await client.text_document_inline_completion_async(inline_params(uri, 1, 17))
    with pytest.raises(JsonRpcRequestCancelled):
        await asyncio.wait_for(first, 5)
    assert inserted(second) == ["bye, {name}.'"]
    # The old stream no longer fits the text: closed at once, not after the grace period.
    assert emulator.stats()["streams_aborted"] == 1
