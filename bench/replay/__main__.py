"""Replay real editing sessions through the real grok-lsp process, as VS Code drives it.

For each session of `../shared/sessions/*.jsonl` the file's `before` text is opened and typed
into its `after` text (see `script.py`): a `didChange` and an automatic
`textDocument/inlineCompletion` request per keystroke, the previous request cancelled with
`$/cancelRequest` when it is still pending. The simulated user accepts ghost text (one edit, one
Tab keystroke) when it is exactly what they were about to type. The API is the bundled emulator,
in-process, whose completions continue from an *oracle*: the session's `after` text, so the
emulated model knows what the user will type.

Each configuration (layout, debounce) runs in a fresh server process; the sessions run one after
the other in it, each with its own document URI (so its own `x-grok-conv-id`), closed at its end.
Figures are per session and in total; the cached share comes from the emulator, which sees every
request's prompt, including those of streams closed before their usage chunk.

Time compression (`--speed S`) divides every human delay, the emulator's latencies, the
debounce and the server's orphan-stream grace period by S, and multiplies the server's
per-minute request cap by S, so their ratios hold; latencies are reported multiplied back by S.
Server and emulator CPU time is not compressed. The server keeps its state (today's spend) in a
temporary directory and logs to one there too.

    python -m bench.replay            # full run: both layouts + debounce sweep
    python -m bench.replay --smoke    # ~100 keystrokes, one session, exit 1 on failure
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.replay.configuration import LOGS, run_configuration
from bench.replay.emulator import instrument_cache
from bench.replay.report import Report, git_state, write
from bench.replay.results import SessionResult, json_lines, merged, sweep_rows
from bench.replay.script import load_sessions
from bench.replay.session import Bench
from bench.replay.targets import NOTES, describe, evaluate_targets, smoke_verdict
from grok_lsp.emulator import BackgroundEmulator, EmulatorAdmin
from grok_lsp.settings import CompletionSettings

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SESSIONS = ROOT.parent / "shared" / "sessions" / "click-python.jsonl"
RESULTS = ROOT / "bench" / "results"
DEFAULT_DEBOUNCE_MS = CompletionSettings().debounce_ms
SWEEP_DEBOUNCE_MS = (0, 50, 75, 150, 300)
SMOKE_SESSION = 5  # testing.py: one long insertion, ~100 keystrokes in the first 25 s


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sessions-file", type=Path, default=DEFAULT_SESSIONS)
    parser.add_argument("--sessions", type=int, help="replay the first N sessions (default all)")
    parser.add_argument("--only", help="comma-separated session indices, e.g. 0,4,9")
    parser.add_argument("--max-keystrokes", type=int, help="stop each session after N keystrokes")
    parser.add_argument("--speed", type=float, default=10.0, help="time compression factor")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--layouts", default="layered,window")
    parser.add_argument(
        "--debounce-ms", type=int, default=DEFAULT_DEBOUNCE_MS, help="for the layout runs"
    )
    parser.add_argument("--sweep", default=",".join(map(str, SWEEP_DEBOUNCE_MS)))
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--sweep-sessions", type=int, default=8, help="first N of the sessions")
    parser.add_argument("--sweep-max-keystrokes", type=int, default=250)
    parser.add_argument("--sweep-seeds", type=int, default=1, help="repeat with N seeds, pooled")
    parser.add_argument("--reaction-ms", type=float, default=100.0, help="before a Tab accepts")
    parser.add_argument("--ttft-ms", type=float, default=300.0)
    parser.add_argument("--tokens-per-second", type=float, default=190.0)
    parser.add_argument("--reasoning-tokens", type=int, default=40)
    parser.add_argument("--prefill-ms-per-1k", type=float, default=20.0)
    parser.add_argument("--block-tokens", type=int, default=128)
    parser.add_argument("--overshoot-lines", type=int, default=0)
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="KEY=JSON",
        help="extra server setting, e.g. prompt.snapshotDriftChars=4000",
    )
    parser.add_argument(
        "--window-setting",
        action="append",
        default=[],
        metavar="KEY=JSON",
        help="extra server setting for the window layout's run only",
    )
    parser.add_argument("--server-path", help="run the server from this copy of server/")
    parser.add_argument("--out", type=Path, help=f"report directory (default {RESULTS})")
    parser.add_argument("--label", default="replay", help="report file names: LABEL.md/.png")
    parser.add_argument("--smoke", action="store_true", help="1 session, ~100 keystrokes, checks")
    parser.add_argument("--render", type=Path, metavar="JSON", help="re-write an earlier report")
    return parser.parse_args(argv)


def _settings(pairs: Sequence[str]) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for pair in pairs:
        key, _, raw = pair.partition("=")
        try:
            value: Any = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        node = settings
        *parents, name = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[name] = value
    return settings


async def main_async(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    sessions = load_sessions(args.sessions_file)
    if args.only:
        wanted = {int(index) for index in args.only.split(",")}
        sessions = [session for session in sessions if session.index in wanted]
    if args.smoke:
        sessions = [session for session in sessions if session.index == SMOKE_SESSION]
        args.max_keystrokes, args.no_sweep = 100, True
    elif args.sessions is not None:
        sessions = sessions[: args.sessions]
    bench = Bench(
        speed=args.speed,
        seed=args.seed,
        max_keystrokes=args.max_keystrokes,
        reaction_ms=args.reaction_ms,
        ttft_ms=args.ttft_ms,
        tokens_per_second=args.tokens_per_second,
        reasoning_tokens=args.reasoning_tokens,
        prefill_ms_per_1k=args.prefill_ms_per_1k,
        block_tokens=args.block_tokens,
        overshoot_lines=args.overshoot_lines,
        settings=_settings(args.setting),
        window_settings=_settings(args.window_setting),
        server_path=args.server_path,
    )
    layouts = [layout for layout in args.layouts.split(",") if layout]
    sweep_values = [] if args.no_sweep else [int(v) for v in args.sweep.split(",") if v]
    instrument_cache()
    runs: dict[str, list[SessionResult]] = {}
    sweep: list[SessionResult] = []
    LOGS.mkdir(parents=True, exist_ok=True)
    with (
        BackgroundEmulator(bench.emulator()) as background,
        EmulatorAdmin(background.root_url) as emulator,
    ):
        for layout in layouts:
            runs[layout] = await run_configuration(
                emulator, sessions, bench, layout, args.debounce_ms, "layouts"
            )
        for seed in range(args.seed, args.seed + args.sweep_seeds):
            # Each seed runs every value in turn, so that machine noise spreads evenly.
            sweep_bench = replace(bench, max_keystrokes=args.sweep_max_keystrokes, seed=seed)
            for debounce in sweep_values:
                sweep += await run_configuration(
                    emulator,
                    sessions[: args.sweep_sessions],
                    sweep_bench,
                    "layered",
                    debounce,
                    f"sweep seed {seed}",
                )
    elapsed = time.perf_counter() - started
    totals = {layout: merged(results) for layout, results in runs.items()}
    for line in json_lines(totals):
        print(line)
    for value, result, _ in sweep_rows(sweep):
        for line in json_lines({"layered": result}, {"debounceMs": value}):
            print(line)
    print(
        json.dumps({"figure": "wall_time", "layout": None, "value": round(elapsed, 1), "unit": "s"})
    )
    if args.smoke:
        return smoke_verdict(totals)
    report = Report(
        command=shlex.join(["python", "-m", "bench.replay", *sys.argv[1:]]),
        settings=describe(bench, args, sessions, layouts, sweep_values),
        runs=runs,
        sweep=sweep,
        targets=evaluate_targets(totals, sweep),
        notes=NOTES,
        elapsed_s=elapsed,
        git=git_state(ROOT)
        if not args.server_path
        else f"server from {args.server_path}; this checkout at {git_state(ROOT)}",
    )
    written = write(report, args.out or RESULTS, args.label)
    print(f"replay: wrote {written} in {elapsed:.0f} s", file=sys.stderr)
    print(f"replay: server logs in {LOGS}", file=sys.stderr)
    return 0


def render(path: Path, out: Path | None, label: str | None) -> int:
    """Re-write the report of an earlier run from its JSON (e.g. after changing the layout)."""
    report = Report.from_json(json.loads(path.read_text(encoding="utf-8")))
    totals = {layout: merged(results) for layout, results in report.runs.items() if results}
    report.targets = evaluate_targets(totals, report.sweep)
    written = write(report, out or path.parent, label or path.stem)
    print(f"replay: wrote {written}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.render:
        return render(args.render, args.out, args.label if args.label != "replay" else None)
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
