"""bench/soak.py's scenario: twenty documents typed into at ~50 keystrokes a second, the
server sampled every second. `tests/e2e/test_load.py` runs it for a few seconds."""

import asyncio
import contextlib
import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from lsprotocol import types as t
from pygls.exceptions import JsonRpcRequestCancelled
from pygls.lsp.client import LanguageClient

from tests.support.procfs import established, rss_kib

DOCUMENTS = 20
RATE = 50.0  # keystrokes a second, over all documents
ACTIVE = 5  # documents typed in at the same time (10 keystrokes a second each)
SHIFT_S = 2.0  # then the next ones
SETTINGS: dict[str, Any] = {
    # The governor's default cap (60 automatic requests a minute) would drop nearly everything
    # a 50-keystroke-a-second load asks; the point here is to load the request path.
    "completion": {"debounceMs": 75, "maxRequestsPerMinute": 10000},
}
# What the simulated user types, cycled: one character per keystroke, a newline plus the next
# line's indentation as one keystroke.
SCRIPT = [
    "def total_{n}(values, factor_{n}):",
    "    result = {n}",
    "    for value in values:",
    "        result += value * factor_{n} - {n}",
    "    return result",
    "",
    "class Account{n}:",
    "    def __init__(self, owner, limit={n}):",
    "        self.owner = owner",
    "        self.balance = limit * {n}",
    "",
]
HEADER = "".join(f"def helper_{i}(x):\n    return x * {i} + {i % 7}\n\n\n" for i in range(30))
SERVER_COUNTERS = (
    "requests",
    "upstreamRequests",
    "typeaheadHits",
    "sharedStreams",
    "streamsClosedEarly",
    "cancelled",
    "dropped",
    "errors",
)


async def runtime(client: LanguageClient) -> dict[str, int]:
    """`grok/stats` runtime: asyncio tasks, streams in flight, open documents."""
    served = await client.protocol.send_request_async("grok/stats", {})
    figures = served.runtime
    return {
        "tasks": int(figures.tasks),
        "streams": int(figures.streamsInFlight),
        "documents": int(figures.openDocuments),
        "futures": int(figures.pendingFutures),
    }


@dataclass
class Sample:
    second: float
    rss_kb: int
    tasks: int
    streams: int
    connections: int  # ESTABLISHED to the emulator
    upstream_streams: int | None  # the emulator's streams in flight, when it is asked
    futures: int = 0  # requests and notifications pygls still holds a future for


@dataclass
class SoakResult:
    seconds: float
    keystrokes: int = 0
    answered: int = 0
    cancelled: int = 0
    errors: list[str] = field(default_factory=list)
    unanswered: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    baseline: Sample | None = None
    final: Sample | None = None
    server: dict[str, Any] = field(default_factory=dict)  # grok/stats counters at the end

    @property
    def requests(self) -> int:
        return self.answered + self.cancelled + len(self.errors) + self.unanswered


class _Typist:
    """One document: its text as the editor has it, and the next keystroke."""

    def __init__(self, client: LanguageClient, index: int) -> None:
        self.client = client
        self.uri = f"file:///soak/module_{index:02d}.py"
        self.text = HEADER
        self.version = 1
        self.step = index * 1000  # line * 1000 + column: documents start at different lines
        self.pending: tuple[str, asyncio.Future[Any]] | None = None

    def open(self) -> None:
        item = t.TextDocumentItem(
            uri=self.uri, language_id="python", version=self.version, text=self.text
        )
        self.client.text_document_did_open(t.DidOpenTextDocumentParams(item))

    @staticmethod
    def _line(number: int) -> str:
        """The script's lines, numbered anew each time round: the text never repeats, so
        the model's answers cannot all come from the text typed before."""
        return SCRIPT[number % len(SCRIPT)].format(n=number // len(SCRIPT))

    def keystroke(self) -> t.Position:
        """Type one more character (or a line break); return the cursor after it."""
        line_text = self._line(self.step // 1000)
        column = self.step % 1000
        if column < len(line_text):
            typed = line_text[column]
            self.step += 1
        else:
            following = self._line(self.step // 1000 + 1)
            typed = "\n" + following[: len(following) - len(following.lstrip())]
            self.step = (self.step // 1000 + 1) * 1000 + len(typed) - 1
        lines = self.text.split("\n")
        at = t.Position(len(lines) - 1, len(lines[-1]))
        self.version += 1
        self.text += typed
        self.client.text_document_did_change(
            t.DidChangeTextDocumentParams(
                text_document=t.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
                content_changes=[
                    t.TextDocumentContentChangePartial(range=t.Range(at, at), text=typed)
                ],
            )
        )
        lines = self.text.split("\n")
        return t.Position(len(lines) - 1, len(lines[-1]))


def _typing_in(keystroke: int, documents: int, rate: float) -> int:
    """Which document a keystroke goes to: `ACTIVE` documents typed in at once, round robin
    (each at `rate / ACTIVE` keystrokes a second, a fast typist's pace, so most requests are
    superseded by the next keystroke), the active set moving on every `SHIFT_S` seconds."""
    active = min(ACTIVE, documents)
    window = (keystroke // max(int(rate * SHIFT_S), 1)) * active
    return (window + keystroke % active) % documents


async def run_scenario(
    client: LanguageClient,
    pid: int,
    port: int,
    *,
    seconds: float,
    documents: int = DOCUMENTS,
    rate: float = RATE,
    emulator_streams: Callable[[], Awaitable[int]] | None = None,
    on_sample: Callable[[Sample], None] | None = None,
    settle_seconds: float = 20.0,
) -> SoakResult:
    """Type into `documents` open documents of an initialized client for `seconds`.

    `pid` is the server process, `port` the API's; `emulator_streams` (optional) asks the
    emulator how many streams it is serving. The result's `baseline` is sampled after the
    documents are open, `final` once the server has settled after the last keystroke.
    """
    result = SoakResult(seconds)
    typists = [_Typist(client, index) for index in range(documents)]
    for typist in typists:
        typist.open()
    started = time.monotonic()

    async def sample() -> Sample:
        figures = await asyncio.wait_for(runtime(client), 30)
        upstream = await emulator_streams() if emulator_streams is not None else None
        return Sample(
            round(time.monotonic() - started, 2),
            rss_kib(pid),
            figures["tasks"],
            figures["streams"],
            established(pid, port),
            upstream,
            figures["futures"],
        )

    result.baseline = await sample()
    stop = asyncio.Event()

    async def sampler() -> None:
        while not stop.is_set():
            taken = await sample()
            result.samples.append(taken)
            if on_sample is not None:
                on_sample(taken)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)

    sampling = asyncio.create_task(sampler())
    outstanding: set[asyncio.Future[Any]] = set()
    msg_id = 0

    def settled(sent: float, future: asyncio.Future[Any]) -> None:
        outstanding.discard(future)
        if future.cancelled():
            result.errors.append("the client's future was cancelled")
        elif isinstance(future.exception(), JsonRpcRequestCancelled):
            result.cancelled += 1
        elif (error := future.exception()) is not None:
            result.errors.append(f"{type(error).__name__}: {error}"[:300])
        else:
            result.answered += 1
            result.latencies_ms.append((time.monotonic() - sent) * 1000)

    try:
        typing_started = time.monotonic()
        while (elapsed := time.monotonic() - typing_started) < seconds:
            due = result.keystrokes / rate
            if due > elapsed:
                await asyncio.sleep(due - elapsed)
            elif elapsed - due > 1.0:  # fell behind (a busy machine): do not burst to catch up
                result.keystrokes = int(elapsed * rate)
            typist = typists[_typing_in(result.keystrokes, documents, rate)]
            result.keystrokes += 1
            position = typist.keystroke()
            if typist.pending is not None and not typist.pending[1].done():
                client.cancel_request(t.CancelParams(id=typist.pending[0]))
            msg_id += 1
            request_id = f"soak-{msg_id}"
            future = send_inline(client, typist.uri, position, request_id, automatic=True)
            future.add_done_callback(functools.partial(settled, time.monotonic()))
            outstanding.add(future)
            typist.pending = (request_id, future)
        if outstanding:  # the last ones: answered or cancelled, never forgotten
            await asyncio.wait(set(outstanding), timeout=settle_seconds)
        result.unanswered = len(outstanding)
    finally:
        stop.set()
        await sampling
    result.final = await _settle(sample, result.baseline, settle_seconds)
    served = await client.protocol.send_request_async("grok/stats", {})
    result.server = {name: getattr(served, name) for name in SERVER_COUNTERS}
    return result


def send_inline(
    client: LanguageClient, uri: str, position: t.Position, request_id: str, *, automatic: bool
) -> asyncio.Future[Any]:
    """An inline completion request with its own id (to cancel it by), as a future."""
    kind = t.InlineCompletionTriggerKind
    params = t.InlineCompletionParams(
        context=t.InlineCompletionContext(kind.Automatic if automatic else kind.Invoked),
        text_document=t.TextDocumentIdentifier(uri),
        position=position,
    )
    future: asyncio.Future[Any] = asyncio.ensure_future(
        client.protocol.send_request_async(
            t.TEXT_DOCUMENT_INLINE_COMPLETION, params, msg_id=request_id
        )
    )
    return future


async def _settle(
    sample: Callable[[], Awaitable[Sample]], baseline: Sample, seconds: float
) -> Sample:
    """The first sample back at rest (or the last one tried): no streams, no extra tasks."""
    deadline = time.monotonic() + seconds
    while True:
        taken = await sample()
        at_rest = taken.streams == 0 and taken.tasks <= baseline.tasks + 2 and taken.futures == 0
        if at_rest and not taken.upstream_streams:
            return taken
        if time.monotonic() > deadline:
            return taken
        await asyncio.sleep(0.2)
