"""`Pipeline`: what it does with the editor's requests and the streams they start, against a
fake client whose streams the test releases."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import cast

from grok_lsp.completions.cursor import cursor_context
from grok_lsp.completions.pipeline import Pipeline, Query
from grok_lsp.estimate import Exchange
from grok_lsp.metrics import Metrics
from grok_lsp.prompt import Message
from grok_lsp.provider.chunks import StreamDelta
from grok_lsp.provider.client import ProviderClient
from grok_lsp.provider.request import ChatRequest

URI = "file:///work/a.py"
PREFIX = "def total(xs):\n    return "
ANSWER = "sum(xs)"


class FakeChat:
    usage = None
    model = "fake-model"

    def __init__(self, answer: str, release: asyncio.Event) -> None:
        self._answer = answer
        self._release = release

    def __aiter__(self) -> AsyncIterator[StreamDelta]:
        return self._deltas()

    async def _deltas(self) -> AsyncIterator[StreamDelta]:
        await self._release.wait()
        for char in self._answer:
            yield StreamDelta(content=char)


class FakeClient:
    def __init__(self, answer: str = ANSWER) -> None:
        self.answer = answer
        self.requests: list[ChatRequest] = []
        self.release = asyncio.Event()
        self.release.set()

    @contextlib.asynccontextmanager
    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[FakeChat]:
        self.requests.append(request)
        yield FakeChat(self.answer, self.release)


def query(prefix: str = PREFIX, automatic: bool = True, version: int = 1) -> Query:
    source = prefix + "\n"
    context = cursor_context(source, len(prefix), 8)
    return Query(URI, "conv", prefix, "\n", context, automatic, version)


def build() -> tuple[list[Message], ChatRequest]:
    messages: list[Message] = [{"role": "user", "content": "complete"}]
    return messages, ChatRequest("fake-model", messages, 64, conv_id="conv")


def pipeline(
    client: FakeClient, admit: bool = True
) -> tuple[Pipeline, Metrics, list[Exchange], list[bool]]:
    metrics = Metrics()
    used: list[Exchange] = []
    busy: list[bool] = []
    made = Pipeline(
        lambda: cast(ProviderClient, client),
        metrics,
        used.append,
        busy.append,
        lambda _query: admit,
    )
    return made, metrics, used, busy


async def test_a_suggestion_typed_through_is_answered_without_another_request() -> None:
    client = FakeClient()
    made, metrics, used, _busy = pipeline(client)
    assert await made.complete(query(), build, 0, 5) == ANSWER
    assert await made.complete(query(PREFIX + "su"), build, 0, 5) == "m(xs)"
    assert len(client.requests) == 1 and metrics.typeahead_hits == 1
    assert len(used) == 1  # the one request that reached the API was counted


async def test_requests_at_one_place_share_the_stream_in_flight() -> None:
    client = FakeClient()
    client.release.clear()
    made, metrics, _used, busy = pipeline(client)
    first = asyncio.create_task(made.complete(query(), build, 0, 5))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(made.complete(query(), build, 0, 5))
    await asyncio.sleep(0.01)
    assert made.in_flight() == 1 and busy == [True]
    client.release.set()
    assert await first == ANSWER and await second == ANSWER
    assert len(client.requests) == 1 and metrics.shared_streams == 1
    assert made.in_flight() == 0 and busy[-1] is False


async def test_a_query_the_governor_refuses_sends_nothing() -> None:
    client = FakeClient()
    made, metrics, used, _busy = pipeline(client, admit=False)
    assert await made.complete(query(), build, 0, 5) is None
    assert client.requests == [] and used == [] and metrics.dropped == 1


async def test_a_newer_editor_request_for_the_document_cancels_the_older() -> None:
    made, _metrics, _used, _busy = pipeline(FakeClient())

    async def request(other_uri: bool = False) -> None:
        with made.editor_request(URI + "#other" if other_uri else URI):
            await asyncio.sleep(10)

    older, elsewhere = asyncio.create_task(request()), asyncio.create_task(request(True))
    await asyncio.sleep(0.01)
    newer = asyncio.create_task(request())
    await asyncio.sleep(0.01)
    assert older.cancelled() and not newer.done() and not elsewhere.done()
    newer.cancel()
    elsewhere.cancel()
    await asyncio.gather(newer, elsewhere, return_exceptions=True)


async def test_a_closed_document_takes_its_stream_and_suggestions_with_it() -> None:
    client = FakeClient()
    made, metrics, _used, _busy = pipeline(client)
    assert await made.complete(query(), build, 0, 5) == ANSWER
    client.release.clear()
    asked = asyncio.create_task(made.complete(query(automatic=False), build, 0, 5))
    await asyncio.sleep(0.01)
    assert made.in_flight() == 1
    made.forget(URI)
    await asyncio.sleep(0.01)
    assert made.in_flight() == 0 and asked.done()
    client.release.set()
    await made.complete(query(PREFIX + "su"), build, 0, 5)
    assert len(client.requests) == 3 and metrics.typeahead_hits == 0  # the typeahead went too
