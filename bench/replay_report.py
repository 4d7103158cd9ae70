"""The replay's figures: per-session results, totals, JSON lines, the markdown report, the plot."""

from __future__ import annotations

import json
import math
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from common import machine

USD_PER_TICK = 1e-10


@dataclass
class SessionResult:
    name: str
    layout: str
    debounce_ms: int  # as configured, before time compression
    seed: int = 0
    keystrokes: int = 0  # typed keys + Tab accepts + range deletions
    typed_keys: int = 0
    typed_chars: int = 0
    deletions: int = 0
    accepts: int = 0
    accepted_chars: int = 0
    requests_sent: int = 0  # inlineCompletion requests from the client (one per keystroke)
    cancels_sent: int = 0  # $/cancelRequest sent for a request still pending
    shown: int = 0  # a new ghost text appeared
    empty: int = 0  # answers with nothing to show
    stale: int = 0  # answers for a document version already gone
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)  # real-time equivalent
    new_latencies_ms: list[float] = field(default_factory=list)  # answers showing new text
    reached_after: bool = False
    duration_s: float = 0.0
    # from the server's grok/stats (deltas over the session)
    server_upstream: int = 0
    typeahead_hits: int = 0
    shared_streams: int = 0
    closed_early: int = 0
    usage_estimated: int = 0
    dropped: int = 0  # refused by the server's cost governor / circuit breaker
    # from the emulator
    upstream: int = 0
    streams_aborted: int = 0
    streams_completed: int = 0
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cost_ticks: int = 0
    per_request: list[tuple[int, int]] = field(default_factory=list)  # (prompt, cached) tokens
    first_prompt_tokens: int = 0  # the session's first request: a cold cache, always
    first_cached_tokens: int = 0
    cold_requests: int = 0  # later requests with less than half of the prompt cached
    keys_by_kind: dict[str, int] = field(default_factory=dict)  # accept, enter, char, delete
    requests_by_kind: dict[str, int] = field(default_factory=dict)  # by the keystroke before
    # the server's own percentiles over the whole configuration (same in every session)
    server_latency: dict[str, float] = field(default_factory=dict)
    server_first_content: dict[str, float] = field(default_factory=dict)

    @property
    def chars_inserted(self) -> int:
        return self.typed_chars + self.accepted_chars


def merged(results: Sequence[SessionResult], name: str = "total") -> SessionResult:
    """The sum of several sessions' results (latencies and per-request figures pooled)."""
    first = results[0]
    total = SessionResult(name, first.layout, first.debounce_ms, first.seed)
    for result in results:
        for key, value in vars(result).items():
            if key in ("name", "layout", "debounce_ms", "seed", "reached_after"):
                continue
            if isinstance(value, list):
                getattr(total, key).extend(value)
            elif key in ("keys_by_kind", "requests_by_kind"):
                counts = getattr(total, key)
                for kind, count in value.items():
                    counts[kind] = counts.get(kind, 0) + count
            elif isinstance(value, int | float):
                setattr(total, key, getattr(total, key) + value)
    total.reached_after = all(result.reached_after for result in results)
    total.server_latency = dict(first.server_latency)
    total.server_first_content = dict(first.server_first_content)
    return total


def percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(int(fraction * len(ordered)), len(ordered) - 1)]


def ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str
    digits: int


FIGURES = (
    Figure("keystrokes", "keystrokes", "count", 0),
    Figure("upstream_requests", "requests sent upstream", "count", 0),
    Figure("requests_per_100_keystrokes", "upstream requests per 100 keystrokes", "per100", 1),
    Figure("typeahead_hits", "typeahead hits", "count", 0),
    Figure("shared_streams", "keystrokes that joined a stream in flight", "count", 0),
    Figure("cancelled_streams", "upstream streams cancelled (emulator: aborted)", "count", 0),
    Figure("dropped", "requests the server's governor refused", "count", 0),
    Figure("cached_share", "cached share of prompt tokens (emulator)", "ratio", 3),
    Figure("cached_share_warm", "cached share without each session's first request", "ratio", 3),
    Figure("cold_requests", "later requests with < 50% of the prompt cached", "count", 0),
    Figure("prompt_tokens_per_request", "prompt tokens per upstream request", "tokens", 0),
    Figure("fresh_tokens_per_request_p50", "uncached prompt tokens per request, p50", "tokens", 0),
    Figure("cost_usd", "cost (emulator ticks, grok-code-fast-1 prices)", "usd", 4),
    Figure(
        "stream_latency_p50", "upstream stream start -> suggestion ready, p50 (server)", "ms", 0
    ),
    Figure(
        "stream_latency_p90", "upstream stream start -> suggestion ready, p90 (server)", "ms", 0
    ),
    Figure("suggestions_shown", "suggestions shown", "count", 0),
    Figure("cost_per_1000_suggestions", "cost per 1000 suggestions shown", "usd", 4),
    Figure("latency_p50", "suggestion latency p50 (request -> non-empty answer)", "ms", 0),
    Figure("latency_p90", "suggestion latency p90", "ms", 0),
    Figure("new_latency_p50", "latency p50 of answers showing a new suggestion", "ms", 0),
    Figure("new_latency_p90", "latency p90 of answers showing a new suggestion", "ms", 0),
    Figure("accepts", "suggestions accepted", "count", 0),
    Figure("chars_accepted", "characters typed by accepting", "chars", 0),
    Figure("accepted_share", "share of inserted characters typed by accepting", "ratio", 3),
)


def figures(result: SessionResult) -> dict[str, float]:
    fresh = [prompt - cached for prompt, cached in result.per_request]
    return {
        "keystrokes": result.keystrokes,
        "upstream_requests": result.upstream,
        "requests_per_100_keystrokes": 100 * ratio(result.upstream, result.keystrokes),
        "typeahead_hits": result.typeahead_hits,
        "shared_streams": result.shared_streams,
        "cancelled_streams": result.streams_aborted,
        "dropped": result.dropped,
        "cached_share": ratio(result.cached_tokens, result.prompt_tokens),
        "cached_share_warm": ratio(
            result.cached_tokens - result.first_cached_tokens,
            result.prompt_tokens - result.first_prompt_tokens,
        ),
        "cold_requests": result.cold_requests,
        "prompt_tokens_per_request": ratio(result.prompt_tokens, result.upstream),
        "fresh_tokens_per_request_p50": percentile(fresh, 0.5),
        "cost_usd": result.cost_ticks * USD_PER_TICK,
        "stream_latency_p50": result.server_latency.get("p50", math.nan),
        "stream_latency_p90": result.server_latency.get("p90", math.nan),
        "suggestions_shown": result.shown,
        "cost_per_1000_suggestions": 1000 * ratio(result.cost_ticks * USD_PER_TICK, result.shown),
        "latency_p50": percentile(result.latencies_ms, 0.5),
        "latency_p90": percentile(result.latencies_ms, 0.9),
        "new_latency_p50": percentile(result.new_latencies_ms, 0.5),
        "new_latency_p90": percentile(result.new_latencies_ms, 0.9),
        "accepts": result.accepts,
        "chars_accepted": result.accepted_chars,
        "accepted_share": ratio(result.accepted_chars, result.chars_inserted),
    }


def json_lines(
    totals: dict[str, SessionResult], extra: dict[str, Any] | None = None
) -> Iterable[str]:
    """One line per figure and layout, then the layered/window ratio of each figure."""
    values = {layout: figures(total) for layout, total in totals.items()}
    units = {figure.key: figure.unit for figure in FIGURES}
    for layout, row in values.items():
        for key, value in row.items():
            yield _line(key, layout, value, units[key], extra)
    if "layered" in values and "window" in values:
        for key in values["layered"]:
            value = ratio(values["layered"][key], values["window"][key])
            yield _line(key, "layered/window", value, "ratio", extra)


def _line(key: str, layout: str, value: float, unit: str, extra: dict[str, Any] | None) -> str:
    clean = None if isinstance(value, float) and math.isnan(value) else round(value, 6)
    return json.dumps(
        {"figure": key, "layout": layout, "value": clean, "unit": unit, **(extra or {})}
    )


def fmt(value: float, digits: int) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "-"
    return f"{value:,.{digits}f}"


# --- the markdown report ------------------------------------------------------------------


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


def sweep_rows(sessions: Sequence[SessionResult]) -> list[tuple[int, SessionResult, list[float]]]:
    """Per debounce value: the pooled result, and each seed's accepted-char share."""
    rows = []
    for value in sorted({result.debounce_ms for result in sessions}):
        at_value = [result for result in sessions if result.debounce_ms == value]
        seeds = sorted({result.seed for result in at_value})
        shares = [
            figures(merged([r for r in at_value if r.seed == seed]))["accepted_share"]
            for seed in seeds
        ]
        rows.append((value, merged(at_value, f"debounce {value}"), shares))
    return rows


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
        "Generated by `bench/replay.py`; numbers from one run on a shared, noisy machine.",
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
