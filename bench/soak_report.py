"""bench/soak.py's report: its figures, its verdict, its markdown and its plot."""

import math
import time
from pathlib import Path
from typing import Any

from bench.common import hardware_line, machine
from bench.soak_scenario import DOCUMENTS, RATE, Sample, SoakResult
from grok_lsp.metrics import percentile

HISTORY = (
    "Before pygls's notification futures were released (`LenientProtocol._execute_handler` in "
    "`protocol.py`), this run grew linearly: RSS 67.5 → 89.3 MB in 3 minutes (+6.7 MB/min), one "
    "leaked future per `didChange`; `pending_futures` shows it directly."
)


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
