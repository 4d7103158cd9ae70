"""bench/latency.py's report: its tables and its plot."""

from __future__ import annotations

import argparse
import statistics
from typing import Any

from bench.common import RESULTS, fmt, machine_line, table
from bench.latency_scenarios import LARGE_FILE, TYPED_LINE, EarlyStop, Layout, large_file


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
