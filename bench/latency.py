"""Time to suggestion: streaming early stop against the whole answer, and the prompt layouts.

The emulator (in-process, on loopback) is set to grok-code-fast-1's published pace, ~190
tokens/s, with a time to first token and a reasoning length chosen here (`--ttft-ms 300`,
`--reasoning-tokens 60`), and `overshootLines` so that the model goes on writing past the line
it was asked to finish, as real models do. Its completions continue from an oracle: the file
as it really is.

1. **Early stop.** For single-line completions at places taken from Python's `asyncio` sources
   (the rest of the line removed, the cursor after `= `), each sample measures, one after the other:
   grok-lsp's time from an invoked `inlineCompletion` request to its answer (it stops the stream
   once the line is complete), then the same prompt (the body grok-lsp sent, read back from the
   emulator) straight to the emulator with httpx: streamed and read to its end, and with
   `stream: false`. The suggestion must be the removed rest of the line. Repeated with fewer
   samples over a range of `overshootLines`.
2. **Layouts.** `prefillMsPer1kUncached` > 0 makes each uncached prompt token cost time to first
   token. A line of code is typed into a large file, key by key (`didChange`, then an automatic
   request, debounce 0, its answer awaited), once with `completion.promptLayout: layered`
   and once with `window`, each in a fresh server and a cold emulator cache; the emulator's
   counters give each request's prompt and cached tokens, hence its emulated time to first token.

    python -m bench.latency            # ~4 minutes
    python -m bench.latency --quick    # ~1.5 minutes
"""

from __future__ import annotations

import argparse
import asyncio
import asyncio.base_events
import json
import re
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.common import RESULTS, emit, fmt, machine, machine_line, p50_90_99, table, update_report
from bench.rawlsp import LspProcess, ms, open_document, position_of, start_server
from grok_lsp.emulator import BackgroundEmulator, EmulatorAdmin, EmulatorConfig

NAME = "latency"
# Real code that does not change under the benchmark: this Python's own asyncio package.
SOURCES = Path(asyncio.__file__).parent
LARGE_FILE = Path(asyncio.base_events.__file__)
_CUT = re.compile(r"^(?P<head>\s*[\w.\[\]]+(?:: [\w\[\], |.]+)? = )(?P<rest>\S.{9,})$")
TYPED_LINE = "    weights = [item.weight * factor for item in selected if item.enabled]"


@dataclass(frozen=True)
class Sample:
    path: str
    text: str  # the file with the rest of the cursor's line removed
    offset: int  # the cursor
    expected: str  # what was removed
    oracle: str  # the file as it is


@dataclass
class EarlyStop:
    overshoot: int
    lsp_ms: list[float] = field(default_factory=list)
    first_line_ms: list[float] = field(default_factory=list)  # direct stream, client-side cut
    stream_end_ms: list[float] = field(default_factory=list)
    whole_ms: list[float] = field(default_factory=list)  # stream: false
    usable: int = 0  # a non-empty single line
    exact: int = 0  # exactly the removed rest of the line


@dataclass
class Layout:
    name: str
    prompt_tokens: list[int] = field(default_factory=list)
    cached_tokens: list[int] = field(default_factory=list)
    ttft_ms: list[float] = field(default_factory=list)  # emulated, per upstream request
    suggestion_ms: list[float] = field(default_factory=list)  # measured, per upstream request
    keystrokes: int = 0

    @property
    def cached_share(self) -> float:
        return sum(self.cached_tokens) / max(sum(self.prompt_tokens), 1)


def samples(count: int) -> list[Sample]:
    """Single-line completion sites in asyncio's sources, spread evenly, deterministic."""
    found: list[Sample] = []
    for path in sorted(SOURCES.rglob("*.py")):
        oracle = path.read_text()
        offset = 0
        for line in oracle.split("\n"):
            match = _CUT.match(line)
            if match and not line.rstrip().endswith((":", "(", "[", "{", ",")):
                head, rest = match["head"], match["rest"]
                cursor = offset + len(head)
                text = oracle[:cursor] + oracle[offset + len(line) :]
                rel = path.relative_to(SOURCES.parent).as_posix()
                found.append(Sample(rel, text, cursor, rest.rstrip(), oracle))
            offset += len(line) + 1
    step = max(len(found) // count, 1)
    return found[::step][:count]


def large_file() -> str:
    return LARGE_FILE.read_text()


class Emulator:
    """The in-process emulator: its controls, and the same request sent to it directly."""

    def __init__(self) -> None:
        self.background = BackgroundEmulator(EmulatorConfig()).start()
        self.admin = EmulatorAdmin(self.background.root_url)
        self.http = httpx.AsyncClient(timeout=60)

    def reset(self, oracle: list[str]) -> None:
        self.admin.reset()
        if oracle:
            self.admin.set_oracle(*oracle)

    async def direct(self, body: dict[str, Any]) -> tuple[float, float, float]:
        """The same request straight to the emulator, streamed and read to the end:
        (ms to the first complete non-blank line, ms to the end, ms to the whole answer with
        `stream: false`)."""
        url = self.background.base_url + "/chat/completions"
        headers = {"Authorization": "Bearer xai-bench"}
        started = time.monotonic_ns()
        first_line = float("nan")
        content = ""
        async with self.http.stream("POST", url, json=body, headers=headers) as response:
            async for line in response.aiter_lines():
                if not line.startswith("data: {"):
                    continue
                for choice in json.loads(line[6:]).get("choices", []):
                    content += choice.get("delta", {}).get("content") or ""
                if first_line != first_line and any(
                    part.strip() for part in content.split("\n")[:-1]
                ):
                    first_line = ms(time.monotonic_ns() - started)
        stream_end = ms(time.monotonic_ns() - started)
        whole_body = {k: v for k, v in body.items() if k != "stream_options"} | {"stream": False}
        started = time.monotonic_ns()
        (await self.http.post(url, json=whole_body, headers=headers)).raise_for_status()
        return first_line, stream_end, ms(time.monotonic_ns() - started)

    async def close(self) -> None:
        await self.http.aclose()
        self.admin.close()
        self.background.stop()


async def server_with(emulator: Emulator, state_dir: str, layout: str) -> LspProcess:
    settings = {
        "completion": {"debounceMs": 0, "promptLayout": layout, "maxRequestsPerMinute": 10_000}
    }
    server = await start_server(emulator.background.base_url, state_dir, settings)
    await server.ping()
    return server


async def inline(server: LspProcess, uri: str, text: str, offset: int, kind: int) -> Any:
    params = {
        "textDocument": {"uri": uri},
        "position": position_of(text, offset),
        "context": {"triggerKind": kind},
    }
    return await server.request("textDocument/inlineCompletion", params)


async def early_stop(
    emulator: Emulator, state_dir: str, sites: list[Sample], overshoot: int, direct_whole: bool
) -> EarlyStop:
    result = EarlyStop(overshoot)
    emulator.admin.configure(overshootLines=overshoot, prefillMsPer1kUncached=0)
    server = await server_with(emulator, state_dir, "layered")
    try:
        for index, site in enumerate(sites):
            emulator.reset([site.oracle])
            uri = f"file:///bench/{index}/{site.path}"
            open_document(server, uri, site.text)
            reply = await inline(server, uri, site.text, site.offset, 1)  # invoked: no debounce
            items = (reply.result or {}).get("items", [])
            suggestion = items[0]["insertText"] if items else ""
            result.usable += bool(suggestion.strip()) and "\n" not in suggestion
            result.exact += suggestion == site.expected
            result.lsp_ms.append(reply.round_trip_ms)
            body = emulator.admin.stats()["last_request"]["body"]
            first_line, stream_end, whole = await emulator.direct(body)
            result.first_line_ms.append(first_line)
            result.stream_end_ms.append(stream_end)
            if direct_whole:
                result.whole_ms.append(whole)
            server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    finally:
        await server.close()
    return result


async def typing(
    emulator: Emulator, state_dir: str, layout: str, keys: int, ttft: float, prefill: float
) -> Layout:
    result = Layout(layout)
    emulator.reset([])
    source = large_file()
    lines = source.split("\n")
    at = sum(len(line) + 1 for line in lines[: len(lines) // 2])  # start of the middle line
    text = source[:at] + "\n" + source[at:]
    uri = "file:///bench/all.py"
    server = await server_with(emulator, state_dir, layout)
    try:
        open_document(server, uri, text)
        seen = emulator.admin.stats()
        cursor = at
        for version, char in enumerate(TYPED_LINE[:keys], start=2):
            position = position_of(text, cursor)
            text = text[:cursor] + char + text[cursor:]
            cursor += 1
            server.notify(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [
                        {"range": {"start": position, "end": position}, "text": char}
                    ],
                },
            )
            reply = await inline(server, uri, text, cursor, 2)
            result.keystrokes += 1
            now = emulator.admin.stats()
            if now["requests"] == seen["requests"]:
                continue  # answered without the API (typeahead)
            prompt = now["prompt_tokens"] - seen["prompt_tokens"]
            cached = now["cached_tokens"] - seen["cached_tokens"]
            seen = now
            result.prompt_tokens.append(prompt)
            result.cached_tokens.append(cached)
            result.ttft_ms.append(ttft + prefill * (prompt - cached) / 1000)
            result.suggestion_ms.append(reply.round_trip_ms)
    finally:
        await server.close()
    return result


# --- the report --------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def plot(main: EarlyStop, sweep: list[EarlyStop], layouts: list[Layout]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    runs = sorted([main, *sweep], key=lambda r: r.overshoot)
    overshoots = [r.overshoot for r in runs]
    axes[0].plot(overshoots, [median(r.lsp_ms) for r in runs], "o-", label="grok-lsp, early stop")
    axes[0].plot(
        overshoots, [median(r.stream_end_ms) for r in runs], "s--", label="whole answer (stream)"
    )
    axes[0].set_xlabel("lines the model writes past the suggestion (overshootLines)")
    axes[0].set_ylabel("ms to suggestion (median)")
    axes[0].set_ylim(bottom=0)
    axes[0].set_title("early stop against the whole answer")
    axes[0].legend()
    names = [layout.name for layout in layouts]
    axes[1].bar(names, [median(layout.ttft_ms) for layout in layouts], color=["C0", "C1"])
    for index, layout in enumerate(layouts):
        axes[1].text(
            index,
            median(layout.ttft_ms),
            f"{100 * layout.cached_share:.0f}% cached",
            ha="center",
            va="bottom",
        )
    axes[1].set_ylabel("emulated time to first token, ms (median)")
    axes[1].set_title("prompt layout, typing a line")
    fig.tight_layout()
    fig.savefig(RESULTS / "latency.png", dpi=110)
    plt.close(fig)


def report(
    main: EarlyStop,
    sweep: list[EarlyStop],
    layouts: list[Layout],
    args: argparse.Namespace,
    info: dict[str, Any],
    command: str,
) -> str:
    lsp, end, whole = median(main.lsp_ms), median(main.stream_end_ms), median(main.whole_ms)
    first_line = median(main.first_line_ms)
    rows = [
        ["grok-lsp, streaming with early stop", fmt(lsp, 0), "1.00"],
        [
            "the same prompt, first line cut client-side (ideal)",
            fmt(first_line, 0),
            fmt(first_line / lsp),
        ],
        ["the same prompt, stream read to its end", fmt(end, 0), fmt(end / lsp)],
        ["the same prompt, `stream: false`", fmt(whole, 0), fmt(whole / lsp)],
    ]
    by_overshoot = sorted([main, *sweep], key=lambda r: r.overshoot)
    sweep_rows = [
        [
            r.overshoot,
            len(r.lsp_ms),
            fmt(median(r.lsp_ms), 0),
            fmt(median(r.stream_end_ms), 0),
            fmt(median(r.stream_end_ms) / median(r.lsp_ms)),
        ]
        for r in by_overshoot
    ]
    gains = [(r.overshoot, median(r.stream_end_ms) / median(r.lsp_ms)) for r in by_overshoot]
    doubled = [lines for lines, gain in gains if gain >= 2]
    none = [gain for lines, gain in gains if lines == 0]
    dependence = (
        (
            f"With a model that stops at the line (`overshootLines` 0, the emulator's default) "
            f"early stop saves nothing ({fmt(none[0])}x); "
            if none
            else ""
        )
        + (
            f"the 2x target holds from {doubled[0]} lines of overshoot in this sweep. "
            if doubled
            else "no overshoot in this sweep reaches 2x. "
        )
        + "How far grok-code-fast-1 really writes past the line it was asked to finish is "
        "not known here (it needs the live API): the target is a property of the model as "
        "much as of grok-lsp."
    )
    layout_rows = [
        [
            f"`{layout.name}`",
            f"{layout.keystrokes} / {len(layout.prompt_tokens)}",
            fmt(median([float(p) for p in layout.prompt_tokens]), 0),
            f"{100 * layout.cached_share:.1f}%",
            fmt(median(layout.ttft_ms), 0),
            fmt(median(layout.suggestion_ms), 0),
        ]
        for layout in layouts
    ]
    layered, window = layouts
    ratio = end / lsp
    return "\n".join(
        [
            "## Time to suggestion",
            "",
            f"`{command}` — {machine_line(info)}.",
            "",
            f"Emulator: {args.tps:g} tokens/s (grok-code-fast-1's published pace), time to "
            f"first token {args.ttft_ms:g} ms, {args.reasoning_tokens} reasoning tokens before "
            f"the answer (so the first content token comes at about "
            f"{args.ttft_ms + 1000 * args.reasoning_tokens / args.tps:.0f} ms), and the model "
            f"writes {args.overshoot} more lines after the one asked for (`overshootLines`). "
            f"{len(main.lsp_ms)} single-line sites (`x = ` with the rest of the line removed) "
            "in Python's own `asyncio` sources; "
            f"{main.usable}/{len(main.lsp_ms)} answers were a usable single line, "
            f"{main.exact} exactly the removed rest of the line"
            + (
                " (the others continue an earlier, similar line: the emulator's oracle lookup). "
                if main.exact < main.usable
                else ". "
            )
            + "Requests are invoked ones (no debounce: that wait is the user's setting, not "
            "latency). "
            "Medians, ms, and how many times longer than grok-lsp:",
            "",
            table(["", "ms", "x grok-lsp"], rows),
            "",
            f"Early-stopped suggestions arrive {fmt(ratio)}x sooner than the whole streamed "
            f"answer and {fmt(whole / lsp)}x sooner than the non-streamed one: target 2x "
            f"{'met' if min(ratio, whole / lsp) >= 2 else 'MISSED'} on these settings. How much "
            "early stop saves depends on how far the model overshoots; the same measurement "
            "over `overshootLines` (fewer samples each):",
            "",
            table(["overshootLines", "samples", "grok-lsp", "whole (stream)", "ratio"], sweep_rows),
            "",
            dependence,
            "",
            f"Prompt layout and the cache: `prefillMsPer1kUncached` = {args.prefill:g} ms, "
            f"typing `{TYPED_LINE[: args.keys]}` key by key into the middle of a "
            f"large file (`asyncio/{LARGE_FILE.name}`, {large_file().count(chr(10)):,} lines), an "
            "automatic request per key (keys / upstream requests: the rest were answered "
            "without the API). Emulated time to first token = ttft + prefill x uncached "
            "tokens / 1000:",
            "",
            table(
                [
                    "layout",
                    "keys / requests",
                    "prompt tokens (median)",
                    "cached share",
                    "ttft ms (median)",
                    "time to suggestion ms (median)",
                ],
                layout_rows,
            ),
            "",
            f"The layered prompt's time to first token is "
            f"{fmt(median(window.ttft_ms) / median(layered.ttft_ms))}x shorter than the "
            "cursor-centred window's.",
            "",
            "![latency](latency.png)",
        ]
    )


async def main_async(args: argparse.Namespace) -> None:
    info = machine()
    emit(NAME, "machine", json.dumps(info), "")
    sites = samples(args.samples)
    emulator = Emulator()
    base = {
        "ttftMs": args.ttft_ms,
        "tokensPerSecond": args.tps,
        "reasoningTokens": args.reasoning_tokens,
    }
    try:
        emulator.admin.configure(**base)
        with tempfile.TemporaryDirectory(prefix="grok-lsp-bench-") as state_dir:
            main = await early_stop(emulator, state_dir, sites, args.overshoot, True)
            for name, values in (
                ("grok-lsp early stop", main.lsp_ms),
                ("direct first line", main.first_line_ms),
                ("direct stream to end", main.stream_end_ms),
                ("direct stream false", main.whole_ms),
            ):
                for key, value in p50_90_99(values).items():
                    emit(NAME, f"{name} {key}", round(value, 1), "ms", overshoot=args.overshoot)
            emit(NAME, "usable suggestions", main.usable, "count", of=len(main.lsp_ms))
            emit(NAME, "exact suggestions", main.exact, "count", of=len(main.lsp_ms))
            emit(
                NAME,
                "whole stream / early stop",
                round(median(main.stream_end_ms) / median(main.lsp_ms), 2),
                "ratio",
            )
            emit(
                NAME,
                "stream false / early stop",
                round(median(main.whole_ms) / median(main.lsp_ms), 2),
                "ratio",
            )
            sweep = []
            for overshoot in args.sweep:
                if overshoot == args.overshoot:
                    continue
                run = await early_stop(
                    emulator,
                    state_dir,
                    sites[:: max(len(sites) // args.sweep_samples, 1)][: args.sweep_samples],
                    overshoot,
                    False,
                )
                sweep.append(run)
                emit(
                    NAME,
                    "whole stream / early stop",
                    round(median(run.stream_end_ms) / median(run.lsp_ms), 2),
                    "ratio",
                    overshoot=overshoot,
                    samples=len(run.lsp_ms),
                )
            emulator.admin.configure(
                overshootLines=args.overshoot, prefillMsPer1kUncached=args.prefill
            )
            layouts = []
            for layout in ("layered", "window"):
                result = await typing(
                    emulator, state_dir, layout, args.keys, args.ttft_ms, args.prefill
                )
                layouts.append(result)
                emit(NAME, f"{layout} cached share", round(result.cached_share, 4), "fraction")
                emit(NAME, f"{layout} emulated ttft p50", round(median(result.ttft_ms), 1), "ms")
                emit(
                    NAME,
                    f"{layout} time to suggestion p50",
                    round(median(result.suggestion_ms), 1),
                    "ms",
                )
    finally:
        await emulator.close()
    if args.no_report:
        return
    plot(main, sweep, layouts)
    command = "python -m bench.latency" + (" --quick" if args.quick else "")
    update_report(NAME, report(main, sweep, layouts, args, info, command))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples (~1.5 minutes)")
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--ttft-ms", type=float, default=300.0)
    parser.add_argument("--tps", type=float, default=190.0)
    parser.add_argument("--reasoning-tokens", type=int, default=60)
    parser.add_argument("--overshoot", type=int, default=20, help="overshootLines")
    parser.add_argument("--sweep", type=int, nargs="*", default=[0, 5, 10, 20, 40])
    parser.add_argument("--sweep-samples", type=int, default=6)
    parser.add_argument("--prefill", type=float, default=50.0, help="ms per 1k uncached tokens")
    parser.add_argument("--keys", type=int, default=30, help="keystrokes per layout")
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.samples, args.sweep_samples, args.keys = 8, 3, 12
        args.sweep = [0, 10, 40]
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
