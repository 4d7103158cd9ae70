"""Replay real editing sessions through the real grok-lsp process, as VS Code drives it.

For each session of `../shared/sessions/*.jsonl` the file's `before` text is opened and typed
into its `after` text (see `replay_script.py`): a `didChange` and an automatic
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

    python bench/replay.py                  # full run: both layouts + debounce sweep
    python bench/replay.py --smoke          # ~100 keystrokes, one session, exit 1 on failure
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import shlex
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from lsprotocol import types as t
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import register_lsp_features

from grok_lsp.emulator import BackgroundEmulator
from grok_lsp.settings import CompletionSettings
from replay_emulator import (
    SEEN,
    EmulatorAdmin,
    add_emulator_stats,
    attribute,
    instrument_cache,
)
from replay_report import (
    Report,
    SessionResult,
    figures,
    fmt,
    git_state,
    json_lines,
    merged,
    sweep_rows,
    write,
)
from replay_script import Session, edit_script, load_sessions
from replay_session import WORKSPACE, Bench, SessionReplay

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SESSIONS = ROOT.parent / "shared" / "sessions" / "click-python.jsonl"
RESULTS = ROOT / "bench" / "results"
LOGS = Path(tempfile.gettempdir()) / "grok-lsp-replay-logs" / str(os.getpid())
DEFAULT_DEBOUNCE_MS = CompletionSettings().debounce_ms
SWEEP_DEBOUNCE_MS = (0, 50, 75, 150, 300)
SMOKE_SESSION = 5  # testing.py: one long insertion, ~100 keystrokes in the first 25 s
ORPHAN_GRACE_S = 0.5  # grok_lsp.policy.ORPHAN_GRACE_S, compressed with the rest

# The server, started with its orphan-stream grace period compressed like every other delay.
_BOOT = (
    "import sys\n"
    "import grok_lsp.policy as policy\n"
    "if hasattr(policy, 'ORPHAN_GRACE_S'):\n"
    "    policy.ORPHAN_GRACE_S = float(sys.argv[1])\n"
    "else:\n"
    "    print('replay: grok_lsp.policy.ORPHAN_GRACE_S is gone; not compressed', "
    "file=sys.stderr)\n"
    "from grok_lsp.cli import main\n"
    "sys.exit(main(['--log-level', 'WARNING', '--log-file', sys.argv[2]]))\n"
)


def _vscode_capabilities() -> t.ClientCapabilities:
    capabilities = client_capabilities("visual-studio-code")
    assert capabilities.text_document is not None
    capabilities.text_document.inline_completion = t.InlineCompletionClientCapabilities()
    return capabilities


def _make_client() -> LanguageClient:
    client = LanguageClient(converter_factory=default_converter)
    register_lsp_features(client)

    # pygls's `feature` decorator and pytest-lsp's `send_request_async` are unannotated.
    @client.feature("grok/status")  # type: ignore[untyped-decorator]
    def status(params: Any) -> None:
        pass

    @client.feature(t.CLIENT_REGISTER_CAPABILITY)  # type: ignore[untyped-decorator]
    def register_capability(params: t.RegistrationParams) -> None:
        pass  # VS Code accepts the registration of configuration changes

    return client


async def _request(client: LanguageClient, method: str, params: Any) -> Any:
    return await client.protocol.send_request_async(method, params)  # type: ignore[no-untyped-call]


def _plain(value: Any) -> Any:
    """`grok/stats` arrives as pygls namedtuples."""
    if hasattr(value, "_asdict"):
        return {key: _plain(item) for key, item in value._asdict().items()}
    return value


# --- one configuration: a server process, the sessions one after the other ---------------------


_SERVER_COUNTERS = {
    "server_upstream": "upstreamRequests",
    "typeahead_hits": "typeaheadHits",
    "shared_streams": "sharedStreams",
    "closed_early": "streamsClosedEarly",
    "usage_estimated": "usageEstimated",
    "dropped": "dropped",
}


async def run_configuration(
    emulator: EmulatorAdmin,
    sessions: Sequence[Session],
    bench: Bench,
    layout: str,
    debounce_ms: int,
    progress: str,
) -> list[SessionResult]:
    env = {
        **os.environ,
        "XAI_API_KEY": "xai-replay-bench-not-a-key",
        "GROK_LSP_BASE_URL": emulator.background.base_url,
        "GROK_LSP_STATE_DIR": str(LOGS / "state"),  # never the user's daily spend
    }
    if bench.server_path:
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [bench.server_path, env.get("PYTHONPATH")])
        )
    log_file = LOGS / f"server-{progress.replace(' ', '-')}-{layout}-{debounce_ms}ms.log"
    command = [sys.executable, "-c", _BOOT, str(bench.scaled(ORPHAN_GRACE_S)), str(log_file)]
    client = await ClientServerConfig(command, _make_client, env).start()
    assert isinstance(client, LanguageClient)
    settings = bench.server_settings(layout, debounce_ms)
    client.set_configuration(settings, section="grok")
    await client.initialize_session(
        t.InitializeParams(
            capabilities=_vscode_capabilities(),
            root_uri=WORKSPACE,
            initialization_options={"grok": settings},
        )
    )
    await asyncio.sleep(0.3)  # `initialized`: settings pulled, connection warmed
    ids = itertools.count(1)
    results: list[SessionResult] = []
    try:
        for n, session in enumerate(sessions, 1):
            await emulator.post("reset")
            await emulator.post("oracle", {"texts": [session.after]})
            before = _plain(await _request(client, "grok/stats", {}))
            seen_from = len(SEEN)
            replay = SessionReplay(client, session, bench, layout, debounce_ms, ids)
            result = await replay.run(edit_script(session.before, session.after))
            await emulator.settle()
            after = _plain(await _request(client, "grok/stats", {}))
            for name, key in _SERVER_COUNTERS.items():
                setattr(result, name, after.get(key, 0) - before.get(key, 0))
            seen = SEEN[seen_from:]
            add_emulator_stats(result, await emulator.stats(), seen)
            attribute(result, replay.keys_log, seen)
            results.append(result)
            row = figures(result)
            print(
                f"replay [{progress}] {layout} debounce={debounce_ms} {n}/{len(sessions)} "
                f"{session.name}: {result.keystrokes} keys, "
                f"{fmt(row['requests_per_100_keystrokes'], 1)} req/100, "
                f"cached {fmt(row['cached_share'], 3)}, "
                f"p50 {fmt(row['latency_p50'], 0)} ms, accepted {result.accepted_chars} chars, "
                f"{result.duration_s:.1f} s",
                file=sys.stderr,
                flush=True,
            )
        final = _plain(await _request(client, "grok/stats", {}))
        for result in results:
            result.server_latency = _scaled_percentiles(final.get("latencyMs"), bench.speed)
            result.server_first_content = _scaled_percentiles(
                final.get("firstContentMs"), bench.speed
            )
    finally:
        await client.shutdown_session()
    return results


def _scaled_percentiles(values: Any, speed: float) -> dict[str, float]:
    if not isinstance(values, dict):
        return {}
    return {name: float(value) * speed for name, value in values.items()}


# --- the whole run -------------------------------------------------------------------------------


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
    with BackgroundEmulator(bench.emulator()) as background:
        emulator = EmulatorAdmin(background)
        try:
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
        finally:
            await emulator.http.aclose()
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
        command=shlex.join(["python", "bench/replay.py", *sys.argv[1:]]),
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


NOTES = [
    "The emulated model is an oracle: its inline completions continue from the session's "
    "`after` text (first match of the last 1-3 lines before the cursor), so it knows what the "
    "user will type. Accept rates are an upper bound; requests and cache figures are not.",
    "Keystrokes = typed keys (Enter takes the next line's indentation with it, an indentation "
    "run at a line start is one key) + Tab accepts + range deletions. One automatic "
    "inlineCompletion request per keystroke, the previous one cancelled if still pending.",
    "The user accepts ghost text (whole, with Tab, at their next keystroke) only when it is a "
    "prefix of what they are about to type in the current insertion and has been visible for "
    "the reaction time; ghost text stays visible while typed characters match it (VS Code).",
    "Latency: request sent -> non-empty answer for the still-current document version, as the "
    "client sees it, multiplied back by the speed factor (so any server/emulator CPU time is "
    "inflated by that factor too). Most answers come from typeahead or a stream already in "
    "flight, hence the low p50; 'stream' latency is the server's own stream start -> ready.",
    "Time compression: the emulator paces tokens by deadlines (each due at the stream's start "
    "plus the delays so far), so per-chunk overhead does not add up over a stream; when it "
    "did, x10 runs showed ~1 s streams and ~25% fewer requests per 100 keystrokes than real "
    "time. Use --speed 2 to check a x10 figure.",
    "Cached share and cost come from the emulator (every prompt it received, including streams "
    "closed before their usage chunk); cost uses its ticks at grok-code-fast-1 launch prices "
    "($0.20 input, $0.02 cached, $1.50 output per 1M; reasoning billed as output).",
]


def describe(
    bench: Bench,
    args: argparse.Namespace,
    sessions: Sequence[Session],
    layouts: Sequence[str],
    sweep: Sequence[int],
) -> dict[str, Any]:
    return {
        "sessions": f"{len(sessions)} from {args.sessions_file.name} "
        f"(indices {sessions[0].index}-{sessions[-1].index})"
        if sessions
        else "none",
        "max keystrokes per session": bench.max_keystrokes or "unlimited",
        "time compression": f"x{bench.speed:g}: human delays, emulator TTFT/prefill/token rate, "
        "completion.debounceMs, the orphan-stream grace period and "
        "completion.maxRequestsPerMinute are all scaled by it",
        "human pace": "80-250 ms per key; after Enter a 0.5-2 s pause with p=0.3; "
        "0.5-1.5 s moving to each edit; seed " + str(bench.seed),
        "reaction time before accepting": f"{bench.reaction_ms:g} ms",
        "emulator": f"TTFT {bench.ttft_ms:g} ms + {bench.prefill_ms_per_1k:g} ms per 1k uncached "
        f"prompt tokens, {bench.reasoning_tokens} reasoning tokens, "
        f"{bench.tokens_per_second:g} tokens/s, cache blocks of {bench.block_tokens} tokens, "
        f"overshoot {bench.overshoot_lines} lines (real-time values)",
        "layouts": ", ".join(layouts),
        "debounce (layout runs)": f"{args.debounce_ms} ms "
        f"(sent as {round(args.debounce_ms / bench.speed)} ms)",
        "debounce sweep": ", ".join(map(str, sweep)) + f" ms on the first {args.sweep_sessions} "
        f"sessions, ≤ {args.sweep_max_keystrokes} keystrokes each, {args.sweep_seeds} seed(s)"
        if sweep
        else "not run",
        "extra server settings": json.dumps(bench.settings) if bench.settings else "none",
        "window-only settings": json.dumps(bench.window_settings)
        if bench.window_settings
        else "none",
        "server code": bench.server_path or "the installed grok_lsp (this checkout)",
    }


def evaluate_targets(
    totals: dict[str, SessionResult], sweep: Sequence[SessionResult]
) -> list[tuple[str, str, bool | None]]:
    found: list[tuple[str, str, bool | None]] = []
    values = {layout: figures(total) for layout, total in totals.items()}
    if "layered" in values:
        share = values["layered"]["cached_share"]
        found.append(("cached share ≥ 90% (layered)", f"{share:.1%}", share >= 0.9))
        rate = values["layered"]["requests_per_100_keystrokes"]
        found.append(("upstream requests ≤ 25 per 100 keystrokes", f"{rate:.1f}", rate <= 25))
    if "layered" in values and "window" in values:
        times = values["layered"]["cached_share"] / max(values["window"]["cached_share"], 1e-9)
        found.append(("cached share ≥ 3x the window layout's", f"{times:.2f}x", times >= 3))
    if sweep:
        rows = ", ".join(
            f"{value} ms: {figures(result)['accepted_share']:.3f}"
            for value, result, _ in sweep_rows(sweep)
        )
        found.append(("without losing suggestions (accepted-char share by debounce)", rows, None))
    return found


def smoke_verdict(totals: dict[str, SessionResult]) -> int:
    problems: list[str] = []
    for layout, total in totals.items():
        row = figures(total)
        if total.keystrokes < 50:
            problems.append(f"{layout}: only {total.keystrokes} keystrokes")
        if total.upstream == 0 or total.server_upstream == 0:
            problems.append(f"{layout}: no upstream requests")
        if total.shown == 0:
            problems.append(f"{layout}: no suggestion shown")
        if total.errors:
            problems.append(f"{layout}: {total.errors} error answers")
        if not row["cached_share"] > 0:
            problems.append(f"{layout}: nothing cached")
    for problem in problems:
        print(f"replay smoke: FAIL {problem}", file=sys.stderr)
    if not problems:
        print("replay smoke: ok", file=sys.stderr)
    return 1 if problems else 0


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
