"""What bench/overhead.py measures: a real grok-lsp process driven keystroke by keystroke
against the instant stub, and the same per-keystroke steps timed in-process."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from lsprotocol import types as t
from pygls.workspace import PositionCodec

from bench.common import CURSOR_LINE, synthetic_python
from bench.rawlsp import ms, open_document, position_of, start_server
from grok_lsp import textpos
from grok_lsp.documents.workspace import LspTextDocument
from grok_lsp.prompt import FileView, PromptBuilder
from grok_lsp.settings import PromptSettings

URI = "file:///bench/big.py"
SETTINGS = {"completion": {"debounceMs": 0, "maxRequestsPerMinute": 10_000}}


@dataclass
class SizeResult:
    lines: int
    chars: int
    requests: int
    upstream: int
    in_ms: list[float] = field(default_factory=list)
    out_ms: list[float] = field(default_factory=list)
    total_ms: list[float] = field(default_factory=list)
    change_rtt_ms: list[float] = field(default_factory=list)
    ping_rtt_ms: list[float] = field(default_factory=list)
    suggestions: dict[str, int] = field(default_factory=dict)
    handling_us: dict[str, float] = field(default_factory=dict)

    def keystroke_ms(self) -> float:
        return statistics.median(self.change_rtt_ms) - statistics.median(self.ping_rtt_ms)


LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def keystrokes(text: str, offset: int, count: int) -> list[dict[str, Any]]:
    """`count` didChange content changes at `offset`: a letter typed, then typed over by the
    next letter again and again. No text recurs within 52 keystrokes, so no request can be
    answered from an earlier suggestion (grok-lsp remembers the last 4): every one goes
    upstream, and the file keeps its size."""
    at = position_of(text, offset)
    after = {"line": at["line"], "character": at["character"] + 1}
    changes = [{"range": {"start": at, "end": at}, "text": LETTERS[0]}]
    for index in range(1, count):
        letter = LETTERS[index % len(LETTERS)]
        changes.append({"range": {"start": at, "end": after}, "text": letter})
    return changes


async def measure_size(
    lines: int,
    requests: int,
    warmup: int,
    stub_url: str,
    state_dir: str,
    on_steady: Callable[[int], None] | None = None,
) -> SizeResult:
    """`on_steady(pid)` is called with the server's pid once the warm-up requests are done."""
    async with httpx.AsyncClient() as http:
        return await _measure_size(lines, requests, warmup, stub_url, state_dir, on_steady, http)


async def _measure_size(
    lines: int,
    requests: int,
    warmup: int,
    stub_url: str,
    state_dir: str,
    on_steady: Callable[[int], None] | None,
    http: httpx.AsyncClient,
) -> SizeResult:
    text, offset = synthetic_python(lines)
    server = await start_server(stub_url + "/v1", state_dir, SETTINGS)
    try:
        open_document(server, URI, text)
        for _ in range(3):
            await server.ping()
        await asyncio.sleep(0.3)  # the warm-up connection to the upstream
        result = SizeResult(lines, len(text), requests, 0)
        line = text.count("\n", 0, offset)
        sent: list[tuple[int, int]] = []
        version = 1
        for index, change in enumerate(keystrokes(text, offset, warmup + requests)):
            if index == warmup:
                await http.get(stub_url + "/bench/timings")  # forget the warm-up's requests
                if on_steady is not None:
                    on_steady(server.pid)
            await server.ping()  # lets the previous answer's aftermath (closing the stream) pass
            ping = await server.ping()
            version += 1
            change_sent = server.notify(
                "textDocument/didChange",
                {"textDocument": {"uri": URI, "version": version}, "contentChanges": [change]},
            )
            after = await server.ping()
            params = {
                "textDocument": {"uri": URI},
                "position": {"line": line, "character": len(CURSOR_LINE) + 1},
                "context": {"triggerKind": 2},  # automatic, as on every keystroke
            }
            reply = await server.request("textDocument/inlineCompletion", params)
            items = (reply.result or {}).get("items", [])
            suggestion = items[0]["insertText"] if items else ""
            if index < warmup:
                continue
            result.suggestions[suggestion] = result.suggestions.get(suggestion, 0) + 1
            result.ping_rtt_ms.append(ping.round_trip_ms)
            result.change_rtt_ms.append(ms(after.received_ns - change_sent))
            sent.append((reply.sent_ns, reply.received_ns))
            if index % 100 == 0:
                await asyncio.sleep(0)
        timings = (await http.get(stub_url + "/bench/timings")).json()
        result.upstream = len(timings)
        if len(timings) != requests:
            raise RuntimeError(
                f"{lines} lines: {len(timings)} upstream requests for {requests} completions "
                "(typeahead hit or dropped request: the pairing would be wrong)"
            )
        for (request_ns, response_ns), upstream in zip(sent, timings, strict=True):
            result.in_ms.append(ms(upstream["arrival_ns"] - request_ns))
            result.out_ms.append(ms(response_ns - upstream["needed_ns"]))
            result.total_ms.append(ms(response_ns - request_ns))
        return result
    finally:
        await server.close()


# --- the same steps, in-process ------------------------------------------------------------------


def median_us(step: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter_ns()
        step()
        samples.append((time.perf_counter_ns() - started) / 1000)
    return statistics.median(samples)


def handling_costs(lines: int, repeat: int) -> dict[str, float]:
    """Median microseconds of each per-keystroke step on a file of `lines` lines."""
    text, offset = synthetic_python(lines)
    document = LspTextDocument(
        URI, text, 1, "python", position_codec=PositionCodec(t.PositionEncodingKind.Utf16)
    )
    at = position_of(text, offset)
    position = t.Position(**at)
    flip = [False]

    def keystroke() -> None:  # type one character, then delete it
        if flip[0]:
            end = t.Position(line=position.line, character=position.character + 1)
            change = t.TextDocumentContentChangePartial(t.Range(position, end), "")
        else:
            change = t.TextDocumentContentChangePartial(t.Range(position, position), "x")
        flip[0] = not flip[0]
        document.apply_change(change)

    costs = {"didChange apply": median_us(keystroke, repeat)}
    source = document.source
    costs["position to offset (document, as inline.py)"] = median_us(
        lambda: document.offset_at(position), repeat
    )
    costs["position to offset (textpos, line by line)"] = median_us(
        lambda: textpos.offset_at(source, position), repeat
    )
    costs["query slices"] = median_us(lambda: (source[:offset], source[offset:]), repeat)

    def view() -> FileView:  # as `SendPolicy.file_view` makes it
        return FileView(URI, "big.py", "python", document.source, document.edit_log.mark())

    builder = PromptBuilder(PromptSettings())
    first = time.perf_counter_ns()
    builder.completion(view(), offset, [])
    costs["snapshot (first prompt)"] = (time.perf_counter_ns() - first) / 1000
    for layout in ("layered", "window"):
        samples = []
        for _ in range(repeat):  # a keystroke (not timed), then the prompt for it
            keystroke()
            started = time.perf_counter_ns()
            builder.completion(view(), offset, [], layout)
            samples.append((time.perf_counter_ns() - started) / 1000)
        costs[f"prompt build ({layout})"] = statistics.median(samples)
    return costs
