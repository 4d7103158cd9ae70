"""From an editor's completion request to a suggestion, with as few upstream requests as it takes.

In order: a typeahead hit (the user typed what a finished suggestion predicted) answers at once;
an upstream stream already in flight for the document is joined while what the user typed since
still agrees with what it has streamed (dedupe is the case where nothing was typed); otherwise an
automatic trigger waits out the debounce and a new stream starts, and the old one is closed.
A stream that has said nothing agrees with everything, so it is joined only for
`policy.SILENT_JOIN_S`; and a joined answer that does not fit what was typed since is not the
end: it is asked afresh.
Each stream must be whole within its deadline (`completion.timeoutMs`), however the upstream
drips, pings or sends empty deltas.
A stream stops as soon as its `StopRule` says the suggestion is complete. Streams outlive the
editor request that started them (the editor cancels on every keystroke), so the next keystroke
can still use them; a stream that no longer fits what the user typed is closed at once.
The pipeline also keeps each document's latest editor request (`editor_request`): a newer one
cancels the older, which pygls answers with `RequestCancelled`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from grok_lsp import policy
from grok_lsp.completions.postprocess import CursorContext, StopRule, finish
from grok_lsp.estimate import Exchange, prompt_chars
from grok_lsp.metrics import Metrics
from grok_lsp.prompt import Message
from grok_lsp.provider.errors import ProviderTimeoutError
from grok_lsp.provider.request import ChatRequest

if TYPE_CHECKING:  # httpx's client is loaded when the server builds one, not with the pipeline
    from grok_lsp.provider.client import ChatStream, ProviderClient

log = logging.getLogger(__name__)

_ANCHOR_CHARS = 256  # how much text around the cursor identifies where a suggestion was made


@dataclass(frozen=True, slots=True)
class Query:
    uri: str
    conv_id: str
    prefix: str  # the document before the cursor
    suffix: str  # the document after the cursor
    context: CursorContext
    automatic: bool
    version: int | None = None


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where a suggestion was asked for, small enough to keep many of."""

    prefix_len: int
    prefix_tail: str
    suffix_len: int
    suffix_head: str

    @classmethod
    def of(cls, query: Query) -> Anchor:
        return cls(
            len(query.prefix),
            query.prefix[-_ANCHOR_CHARS:],
            len(query.suffix),
            query.suffix[:_ANCHOR_CHARS],
        )

    def typed_since(self, query: Query) -> str | None:
        """What was typed at this anchor to reach `query`, or None if the text moved on."""
        if len(query.prefix) < self.prefix_len or len(query.suffix) != self.suffix_len:
            return None
        start = self.prefix_len - len(self.prefix_tail)
        if query.prefix[start : self.prefix_len] != self.prefix_tail:
            return None
        if query.suffix[:_ANCHOR_CHARS] != self.suffix_head:
            return None
        return query.prefix[self.prefix_len :]


@dataclass
class _Stream:
    anchor: Anchor
    rule: StopRule
    task: asyncio.Task[str] = field(init=False)
    waiters: int = 0
    started: float = field(default_factory=time.monotonic)

    def agrees(self, typed: str) -> bool:
        if not self.rule.text and typed and time.monotonic() - self.started > policy.SILENT_JOIN_S:
            return False
        streamed = self.rule.cut()
        return streamed.startswith(typed) or typed.startswith(streamed)


def remaining(suggestion: str, typed: str) -> str | None:
    if suggestion.startswith(typed) and len(suggestion) > len(typed):
        return suggestion[len(typed) :]
    return None


class Pipeline:
    def __init__(
        self,
        client: Callable[[], ProviderClient],
        metrics: Metrics,
        on_usage: Callable[[Exchange], object],
        on_busy: Callable[[bool], None],
        admit: Callable[[Query], bool],
        pace: Callable[[Query], float] = lambda _query: 0.0,
    ) -> None:
        """`pace`: seconds `query` must wait for the per-second rate; `admit`: whether it may
        go upstream at all."""
        self._client = client
        self._metrics = metrics
        self._on_usage = on_usage
        self._on_busy = on_busy
        self._admit = admit
        self._pace = pace
        self._streams: dict[str, _Stream] = {}  # the upstream stream of each document
        self._requests: dict[str, asyncio.Task[Any]] = {}  # the editor's latest, per document
        self._typeahead: dict[str, list[tuple[Anchor, str]]] = {}

    @contextlib.contextmanager
    def editor_request(self, uri: str) -> Iterator[None]:
        """Within it, the running task is the editor's latest request for `uri`: an older one
        still running is cancelled (pygls answers it with `RequestCancelled`)."""
        previous, current = self._requests.get(uri), asyncio.current_task()
        if previous is not None and previous is not current and not previous.done():
            previous.cancel()
        if current is not None:
            self._requests[uri] = current
        try:
            yield
        finally:
            if self._requests.get(uri) is current:
                del self._requests[uri]

    def forget(self, uri: str) -> None:
        self._typeahead.pop(uri, None)
        stream = self._streams.pop(uri, None)
        if stream is not None:
            stream.task.cancel()

    async def close(self) -> None:
        tasks = [stream.task for stream in self._streams.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._streams.clear()

    def in_flight(self) -> int:
        return sum(not stream.task.done() for stream in self._streams.values())

    async def complete(
        self,
        query: Query,
        build_request: Callable[[], tuple[list[Message], ChatRequest]],
        debounce_s: float,
        deadline_s: float,
    ) -> str | None:
        if (hit := self._from_typeahead(query)) is not None:
            self._metrics.typeahead_hits += 1
            return hit
        stream = self._streams.get(query.uri)
        if stream is not None and not stream.task.done():
            typed = stream.anchor.typed_since(query)
            if typed is not None and stream.agrees(typed):
                self._metrics.shared_streams += 1
                rest = remaining(await self._wait(stream), typed)
                if rest is not None or not typed:
                    return rest
                # It answered the place it was asked for, not what was typed since: ask again.
            else:
                self._close(stream)
        # After an accepted suggestion the user waits for the next one: ask at once. Counted
        # whatever the trigger or debounce (popup clients report acceptances no other way).
        accepted = self._accepted(query)
        if query.automatic and debounce_s > 0 and not accepted:
            await asyncio.sleep(debounce_s)  # a newer keystroke cancels this request here
        if (wait := self._pace(query)) > 0:
            self._metrics.paced += 1
            await asyncio.sleep(wait)  # the per-second rate: cancelled by a newer keystroke too
        if not self._admit(query):
            self._metrics.dropped += 1
            return None
        messages, request = build_request()
        stream = _Stream(Anchor.of(query), StopRule(query.context))
        stream.task = asyncio.create_task(self._run(stream, query, messages, request, deadline_s))
        stream.task.add_done_callback(self._finished)
        self._streams[query.uri] = stream
        suggestion = await self._wait(stream)
        return suggestion or None

    async def _wait(self, stream: _Stream) -> str:
        stream.waiters += 1
        try:
            return await asyncio.shield(stream.task)
        finally:
            stream.waiters -= 1
            if stream.waiters == 0 and not stream.task.done():
                asyncio.get_running_loop().call_later(
                    policy.ORPHAN_GRACE_S, self._close_orphan, stream
                )

    def _close_orphan(self, stream: _Stream) -> None:
        if stream.waiters == 0 and not stream.task.done():
            self._close(stream)

    def _from_typeahead(self, query: Query) -> str | None:
        """The rest of a finished suggestion the user is typing through.

        An automatic request at the very place of a suggestion (editors re-ask on cursor and
        focus events) gets it again; an explicit one asks the model anew.
        """
        for anchor, suggestion in reversed(self._typeahead.get(query.uri, [])):
            typed = anchor.typed_since(query)
            if typed is None or (not typed and not query.automatic):
                continue
            if (rest := remaining(suggestion, typed)) is not None:
                return rest
        return None

    def _accepted(self, query: Query) -> bool:
        """True (once) when the text typed since a suggestion begins with all of it."""
        entries = self._typeahead.get(query.uri, [])
        for index, (anchor, suggestion) in enumerate(entries):
            typed = anchor.typed_since(query)
            if typed is not None and typed.startswith(suggestion):
                del entries[index]
                self._metrics.acceptance.typed_through(
                    query.uri, anchor.prefix_len, anchor.prefix_tail, suggestion
                )
                return True
        return False

    def _close(self, stream: _Stream) -> None:
        if not stream.task.done():
            stream.task.cancel()
            self._metrics.streams_closed_early += 1

    def _finished(self, task: asyncio.Task[str]) -> None:
        self._on_busy(self.in_flight() > 0)
        if not task.cancelled() and task.exception() is not None:
            log.debug("completion stream failed: %s", task.exception())

    async def _run(
        self,
        stream: _Stream,
        query: Query,
        messages: list[Message],
        request: ChatRequest,
        deadline_s: float,
    ) -> str:
        self._on_busy(True)
        self._metrics.upstream_requests += 1
        started = time.perf_counter()
        content = reasoning = 0
        chat: ChatStream | None = None
        try:
            # httpx's timeout is between bytes: a drip, pings or empty deltas never trip it.
            async with asyncio.timeout(deadline_s), self._client().stream_chat(request) as chat:
                async for delta in chat:
                    reasoning += len(delta.reasoning)
                    if not delta.content:
                        continue
                    content += len(delta.content)
                    if not stream.rule.text:
                        elapsed = (time.perf_counter() - started) * 1000
                        self._metrics.first_content_ms.append(elapsed)
                    if stream.rule.feed(delta.content):
                        break
        except TimeoutError:
            raise ProviderTimeoutError(f"no whole suggestion within {deadline_s:g} s") from None
        finally:
            if chat is not None:  # it reached the API, which bills the prompt even when closed
                # before the final chunk: the server estimates what the API does not report.
                sent = prompt_chars(messages)
                exchange = Exchange(
                    request.conv_id, sent, content, reasoning, chat.usage, chat.model
                )
                self._on_usage(exchange)
        suggestion = finish(stream.rule.cut(), query.context)
        self._metrics.suggestion_latency_ms.append((time.perf_counter() - started) * 1000)
        if suggestion:
            entries = self._typeahead.setdefault(query.uri, [])
            entries.append((stream.anchor, suggestion))
            del entries[: -policy.TYPEAHEAD_ENTRIES]
        return suggestion
