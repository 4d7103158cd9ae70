"""The replay's report: its tables, the markdown and JSON written, and the plots."""

from __future__ import annotations

import json
import math
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.common import machine
from bench.replay.results import FIGURES, SessionResult, figures, fmt, merged, ratio, sweep_rows


def git_state(root: Path) -> str:
    def run(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
        return done.stdout

    head = run("rev-parse", "--short", "HEAD").strip() or "?"
    dirty = [line[3:] for line in run("status", "--porcelain", "server").splitlines() if line]
    return f"{head}" + (f" + uncommitted changes in {', '.join(dirty)}" if dirty else "")


def session_table(layered: Sequence[SessionResult], window: Sequence[SessionResult]) -> list[str]:
    by_name = {result.name: result for result in window}
    lines = [
        "| session | keys | req/100 keys L | W | cached L | W | typeahead L | W "
        "| p50 ms L | W | accepted chars L | W |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for result in layered:
        other = by_name.get(result.name)
        a = figures(result)
        b = figures(other) if other else {}
        lines.append(
            f"| {result.name} | {result.keystrokes}"
            f" | {fmt(a['requests_per_100_keystrokes'], 1)}"
            f" | {fmt(b.get('requests_per_100_keystrokes', math.nan), 1)}"
            f" | {fmt(a['cached_share'], 3)} | {fmt(b.get('cached_share', math.nan), 3)}"
            f" | {result.typeahead_hits} | {other.typeahead_hits if other else '-'}"
            f" | {fmt(a['latency_p50'], 0)} | {fmt(b.get('latency_p50', math.nan), 0)}"
            f" | {result.accepted_chars} | {other.accepted_chars if other else '-'} |"
        )
    return lines


def comparison_table(totals: dict[str, SessionResult]) -> list[str]:
    values = {layout: figures(total) for layout, total in totals.items()}
    layouts = list(values)
    header = "| figure | " + " | ".join(layouts)
    rule = "|---|" + "--:|" * len(layouts)
    both = "layered" in values and "window" in values
    if both:
        header += " | layered / window"
        rule += "--:|"
    lines = [header + " |", rule]
    for figure in FIGURES:
        cells = [fmt(values[layout][figure.key], figure.digits) for layout in layouts]
        if both:
            cells.append(
                fmt(ratio(values["layered"][figure.key], values["window"][figure.key]), 2) + "x"
            )
        lines.append(f"| {figure.label} | " + " | ".join(cells) + " |")
    return lines


KINDS = ("char", "enter", "accept", "delete", "open")


def kinds_table(totals: dict[str, SessionResult]) -> list[str]:
    """Which keystrokes cost upstream requests: each request counted against the keystroke
    just before it ("open": before the session's first keystroke)."""
    lines = [
        "| layout | keystroke kind | keystrokes | upstream requests | per 100 of them |",
        "|---|---|--:|--:|--:|",
    ]
    for layout, total in totals.items():
        for kind in KINDS:
            keys = total.keys_by_kind.get(kind, 0)
            requests = total.requests_by_kind.get(kind, 0)
            if keys or requests:
                per = fmt(100 * ratio(requests, keys), 1)
                lines.append(f"| {layout} | {kind} | {keys} | {requests} | {per} |")
    return lines


def sweep_table(sessions: Sequence[SessionResult]) -> list[str]:
    lines = [
        "| debounceMs | keystrokes | upstream req / 100 keys | new suggestion p50 ms | p90 ms "
        "| stream p50 ms | shown | accepted | accepted chars share (per seed) "
        "| lost vs. 0 ms | cached share | cost $ |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    rows = sweep_rows(sessions)
    base = next((row for row in rows if row[0] == 0), None)
    base_share = figures(base[1])["accepted_share"] if base else math.nan
    for value, result, shares in rows:
        f = figures(result)
        lost = 1 - ratio(f["accepted_share"], base_share)
        per_seed = " / ".join(fmt(share, 3) for share in shares) if len(shares) > 1 else ""
        lines.append(
            f"| {value} | {result.keystrokes}"
            f" | {fmt(f['requests_per_100_keystrokes'], 1)} | {fmt(f['new_latency_p50'], 0)}"
            f" | {fmt(f['new_latency_p90'], 0)} | {fmt(f['stream_latency_p50'], 0)}"
            f" | {result.shown} | {result.accepts}"
            f" | {fmt(f['accepted_share'], 3)}{f' ({per_seed})' if per_seed else ''}"
            f" | {fmt(100 * lost, 1)}% | {fmt(f['cached_share'], 3)} | {fmt(f['cost_usd'], 4)} |"
        )
    return lines


@dataclass
class Report:
    command: str
    settings: dict[str, Any]
    runs: dict[str, list[SessionResult]]  # layout -> sessions
    sweep: list[SessionResult]  # every session of every debounce value and seed
    targets: list[tuple[str, str, bool | None]]  # (target, measured, met)
    notes: list[str]
    elapsed_s: float
    machine: dict[str, Any] = field(default_factory=machine)  # taken at the end of the run
    git: str = ""

    def to_json(self) -> dict[str, Any]:
        data = {key: value for key, value in vars(self).items() if key not in ("runs", "sweep")}
        data["runs"] = {layout: [asdict(r) for r in rs] for layout, rs in self.runs.items()}
        data["sweep"] = [asdict(result) for result in self.sweep]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        def result(row: dict[str, Any]) -> SessionResult:
            row = dict(row)
            row["per_request"] = [tuple(pair) for pair in row.get("per_request", [])]
            return SessionResult(**row)

        runs = {layout: [result(row) for row in rows] for layout, rows in data["runs"].items()}
        sweep = [result(row) for row in data.get("sweep", [])]
        fields = {key: data[key] for key in ("machine", "git") if key in data}
        return cls(
            command=data.get("command", "?"),
            settings=data.get("settings", {}),
            runs=runs,
            sweep=sweep,
            targets=[tuple(target) for target in data.get("targets", [])],
            notes=data.get("notes", []),
            elapsed_s=data.get("elapsed_s", math.nan),
            **fields,
        )


def write(report: Report, out: Path, label: str) -> Path:
    """`LABEL.md`, `LABEL.json` (re-renderable), `LABEL.png`, `LABEL-debounce.png`."""
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{label}.md").write_text(markdown(report), encoding="utf-8")
    (out / f"{label}.json").write_text(json.dumps(report.to_json()), encoding="utf-8")
    if any(report.runs.values()):
        plot(report.runs, out / f"{label}.png")
    if report.sweep:
        plot_sweep(report.sweep, out / f"{label}-debounce.png")
    return out / f"{label}.md"


def markdown(report: Report) -> str:
    info = report.machine
    totals = {layout: merged(results) for layout, results in report.runs.items() if results}
    out = [
        "# Replay benchmark: inline completions over real editing sessions",
        "",
        "Generated by `python -m bench.replay`; numbers from one run on a shared, noisy machine.",
        "",
        "## Machine and command",
        "",
        f"- CPU: {info['cpu']}; nproc {info['nproc']}; Python {info['python']}; {info['platform']}",
        # Reports written before `common.machine()` was shared call it `loadavg`.
        f"- load average at the end: {info.get('load_average', info.get('loadavg'))}",
        f"- grok-lsp: {report.git}",
        f"- command: `{report.command}`",
        f"- wall time: {report.elapsed_s:.0f} s",
        "",
        "## Settings",
        "",
    ]
    out += [f"- {key}: {value}" for key, value in report.settings.items()]
    if report.targets:
        out += ["", "## Targets (issue 3)", "", "| target | measured | met |", "|---|---|---|"]
        for target, measured, met in report.targets:
            verdict = "-" if met is None else ("yes" if met else "**no**")
            out.append(f"| {target} | {measured} | {verdict} |")
    if totals:
        out += ["", "## Totals, side by side", "", *comparison_table(totals)]
    if totals:
        out += [
            "",
            "## Which keystrokes cost upstream requests",
            "",
            "Each upstream request is counted against the keystroke just before it. 'enter' "
            "includes the next line's indentation; 'accept' is a Tab taking a whole suggestion.",
            "",
            *kinds_table(totals),
        ]
    if "layered" in report.runs and "window" in report.runs:
        out += [
            "",
            "## Per session (L = layered, W = window)",
            "",
            *session_table(report.runs["layered"], report.runs["window"]),
        ]
    if report.sweep:
        out += [
            "",
            f"## Debounce sweep ({report.sweep[0].layout} layout, a subset of the sessions)",
            "",
            "'lost' compares the share of inserted characters that came from accepted "
            "suggestions with the 0 ms run (positive = fewer characters accepted). 'new "
            "suggestion' latency: request -> an answer that shows new ghost text; 'stream': the "
            "server's stream start -> suggestion ready (after the debounce).",
            "",
            *sweep_table(report.sweep),
        ]
    if report.notes:
        out += ["", "## Notes", "", *[f"- {note}" for note in report.notes]]
    return "\n".join(out) + "\n"


def plot(runs: dict[str, list[SessionResult]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    layouts = [layout for layout in ("layered", "window") if runs.get(layout)]
    names = [result.name.split(" ")[0] for result in runs[layouts[0]]]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(max(8.0, 0.32 * len(names) + 2), 7))
    width = 0.8 / len(layouts)
    for n, layout in enumerate(layouts):
        rows = [figures(result) for result in runs[layout]]
        xs = [i + (n - (len(layouts) - 1) / 2) * width for i in range(len(rows))]
        top.bar(xs, [row["cached_share"] * 100 for row in rows], width, label=layout)
        bottom.bar(xs, [row["requests_per_100_keystrokes"] for row in rows], width, label=layout)
    top.axhline(90, color="black", linestyle="--", linewidth=0.8, label="target 90%")
    bottom.axhline(25, color="black", linestyle="--", linewidth=0.8, label="target 25")
    top.set_ylabel("cached share of prompt tokens, %")
    bottom.set_ylabel("upstream requests / 100 keystrokes")
    for axis in (top, bottom):
        axis.set_xticks(range(len(names)))
        axis.set_xticklabels(names, rotation=90, fontsize=7)
        axis.legend(fontsize=8)
    top.set_title("Replay of real editing sessions against the emulator, per session")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_sweep(sweep: Sequence[SessionResult], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [(value, figures(result)) for value, result, _ in sweep_rows(sweep)]
    xs = [debounce for debounce, _ in rows]
    fig, axis = plt.subplots(figsize=(7, 4))
    axis.plot(xs, [row["requests_per_100_keystrokes"] for _, row in rows], "o-", label="req/100")
    axis.plot(xs, [row["accepted_share"] * 100 for _, row in rows], "s-", label="accepted %")
    axis.set_xlabel("completion.debounceMs")
    axis.set_ylabel("requests per 100 keys / accepted chars %")
    other = axis.twinx()
    other.plot(xs, [row["new_latency_p50"] for _, row in rows], "^--", color="gray", label="p50 ms")
    other.set_ylabel("latency p50 of answers showing a new suggestion, ms")
    axis.legend(loc="upper left", fontsize=8)
    other.legend(loc="upper right", fontsize=8)
    axis.set_title("Debounce sweep")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
