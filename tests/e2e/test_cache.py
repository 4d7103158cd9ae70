"""Prompts the cache keeps, and requests not sent: through the real server, against the emulator."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types as t

from tests.conftest import OVER_BOTH_APIS, StartClient
from tests.support.emulator import Emulator
from tests.support.inline import EXPECTED, ORACLE, PARTIAL, inline_params, inserted
from tests.support.lsp import insert, open_document, server_stats

BODY = "".join(f"def helper_{i}(x):\n    return x + {i}\n\n\n" for i in range(40))


@OVER_BOTH_APIS
async def test_typing_in_a_line_keeps_the_leading_layers_byte_identical(
    start_client: StartClient, emulator: Emulator
) -> None:
    client = await start_client()
    uri = open_document(client, BODY)
    line = 21  # "    return x + 5"-like line in the middle of the file
    await client.text_document_inline_completion_async(inline_params(uri, line, 4))
    first = emulator.leading_layers()
    version, column = 1, 4

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(st.text("abcxyz_ (=:", min_size=1, max_size=4), min_size=1, max_size=6))
    def typing(pieces: list[str]) -> None:
        nonlocal version, column
        for piece in pieces:
            version += 1
            insert(client, uri, version, t.Position(line, column), piece)
            column += len(piece)
            future = asyncio.run_coroutine_threadsafe(
                client.text_document_inline_completion_async(inline_params(uri, line, column)), loop
            )
            future.result(10)
            assert emulator.leading_layers() == first

    loop = asyncio.get_running_loop()
    await asyncio.to_thread(typing)
    assert emulator.stats()["cached_tokens"] > 0


async def test_a_far_edit_refreshes_the_snapshot_only_past_the_threshold(
    start_client: StartClient, emulator: Emulator
) -> None:
    client = await start_client(
        settings={"completion": {"debounceMs": 0}, "prompt": {"snapshotDriftChars": 200}}
    )
    uri = open_document(client, BODY)
    await client.text_document_inline_completion_async(inline_params(uri, 21, 4))
    first = emulator.leading_layers()
    insert(client, uri, 2, t.Position(0, 0), "# small note\n")
    await client.text_document_inline_completion_async(inline_params(uri, 22, 4))
    assert emulator.leading_layers() == first
    assert "# small note" in emulator.last_messages()[-1]["content"]
    insert(client, uri, 3, t.Position(0, 0), "#" * 300 + "\n")
    await client.text_document_inline_completion_async(inline_params(uri, 23, 4))
    assert emulator.leading_layers() != first


async def test_typing_what_was_suggested_costs_no_request(
    start_client: StartClient, emulator: Emulator
) -> None:
    emulator.set_oracle(ORACLE)
    client = await start_client()
    uri = open_document(client, PARTIAL)
    assert inserted(
        await client.text_document_inline_completion_async(inline_params(uri, 1, 23))
    ) == [EXPECTED]
    requests = emulator.stats()["requests"]
    for version, char in enumerate(EXPECTED[:5], start=2):
        column = 23 + version - 2
        insert(client, uri, version, t.Position(1, column), char)
        result = await client.text_document_inline_completion_async(
            inline_params(uri, 1, column + 1)
        )
        assert inserted(result) == [EXPECTED[version - 1 :]]
    assert emulator.stats()["requests"] == requests
    served = await server_stats(client)
    assert served["typeaheadHits"] == 5 and served["upstreamRequests"] == 1


async def test_two_identical_concurrent_requests_make_one_upstream_request(
    start_client: StartClient, emulator: Emulator
) -> None:
    emulator.set_oracle(ORACLE)
    emulator.configure(tokens_per_second=50)
    client = await start_client()
    first_uri = open_document(client, PARTIAL)
    first = client.text_document_inline_completion_async(inline_params(first_uri, 1, 23))
    second = client.text_document_inline_completion_async(inline_params(first_uri, 1, 23))
    results = await asyncio.gather(first, second, return_exceptions=True)
    answered = [inserted(result) for result in results if not isinstance(result, BaseException)]
    assert [EXPECTED] in answered
    assert emulator.stats()["requests"] == 1


async def test_accepting_a_suggestion_asks_for_the_next_at_once(
    start_client: StartClient, emulator: Emulator
) -> None:
    emulator.set_oracle(ORACLE)
    client = await start_client(settings={"completion": {"debounceMs": 30000}})
    uri = open_document(client, PARTIAL)
    invoked = inline_params(uri, 1, 23)
    assert inserted(await client.text_document_inline_completion_async(invoked)) == [EXPECTED]
    insert(client, uri, 2, t.Position(1, 23), EXPECTED + "\n")  # Tab, then Enter
    automatic = inline_params(uri, 2, 0, automatic=True)
    # Within 15 s although the debounce is 30 s: an accepted suggestion skips it.
    await asyncio.wait_for(client.text_document_inline_completion_async(automatic), 15)
    assert emulator.stats()["requests"] == 2
    served = await server_stats(client)
    assert served["accepted"] == 1


async def test_an_automatic_repeat_at_the_same_place_gets_the_same_suggestion(
    start_client: StartClient, emulator: Emulator
) -> None:
    # VS Code asks again on focus and cursor events with nothing typed; the governor would not
    # send it upstream (nothing changed), so it must be served from what was already shown.
    emulator.set_oracle(ORACLE)
    client = await start_client()
    uri = open_document(client, PARTIAL[:-1])
    insert(client, uri, 2, t.Position(1, 22), "a")  # typed, so automatic requests may go out
    automatic = inline_params(uri, 1, 23, automatic=True)
    assert inserted(await client.text_document_inline_completion_async(automatic)) == [EXPECTED]
    assert inserted(await client.text_document_inline_completion_async(automatic)) == [EXPECTED]
    assert emulator.stats()["requests"] == 1
