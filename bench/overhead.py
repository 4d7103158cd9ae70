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
import tempfile

from bench.common import emit, machine, p50_90_99, start_stub, update_report
from bench.overhead_measure import SizeResult, handling_costs, measure_size
from bench.overhead_report import plot, report

NAME = "overhead"
SIZES = (100, 1_000, 10_000, 50_000)


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
