"""Server overhead: what grok-lsp itself adds to a suggestion, and what a keystroke costs it.

Against `stub.py`, an upstream that answers at once (time to first token 0, no pacing), a real
grok-lsp process is driven over stdio as VS Code drives it: per iteration one keystroke at the
cursor (`didChange`: a letter typed, then typed over by the next), then an automatic
`textDocument/inlineCompletion` there (debounce 0). With one clock (CLOCK_MONOTONIC) in the
client and in the stub:

- **in**: request written by the client -> its upstream request line read by the stub;
- **out**: the chunk completing the suggested line written by the stub -> the response read by
  the client (grok-lsp stops the stream there, post-processes and answers);
- **keystroke**: round trip of `didChange` + a no-op request, minus that of the no-op request
  alone (the same loop, measured just before).

Files of 100, 1,000, 10,000 and 50,000 lines, cursor on the middle line; a fresh server per
size. In the same run, the in-process cost of each per-keystroke step is timed directly
(applying the edit, building the prompt, position -> offset, slicing the query) to show the
curve against file size.

    python -m bench.overhead            # 1,000 requests per size (~3 minutes)
    python -m bench.overhead --quick    # 200 requests per size
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from lsprotocol import types as t
from pygls.workspace import PositionCodec

from bench.common import (
    CURSOR_LINE,
    RESULTS,
    emit,
    fmt,
    machine,
    machine_line,
    p50_90_99,
    start_stub,
    synthetic_python,
    table,
    update_report,
)
from bench.rawlsp import ms, open_document, position_of, start_server
from grok_lsp import textpos
from grok_lsp.documents.workspace import LspTextDocument
from grok_lsp.prompt import FileView, PromptBuilder
from grok_lsp.settings import PromptSettings

NAME = "overhead"
SIZES = (100, 1_000, 10_000, 50_000)
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


# --- the report --------------------------------------------------------------------------------


# The same benchmark's figures before its fixes (grok-lsp's prompt.py and documents/workspace.py
# as at commit 4b9d69c, everything else as measured), drawn and tabled beside the current ones.
BEFORE = RESULTS / "overhead-before.jsonl"
COMPARED = (
    ("overhead in p50", "in, p50 (ms)", 1.0),
    ("overhead out p50", "out, p50 (ms)", 1.0),
    ("didChange end to end p50", "didChange end to end, p50 (ms)", 1.0),
    ("didChange apply", "didChange apply, median (ms)", 0.001),
    ("prompt build (layered)", "prompt build, median (ms)", 0.001),
)


def load_before() -> tuple[dict[tuple[int, str], float], str]:
    """{(lines, figure): value} of the recorded baseline, and the machine line it states."""
    if not BEFORE.exists():
        return {}, ""
    figures: dict[tuple[int, str], float] = {}
    stated = ""
    for line in BEFORE.read_text().splitlines():
        record = json.loads(line)
        if record["figure"] == "machine":
            stated = machine_line(json.loads(record["value"]))
        elif "lines" in record:
            figures[(int(record["lines"]), record["figure"])] = float(record["value"])
    return figures, stated


def plot(results: list[SizeResult]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    before, _ = load_before()
    sizes = [r.lines for r in results]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for axis, name, key, values in (
        (axes[0], "request in -> upstream (in)", "overhead in p50", [r.in_ms for r in results]),
        (
            axes[1],
            "needed token -> response (out)",
            "overhead out p50",
            [r.out_ms for r in results],
        ),
    ):
        for fraction, style in ((0.5, "o-"), (0.9, "s--"), (0.99, "^:")):
            axis.plot(
                sizes,
                [p50_90_99(v)[f"p{round(fraction * 100)}"] for v in values],
                style,
                label=f"p{round(fraction * 100)}",
            )
        if all((size, key) in before for size in sizes):
            axis.plot(
                sizes,
                [before[(size, key)] for size in sizes],
                "x-",
                color="grey",
                label="p50 before the fixes",
            )
        axis.axhline(5, color="grey", linewidth=0.8)
        axis.set_xscale("log")
        axis.set_xlabel("file size (lines)")
        axis.set_ylabel("ms")
        axis.set_title(name)
        axis.set_ylim(bottom=0)
        axis.legend()
    fig.suptitle("grok-lsp server overhead (instant upstream)")
    fig.tight_layout()
    fig.savefig(RESULTS / "overhead.png", dpi=110)
    plt.close(fig)

    fig, axis = plt.subplots(figsize=(10, 4.8))
    for index, step in enumerate(step for step in results[0].handling_us if "snapshot" not in step):
        color = f"C{index}"
        axis.plot(sizes, [r.handling_us[step] for r in results], "o-", color=color, label=step)
        if all((size, step) in before for size in sizes) and step in dict(
            (figure, None) for figure, _, _ in COMPARED
        ):
            axis.plot(
                sizes,
                [before[(size, step)] for size in sizes],
                "x:",
                color=color,
                label=f"{step}, before the fixes",
            )
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("file size (lines)")
    axis.set_ylabel("microseconds (median, log scale)")
    axis.set_title("per-keystroke steps against file size")
    axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    fig.savefig(RESULTS / "keystroke.png", dpi=110)
    plt.close(fig)


def before_after(results: list[SizeResult]) -> str:
    before, stated = load_before()
    if not before:
        return ""
    now: dict[str, Callable[[SizeResult], float]] = {
        "overhead in p50": lambda r: p50_90_99(r.in_ms)["p50"],
        "overhead out p50": lambda r: p50_90_99(r.out_ms)["p50"],
        "didChange end to end p50": lambda r: r.keystroke_ms(),
        "didChange apply": lambda r: r.handling_us["didChange apply"],
        "prompt build (layered)": lambda r: r.handling_us["prompt build (layered)"],
    }
    rows = []
    for figure, label, scale in COMPARED:
        cells = []
        for r in results:
            old = before.get((r.lines, figure))
            new = now[figure](r) * scale
            cells.append("—" if old is None else f"{fmt(old * scale, 3)} -> {fmt(new, 3)}")
        rows.append([label, *cells])
    return "\n".join(
        [
            "Before -> after the fixes in `prompt.py` and `documents/workspace.py` (the baseline, "
            f"`{BEFORE.name}`, is this benchmark run on the code before them: {stated}):",
            "",
            table(["figure", *(f"{r.lines:,} lines" for r in results)], rows),
            "",
            "`didChange end to end` is the round trip of `didChange` + a no-op request minus "
            "that of the no-op alone (noise makes it slightly negative at times).",
        ]
    )


def report(results: list[SizeResult], info: dict[str, Any], command: str) -> str:
    rows = []
    for r in results:
        i, o, total = p50_90_99(r.in_ms), p50_90_99(r.out_ms), p50_90_99(r.total_ms)
        rows.append(
            [
                f"{r.lines:,}",
                f"{r.chars:,}",
                r.requests,
                " / ".join(fmt(i[k]) for k in ("p50", "p90", "p99")),
                " / ".join(fmt(o[k]) for k in ("p50", "p90", "p99")),
                " / ".join(fmt(total[k]) for k in ("p50", "p90", "p99")),
            ]
        )
    steps = list(results[0].handling_us)
    cost_rows = [[step, *(fmt(r.handling_us[step] / 1000, 3) for r in results)] for step in steps]
    cost_rows.append(
        [
            "end to end: didChange + no-op request, round trip",
            *(fmt(statistics.median(r.change_rtt_ms), 3) for r in results),
        ]
    )
    cost_rows.append(
        [
            "end to end: the no-op request alone, round trip",
            *(fmt(statistics.median(r.ping_rtt_ms), 3) for r in results),
        ]
    )
    ten_k = next((r for r in results if r.lines == 10_000), None)
    verdict = ""
    if ten_k is not None:
        p50_in, p50_out = p50_90_99(ten_k.in_ms)["p50"], p50_90_99(ten_k.out_ms)["p50"]
        verdict = (
            f"At 10,000 lines, p50: in {fmt(p50_in)} ms, out {fmt(p50_out)} ms (target: each "
            f"under 5 ms, {'met' if max(p50_in, p50_out) < 5 else 'MISSED'}); both together "
            f"{fmt(p50_in + p50_out)} ms ({'under' if p50_in + p50_out < 5 else 'over'} 5 ms)."
        )
    return "\n".join(
        [
            "## Server overhead",
            "",
            f"`{command}` — {machine_line(info)}.",
            "",
            "What grok-lsp adds between the editor and the API, against an upstream that answers "
            "at once (`bench/stub.py`, ttft 0, unpaced). One clock (CLOCK_MONOTONIC) in the "
            "client and the stub: **in** is request written -> upstream request line read; "
            "**out** is the chunk completing the line written -> response read. "
            "Every request was preceded by a keystroke (`didChange`) and went upstream (no "
            "typeahead hit), cursor on the middle line. p50 / p90 / p99 in ms:",
            "",
            table(["lines", "chars", "requests", "in", "out", "request -> response"], rows),
            "",
            verdict,
            "",
            "![overhead](overhead.png)",
            "",
            "Per keystroke, median ms: each step timed in-process on the same files (a "
            "keystroke typed or deleted on the middle line), and, end to end, the round trip of "
            "`didChange` followed by a request that does no work, beside that request alone. "
            "`position to offset (document, as inline.py)` is `LspTextDocument.offset_at`, found "
            "from the last edit's line; `(textpos, line by line)` is the walk from the top it "
            "replaced, for comparison. The prompt is built only for requests that go upstream, "
            "after a keystroke, from the document's log of edits (no whole-text comparison); a "
            "snapshot is taken on a document's first request and again only after the changed "
            "ranges add up to 2,000 characters or the cursor leaves its window.",
            "",
            table(["step", *(f"{r.lines:,} lines" for r in results)], cost_rows),
            "",
            "![keystroke](keystroke.png)",
            "",
            before_after(results),
        ]
    )


async def main_async(args: argparse.Namespace, stub_url: str) -> None:
    info = machine()
    emit(NAME, "machine", json.dumps(info), "")
    results: list[SizeResult] = []
    with tempfile.TemporaryDirectory(prefix="grok-lsp-bench-") as state_dir:
        for lines in args.sizes:
            result = await measure_size(lines, args.requests, args.warmup, stub_url, state_dir)
            result.handling_us = handling_costs(lines, args.repeat)
            results.append(result)
            for name, values in (
                ("overhead in", result.in_ms),
                ("overhead out", result.out_ms),
                ("request to response", result.total_ms),
            ):
                for key, value in p50_90_99(values).items():
                    emit(NAME, f"{name} {key}", round(value, 3), "ms", lines=lines)
            emit(
                NAME,
                "didChange end to end p50",
                round(result.keystroke_ms(), 3),
                "ms",
                lines=lines,
            )
            for step, value in result.handling_us.items():
                emit(NAME, step, round(value, 1), "us", lines=lines)
    if args.no_report:
        return
    plot(results)
    command = "python -m bench.overhead" + (" --quick" if args.quick else "")
    update_report(NAME, report(results, info, command))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="200 requests per size")
    parser.add_argument("--requests", type=int, help="completions measured per size")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=200, help="in-process repetitions")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--no-report", action="store_true", help="print the figures only")
    args = parser.parse_args()
    if args.requests is None:
        args.requests = 200 if args.quick else 1000
    stub, stub_url = start_stub()
    try:
        asyncio.run(main_async(args, stub_url))
    finally:
        stub.terminate()
        stub.wait()


if __name__ == "__main__":
    main()
