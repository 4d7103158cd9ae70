"""The request sent ahead after an acceptance: time from accepting a suggestion to the next one.

A suggestion is accepted as VS Code and Neovim 0.12 accept it: the edit (`didChange`) goes out,
then the item's command (`workspace/executeCommand grok.didAcceptCompletion`). The editor asks
for the next suggestion `--ask-after` ms later (VS Code asks at once, 0; Neovim 0.12 after its
200 ms debounce) with an automatic `inlineCompletion`. Measured: from the edit to that answer,
with `completion.speculateAfterAccept` on and off, in two servers side by side, alternating
sample by sample, the debounce at its default (75 ms), against the emulator at grok-code-fast-1's
published pace (ttft 300 ms, 190 tokens/s, 60 reasoning tokens). Each sample is a fresh
function: the accepted suggestion completes its `def` line, a block follows.

    python -m bench.ahead            # 30 samples per delay (~2 minutes)
    python -m bench.ahead --quick    # 8 samples per delay
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from typing import Any

from bench.common import emit, fmt, machine, machine_line, p50_90_99, table, update_report
from bench.latency_scenarios import Emulator
from bench.rawlsp import LspProcess, ms, open_document, position_of, start_server

NAME = "ahead"
AUTOMATIC = 2


def oracle(i: int) -> str:
    return (
        f"def total_{i}(items):\n    count = {i}\n    for item in items:\n        count += item\n"
    )


async def start(emulator: Emulator, state_dir: str, speculate: bool) -> LspProcess:
    settings = {"completion": {"speculateAfterAccept": speculate, "maxRequestsPerMinute": 10_000}}
    server = await start_server(emulator.background.base_url, state_dir, settings)
    await server.ping()
    return server


async def ask(server: LspProcess, uri: str, text: str) -> tuple[list[Any], int]:
    """An automatic request at the end of `text`: its items, and when the answer came."""
    params = {
        "textDocument": {"uri": uri},
        "position": position_of(text, len(text)),
        "context": {"triggerKind": AUTOMATIC},
    }
    reply = await server.request("textDocument/inlineCompletion", params)
    return (reply.result or {}).get("items", []), reply.received_ns


def change(server: LspProcess, uri: str, version: int, text: str, inserted: str) -> int:
    at = position_of(text, len(text))
    edit = {"range": {"start": at, "end": at}, "text": inserted}
    return server.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": version}, "contentChanges": [edit]},
    )


async def sample(server: LspProcess, i: int, ask_after_ms: float) -> float | None:
    """ms from accepting a suggestion to the editor's next answer (None: nothing suggested)."""
    uri = f"file:///bench/ahead_{i}.py"
    head = f"def total_{i}(item"
    open_document(server, uri, head[:-1])
    change(server, uri, 2, head[:-1], head[-1])  # typed, so automatic requests go out
    items, _ = await ask(server, uri, head)
    if not items:
        return None
    accepted = items[0]
    accepted_at = change(server, uri, 3, head, accepted["insertText"])
    await server.request("workspace/executeCommand", accepted["command"])
    await asyncio.sleep(
        max(0.0, ask_after_ms / 1000 - ms(time.monotonic_ns() - accepted_at) / 1000)
    )
    following, answered = await ask(server, uri, head + accepted["insertText"])
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    return ms(answered - accepted_at) if following else None


async def main_async(args: argparse.Namespace) -> None:
    info = machine()
    emit(NAME, "machine", json.dumps(info), "")
    emulator = Emulator()
    results: dict[tuple[float, bool], list[float]] = {}
    upstream: dict[bool, int] = {}
    try:
        emulator.admin.configure(
            ttftMs=args.ttft_ms, tokensPerSecond=args.tps, reasoningTokens=args.reasoning_tokens
        )
        emulator.reset([oracle(i) for i in range(args.samples * len(args.ask_after))])
        with tempfile.TemporaryDirectory(prefix="grok-lsp-bench-") as state_dir:
            servers = {on: await start(emulator, state_dir, on) for on in (True, False)}
            try:
                i = 0
                for delay in args.ask_after:
                    for _ in range(args.samples):
                        for on, server in servers.items():  # side by side, sample by sample
                            value = await sample(server, i, delay)
                            if value is not None:
                                results.setdefault((delay, on), []).append(value)
                        i += 1
                for on, server in servers.items():
                    stats = (await server.request("grok/stats", {})).result
                    upstream[on] = stats["upstreamRequests"]
            finally:
                for server in servers.values():
                    await server.close()
    finally:
        await emulator.close()
    rows: list[tuple[str, str, str, str, str]] = []
    for delay in args.ask_after:
        with_it, without = results.get((delay, True), []), results.get((delay, False), [])
        for label, values in (("on", with_it), ("off", without)):
            for key, value in p50_90_99(values).items():
                emit(
                    NAME,
                    f"accept to next suggestion {key}",
                    round(value, 1),
                    "ms",
                    ask_after_ms=delay,
                    speculate=label,
                    samples=len(values),
                )
        ratio = median(without) / median(with_it)
        emit(NAME, "off / on", round(ratio, 2), "ratio", ask_after_ms=delay)
        counts = f"{len(with_it)} / {len(without)}"
        rows.append(
            (
                f"{delay:.0f} ms",
                fmt(median(with_it), 0),
                fmt(median(without), 0),
                fmt(ratio),
                counts,
            )
        )
    for on, count in upstream.items():
        emit(NAME, "upstream requests", count, "count", speculate="on" if on else "off")
    if not args.no_report:
        update_report(NAME, report(args, info, rows, upstream))


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def report(
    args: argparse.Namespace,
    info: dict[str, Any],
    rows: list[tuple[str, str, str, str, str]],
    upstream: dict[bool, int],
) -> str:
    command = "python -m bench.ahead" + (" --quick" if args.quick else "")
    return "\n".join(
        [
            "## The request sent ahead after an acceptance",
            "",
            f"`{command}` on {machine_line(info)}. From accepting a suggestion (its edit sent) "
            "to the answer of the editor's next automatic request, median ms, with "
            "`completion.speculateAfterAccept` on and off in two servers side by side; the "
            f"emulator at ttft {args.ttft_ms:.0f} ms, {args.tps:.0f} tokens/s, "
            f"{args.reasoning_tokens} reasoning tokens; debounce 75 ms (skipped after an "
            "acceptance either way).",
            "",
            table(("editor asks after", "on", "off", "off / on", "samples on / off"), rows),
            "",
            f"Upstream requests over the run: {upstream.get(True)} with it on, "
            f"{upstream.get(False)} off.",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="8 samples per delay")
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--ask-after", type=float, nargs="+", default=[0.0, 200.0])
    parser.add_argument("--ttft-ms", type=float, default=300.0)
    parser.add_argument("--tps", type=float, default=190.0)
    parser.add_argument("--reasoning-tokens", type=int, default=60)
    parser.add_argument("--no-report", action="store_true", help="leave the report alone")
    args = parser.parse_args()
    if args.quick:
        args.samples = 8
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
