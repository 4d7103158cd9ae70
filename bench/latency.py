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
import tempfile

from bench.common import emit, machine, p50_90_99, update_report
from bench.latency_report import median, plot, report
from bench.latency_scenarios import Emulator, early_stop, samples, typing

NAME = "latency"


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
