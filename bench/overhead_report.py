"""bench/overhead.py's report: its tables, its plots, and the figures before the fixes."""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from typing import Any

from bench.common import RESULTS, fmt, machine_line, p50_90_99, table
from bench.overhead_measure import SizeResult

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
