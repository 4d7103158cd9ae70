"""Soak: a busy editor for minutes on end, and what the server holds on to meanwhile.

Twenty open documents, ~50 keystrokes a second spread across them; each keystroke is a
`didChange` plus an automatic `textDocument/inlineCompletion`, the previous request for that
document cancelled with `$/cancelRequest` when it is still pending (as VS Code does). The API is
the bundled emulator in its own process, with realistic latency (TTFT 150 ms, 190 tokens/s).

Every second it samples the server process: RSS (`/proc/<pid>/status` VmRSS), asyncio tasks
and streams in flight (`grok/stats` runtime), and the TCP connections it holds to the emulator
(`/proc/<pid>/fd` sockets matched against `/proc/<pid>/net/tcp*`). At the end: request latency
p50/p99 (as the editor sees it, debounce included) and counts — every request must be answered
or cancelled, none may fail or go unanswered.

    python -m bench.soak                    # 3 minutes; bench/results/soak.{md,png}
    python -m bench.soak --seconds 30       # shorter

It prints one JSON line per figure. `tests/e2e/test_load.py` runs the same scenario
(`run_scenario`) for a few seconds and checks the invariants.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import math
import os
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types as t
from pygls.exceptions import JsonRpcRequestCancelled
from pygls.lsp.client import LanguageClient

from bench.common import hardware_line, machine
from grok_lsp.emulator.admin import EmulatorAdmin
from grok_lsp.metrics import percentile
from tests.support.lsp import launch
from tests.support.procfs import established, rss_kib

RESULTS = Path(__file__).resolve().parent / "results"
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
HISTORY = (
    "Before pygls's notification futures were released (`LenientProtocol._execute_handler` in "
    "`protocol.py`), this run grew linearly: RSS 67.5 → 89.3 MB in 3 minutes (+6.7 MB/min), one "
    "leaked future per `didChange`; `pending_futures` shows it directly."
)
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


# -- the scenario -----------------------------------------------------------------------------
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


def rss_growth_mb_per_minute(samples: list[Sample]) -> float:
    """Least-squares slope of RSS over the second half of the run (the first half warms up)."""
    half = samples[len(samples) // 2 :]
    if len(half) < 2:
        return 0.0
    xs = [s.second / 60 for s in half]
    ys = [s.rss_kb / 1024 for s in half]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


# -- running it on its own --------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_emulator(port: int, process: subprocess.Popen[bytes]) -> None:
    import httpx

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the emulator exited")
        try:
            httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=1).raise_for_status()
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("the emulator did not start")


async def soak(
    port: int, seconds: float, documents: int, rate: float, state_dir: str
) -> SoakResult:
    """The scenario against a fresh server process and the emulator serving on `port`, the
    server initialized as VS Code."""
    env = {
        **os.environ,
        "XAI_API_KEY": "xai-soak-0000000000000000",
        "GROK_LSP_BASE_URL": f"http://127.0.0.1:{port}/v1",
        "GROK_LSP_STATE_DIR": state_dir,
    }
    command = [sys.executable, "-m", "grok_lsp"]
    client = await launch(
        command, env, SETTINGS, root_uri="file:///soak", accepts_registrations=True
    )
    admin = EmulatorAdmin(f"http://127.0.0.1:{port}")

    async def upstream() -> int:
        stats = await asyncio.to_thread(admin.stats)
        return int(stats["streams_in_flight"])

    def show(sample: Sample) -> None:
        print(json.dumps({"sample": asdict(sample)}), file=sys.stderr, flush=True)

    try:
        return await run_scenario(
            client,
            client.server_process.pid,
            port,
            seconds=seconds,
            documents=documents,
            rate=rate,
            emulator_streams=upstream,
            on_sample=show,
        )
    finally:
        admin.close()
        await asyncio.wait_for(client.shutdown_session(), 10)


def figures(result: SoakResult) -> list[dict[str, Any]]:
    assert result.baseline is not None and result.final is not None
    samples = result.samples or [result.baseline]
    rss = [s.rss_kb for s in samples]
    return [
        {
            "figure": "requests",
            "keystrokes": result.keystrokes,
            "requests": result.requests,
            "answered": result.answered,
            "cancelled": result.cancelled,
            "errors": len(result.errors),
            "unanswered": result.unanswered,
        },
        {"figure": "server_counters", **result.server},
        {
            "figure": "latency_ms",
            "p50": _rounded(percentile(result.latencies_ms, 0.5)),
            "p99": _rounded(percentile(result.latencies_ms, 0.99)),
            "answered": len(result.latencies_ms),
        },
        {
            "figure": "rss_mb",
            "baseline": round(result.baseline.rss_kb / 1024, 1),
            "peak": round(max(rss) / 1024, 1),
            "end": round(result.final.rss_kb / 1024, 1),
            "growth_mb_per_min_second_half": round(rss_growth_mb_per_minute(samples), 2),
        },
        {
            "figure": "tasks",
            "baseline": result.baseline.tasks,
            "peak": max(s.tasks for s in samples),
            "end": result.final.tasks,
        },
        {
            "figure": "streams_in_flight",
            "peak": max(s.streams for s in samples),
            "end": result.final.streams,
            "emulator_end": result.final.upstream_streams,
        },
        {
            "figure": "pending_futures",
            "baseline": result.baseline.futures,
            "peak": max(s.futures for s in samples),
            "end": result.final.futures,
        },
        {
            "figure": "tcp_connections",
            "baseline": result.baseline.connections,
            "peak": max(s.connections for s in samples),
            "end": result.final.connections,
        },
    ]


def _rounded(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 1)


def verdict(result: SoakResult) -> str:
    assert result.baseline is not None and result.final is not None
    slope = rss_growth_mb_per_minute(result.samples)
    problems = []
    if result.errors or result.unanswered:
        problems.append(f"{len(result.errors)} errors, {result.unanswered} unanswered requests")
    if result.final.streams or result.final.upstream_streams:
        problems.append("streams still in flight at the end")
    if result.final.tasks > result.baseline.tasks + 2:
        problems.append(f"tasks {result.baseline.tasks} → {result.final.tasks}")
    if result.final.futures:
        problems.append(f"{result.final.futures} futures still held by pygls")
    if slope > 2.0:
        problems.append(f"RSS still growing {slope:.1f} MB/min in the second half")
    if problems:
        return "**Growth or loss found:** " + "; ".join(problems) + "."
    return (
        f"**No growth:** RSS flat in the second half ({slope:+.2f} MB/min), tasks back to "
        f"{result.final.tasks} (baseline {result.baseline.tasks}), no stream left in flight, "
        "every request answered or cancelled."
    )


def markdown(result: SoakResult, command: str) -> str:
    rows = figures(result)
    lines = [
        "# Soak: 20 documents, ~50 keystrokes a second",
        "",
        f"- Machine: {hardware_line(machine())} (shared and noisy)",
        f"- Command: `{command}`",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M')}",
        f"- Duration {result.seconds:.0f} s, {result.keystrokes} keystrokes; emulator TTFT 150 ms,"
        " 190 tokens/s; debounce 75 ms; every keystroke a `didChange` plus an automatic inline"
        " completion, the previous one cancelled.",
        "",
        "| figure | values |",
        "|---|---|",
    ]
    for row in rows:
        values = ", ".join(f"{key} {value}" for key, value in row.items() if key != "figure")
        lines.append(f"| {row['figure']} | {values} |")
    lines += ["", verdict(result), "", HISTORY, ""]
    if result.errors:
        lines += ["First errors:", ""] + [f"- `{error}`" for error in result.errors[:5]] + [""]
    lines += [
        "Samples every ~10 s:",
        "",
        "| s | RSS MB | tasks | streams | futures | connections | emulator streams |",
        "|---|---|---|---|---|---|---|",
    ]
    shown = result.samples[::10] + ([result.final] if result.final else [])
    for sample in shown:
        lines.append(
            f"| {sample.second:.0f} | {sample.rss_kb / 1024:.1f} | {sample.tasks} | "
            f"{sample.streams} | {sample.futures} | {sample.connections} | "
            f"{sample.upstream_streams} |"
        )
    lines += ["", "![RSS and tasks over time](soak.png)", ""]
    return "\n".join(lines)


def plot(result: SoakResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    seconds = [s.second for s in result.samples]
    figure, rss_axis = plt.subplots(figsize=(9, 4.5))
    rss_axis.plot(seconds, [s.rss_kb / 1024 for s in result.samples], color="tab:blue")
    rss_axis.set_xlabel("seconds")
    rss_axis.set_ylabel("server RSS (MB)", color="tab:blue")
    rss_axis.set_ylim(bottom=0)
    tasks_axis = rss_axis.twinx()
    tasks_axis.plot(seconds, [s.tasks for s in result.samples], color="tab:orange", lw=0.8)
    tasks_axis.plot(seconds, [s.streams for s in result.samples], color="tab:green", lw=0.8)
    tasks_axis.set_ylabel("asyncio tasks (orange), streams in flight (green)")
    tasks_axis.set_ylim(bottom=0)
    rss_axis.set_title(f"grok-lsp soak: {DOCUMENTS} documents, ~{RATE:.0f} keystrokes/s")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180.0, help="typing time (default 180)")
    parser.add_argument("--documents", type=int, default=DOCUMENTS)
    parser.add_argument("--rate", type=float, default=RATE, help="keystrokes a second, in all")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where soak.md/png go")
    parser.add_argument("--no-report", action="store_true", help="print figures only")
    args = parser.parse_args(argv)
    import tempfile

    port = _free_port()
    latency = ["--ttft-ms", "150", "--tps", "190"]
    emulator = subprocess.Popen(
        [sys.executable, "-m", "grok_lsp.emulator", "--port", str(port), *latency],
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_emulator(port, emulator)
        with tempfile.TemporaryDirectory(prefix="grok-soak-") as state_dir:
            run = soak(port, args.seconds, args.documents, args.rate, state_dir)
            result = asyncio.run(run)
    finally:
        emulator.terminate()
        emulator.wait(10)
    for row in figures(result):
        print(json.dumps(row), flush=True)
    if not args.no_report:
        args.out.mkdir(parents=True, exist_ok=True)
        command = shlex.join(["python", "-m", "bench.soak", *(argv or sys.argv[1:])])
        (args.out / "soak.md").write_text(markdown(result, command))
        plot(result, args.out / "soak.png")
    failed = result.errors or result.unanswered
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
