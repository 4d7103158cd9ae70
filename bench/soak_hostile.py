"""Hostile-upstream soak: one live server for minutes, issue 13's fault classes in rotation.

A fake API on loopback (`tests/support/hostile.py`) answers each chat request with the next
reply of `ROTATION`: a good answer, a one-byte drip, endless empty deltas, SSE pings, an
endless line, a cut stream, a 20 MB error body, a 300 MB gzip bomb, an error that echoes the
API key, a 429 with `retry-after: 999999999`, absurd usage numbers. Meanwhile the client writes
a bad frame (`Content-Length: -1`, 10**20, garbage) to the server's stdin every
`BAD_FRAME_EVERY` requests. Ten documents are typed into, and after each keystroke an explicit
inline completion is asked (explicit, so a rate limit's pause does not stop the rotation), the
previous one cancelled if still pending, as editors do.

It checks what issue 13 asks: every request answered (a result, an error or cancelled) within
its deadline (`completion.timeoutMs` plus `SLACK_S` for a loaded machine), RSS bounded (sampled
every second; the peak is VmHWM), and the API key in no log line, message or `grok/stats`.

    python -m bench.soak_hostile                 # 2 minutes; bench/results/soak-hostile.md
    python -m bench.soak_hostile --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lsprotocol import types as t
from pygls.exceptions import JsonRpcRequestCancelled
from pygls.lsp.client import LanguageClient

from bench.common import hardware_line, machine
from bench.soak_scenario import send_inline
from grok_lsp.metrics import percentile
from tests.support import hostile
from tests.support.lsp import launch, send_request
from tests.support.procfs import peak_rss_kib, rss_kib

RESULTS = Path(__file__).resolve().parent / "results"
KEY = "xai-hostileSoakKey0123456789abcdefghijklmnop"
TIMEOUT_MS = 2000
SLACK_S = 2.0
# Each document is asked every DOCUMENTS / RATE = 5 s, longer than a deadline: a request
# cancelled by the next keystroke would have been late.
DOCUMENTS = 10
RATE = 2.0  # requests a second, over all documents
BAD_FRAME_EVERY = 10
ABSURD_USAGE = {
    "prompt_tokens": -5,
    "completion_tokens": "12",
    "prompt_tokens_details": {"cached_tokens": 10**30},
    "cost_in_usd_ticks": 10**400,
}
BAD_FRAMES = [
    b"Content-Length: -1\r\n\r\n{}",
    b"Content-Length: 99999999999999999999\r\n\r\n{}",
    b"\x00\xff not a header\r\n" * 50,
]


async def _cut(seen: hostile.Seen, writer: asyncio.StreamWriter) -> None:
    writer.write(hostile.SSE_HEAD + hostile.chunk("par"))  # then the connection closes: no [DONE]


def rotation() -> list[tuple[str, hostile.Reply]]:
    return [
        ("answer", hostile.answer("value + 1")),
        ("drip", hostile.endless(hostile.SSE_HEAD, b"d", 0.2)),
        ("empty deltas", hostile.endless(hostile.SSE_HEAD, hostile.chunk(""), 0.1)),
        ("pings", hostile.endless(hostile.SSE_HEAD, b": ping\n\n", 0.5)),
        (
            "endless line",
            hostile.endless(hostile.SSE_HEAD + b"data: ", b"x" * 65536, 0.001),
        ),
        ("cut stream", _cut),
        ("20 MB error", hostile.raw_reply(500, json.dumps({"error": "e" * 20_000_000}).encode())),
        ("gzip bomb", hostile.raw_reply(500, hostile.gzip_bomb(300), content_encoding="gzip")),
        ("key echoed", hostile.json_reply(500, {"error": f"bad request from key {KEY}"})),
        ("429 for days", hostile.json_reply(429, {"error": "slow down"}, retry_after="999999999")),
        ("absurd usage", hostile.answer("value + 2", usage=ABSURD_USAGE)),
    ]


class Rotating:
    """The chat reply: the next fault of the rotation for each request, counted."""

    def __init__(self) -> None:
        self.faults = rotation()
        self.served: Counter[str] = Counter()
        self._next: Iterator[int] = iter(range(10**9))

    async def __call__(self, seen: hostile.Seen, writer: asyncio.StreamWriter) -> None:
        name, reply = self.faults[next(self._next) % len(self.faults)]
        self.served[name] += 1
        await reply(seen, writer)


async def soak(seconds: float, state_dir: str) -> dict[str, Any]:
    chat = Rotating()
    log_file = Path(state_dir) / "grok.log"
    async with hostile.HostileUpstream(chat) as upstream:
        env = {
            **os.environ,
            "XAI_API_KEY": KEY,
            "GROK_LSP_BASE_URL": upstream.base_url,
            "GROK_LSP_STATE_DIR": state_dir,
        }
        command = [sys.executable, "-m", "grok_lsp", "--log-level", "DEBUG"]
        settings = {"completion": {"debounceMs": 0, "timeoutMs": TIMEOUT_MS}}
        client = await launch(
            [*command, "--log-file", str(log_file)], env, settings, accepts_registrations=True
        )
        process = client.server_process
        assert process.stdin is not None
        result = await _type(client, process.pid, process.stdin, seconds)
        served = await send_request(client, "grok/stats", {})
        stats = json.dumps(served, default=lambda value: getattr(value, "_asdict", str)())
        await asyncio.wait_for(client.shutdown_session(), 10)
    logged = log_file.read_text()
    said = [m.message for m in client.messages] + [m.message for m in client.log_messages]
    said += [json.dumps(getattr(status, "message", None)) for status in client.statuses]
    result["faults"] = dict(chat.served)
    result["key_found_in"] = [
        where
        for where, text in (("log", logged), ("messages", "\n".join(said)), ("stats", stats))
        if KEY in text
    ]
    result["tracebacks_in_log"] = logged.count("Traceback")
    return result


async def _type(
    client: LanguageClient, pid: int, stdin: asyncio.StreamWriter, seconds: float
) -> dict[str, Any]:
    latencies: list[float] = []
    counts: Counter[str] = Counter()
    rss: list[int] = [rss_kib(pid)]
    pending: dict[str, tuple[str, asyncio.Future[Any]]] = {}
    outstanding: set[asyncio.Future[Any]] = set()
    texts = {f"file:///soak/doc{i}.py": "" for i in range(DOCUMENTS)}
    for version, uri in enumerate(texts, 1):
        item = t.TextDocumentItem(uri, "python", version, "")
        client.text_document_did_open(t.DidOpenTextDocumentParams(item))

    def settled(sent: float, future: asyncio.Future[Any]) -> None:
        outstanding.discard(future)
        latencies.append(time.monotonic() - sent)
        if future.cancelled() or isinstance(future.exception(), JsonRpcRequestCancelled):
            counts["cancelled"] += 1
        elif future.exception() is not None:
            counts["error"] += 1
        else:
            counts["answered"] += 1

    started = time.monotonic()
    sent = 0
    while time.monotonic() - started < seconds:
        await asyncio.sleep(max(0.0, started + sent / RATE - time.monotonic()))
        uri = list(texts)[sent % DOCUMENTS]
        sent += 1
        if sent % BAD_FRAME_EVERY == 0:
            stdin.write(BAD_FRAMES[sent // BAD_FRAME_EVERY % len(BAD_FRAMES)])
        column = len(texts[uri]) - texts[uri].rfind("\n") - 1
        char = "\n" if column > 30 else "abcdefgh"[sent % 8]
        texts[uri] += char
        client.text_document_did_change(
            t.DidChangeTextDocumentParams(
                t.VersionedTextDocumentIdentifier(version=sent + DOCUMENTS, uri=uri),
                [t.TextDocumentContentChangeWholeDocument(texts[uri])],
            )
        )
        if (previous := pending.get(uri)) is not None and not previous[1].done():
            client.cancel_request(t.CancelParams(id=previous[0]))
        line, column = texts[uri].count("\n"), len(texts[uri]) - texts[uri].rfind("\n") - 1
        request_id = f"hostile-{sent}"
        position = t.Position(line, column)
        future = send_inline(client, uri, position, request_id, automatic=False)
        future.add_done_callback(functools.partial(settled, time.monotonic()))
        outstanding.add(future)
        pending[uri] = (request_id, future)
        if sent % int(RATE) == 0:
            rss.append(rss_kib(pid))
    deadline = TIMEOUT_MS / 1000 + SLACK_S
    if outstanding:
        await asyncio.wait(set(outstanding), timeout=deadline)
    peak = peak_rss_kib(pid)
    return {
        "seconds": seconds,
        "requests": sent,
        **counts,
        "unanswered": len(outstanding),
        "over_deadline": sum(latency > deadline for latency in latencies),
        "deadline_s": deadline,
        "latency_p50_s": percentile(latencies, 0.5) if latencies else None,
        "latency_p99_s": percentile(latencies, 0.99) if latencies else None,
        "latency_max_s": max(latencies, default=None),
        "rss_start_mb": rss[0] / 1024,
        "rss_quarter_mb": rss[len(rss) // 4] / 1024,  # after the first rounds of every fault
        "rss_end_mb": rss[-1] / 1024,
        "rss_peak_mb": peak / 1024,
    }


def verdict(result: dict[str, Any]) -> list[str]:
    """What failed; empty when the run held up."""
    problems = []
    if result["unanswered"]:
        problems.append(f"{result['unanswered']} requests never answered")
    if result["over_deadline"]:
        problems.append(f"{result['over_deadline']} answered after the deadline")
    if result["rss_peak_mb"] > 250:
        problems.append(f"peak RSS {result['rss_peak_mb']:.0f} MB")
    if result["key_found_in"]:
        problems.append(f"the key was found in: {', '.join(result['key_found_in'])}")
    return problems


def markdown(result: dict[str, Any], info: dict[str, Any]) -> str:
    problems = verdict(result)

    def seconds(name: str) -> str:
        value = result[name]
        return "-" if value is None else f"{value:.2f} s"

    rows = [
        ("requests (explicit inline completions)", str(result["requests"])),
        (
            "answered / errors / cancelled",
            "{answered} / {error} / {cancelled}".format(
                **{"answered": 0, "error": 0, "cancelled": 0, **result}
            ),
        ),
        ("never answered", str(result["unanswered"])),
        (
            f"answered after the deadline ({result['deadline_s']:.1f} s)",
            str(result["over_deadline"]),
        ),
        (
            "latency p50 / p99 / max",
            f"{seconds('latency_p50_s')} / {seconds('latency_p99_s')} / {seconds('latency_max_s')}",
        ),
        (
            "RSS at start / a quarter in / end / peak (VmHWM)",
            f"{result['rss_start_mb']:.1f} / {result['rss_quarter_mb']:.1f} / "
            f"{result['rss_end_mb']:.1f} / {result['rss_peak_mb']:.1f} MB",
        ),
        ("the API key found in", ", ".join(result["key_found_in"]) or "nothing"),
        ("tracebacks in the log", str(result["tracebacks_in_log"])),
    ]
    faults = ", ".join(f"{name} {count}" for name, count in result["faults"].items())
    return "\n".join(
        [
            "# Hostile-upstream soak",
            "",
            f"`python -m bench.soak_hostile --seconds {result['seconds']:g}` on "
            f"{hardware_line(info)}, {info['date']}, commit {info['commit']}.",
            "",
            f"One server, {DOCUMENTS} documents, {RATE:g} requests a second, "
            f"`completion.timeoutMs` {TIMEOUT_MS}; a bad frame on stdin every "
            f"{BAD_FRAME_EVERY} requests. Chat requests served per fault: {faults}.",
            "",
            "| figure | value |",
            "|---|---|",
            *[f"| {name} | {value} |" for name, value in rows],
            "",
            "Verdict: " + ("held up." if not problems else "; ".join(problems) + "."),
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    args = parser.parse_args(argv)
    info = machine()
    with tempfile.TemporaryDirectory() as state_dir:
        result = asyncio.run(soak(args.seconds, state_dir))
    for name, value in result.items():
        print(json.dumps({name: value}))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "soak-hostile.md").write_text(markdown(result, info))
    (RESULTS / "soak-hostile.json").write_text(json.dumps({**result, "machine": info}))
    return 1 if verdict(result) else 0


if __name__ == "__main__":
    sys.exit(main())
