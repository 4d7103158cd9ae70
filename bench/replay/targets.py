"""What the replay's report says beside its figures: the notes on method, the settings
described, the targets checked, and the smoke run's verdict."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from bench.replay.results import SessionResult, figures, sweep_rows
from bench.replay.script import Session
from bench.replay.session import Bench

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
