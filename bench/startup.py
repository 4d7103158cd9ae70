"""Start-up near the floor: grok-lsp beside a bare pygls server, in the same run.

The floor is `bench/bare_server.py`, a pygls `LanguageServer` with one feature, started the
same way as grok-lsp (a Python script run by this interpreter: grok-lsp as the README's editors
start it, the `grok-lsp` command installed beside this Python). For each server, alternately,
`--runs` times, as `bench/footprint.py` measures it: spawn -> `initialize` answered, then VmRSS
after `initialized` and with 20 files open, `--settle` seconds after each.

Then, for grok-lsp only, the first inline completion against the bundled emulator (answering at
once): a fresh server is spawned, initialized, a file opened and an explicit
`textDocument/inlineCompletion` sent at once (a suggestion asked for as soon as the editor
can), timed from the spawn and from the request; and again in another fresh server with the
request sent `--pause` seconds after the file was opened (a user who starts typing then), timed
from the request: what the server left for after `initialize` must be done by then.

Each grok-lsp's modules are byte-compiled first (`compileall`), as `pip install` does: without
that, a shell with PYTHONDONTWRITEBYTECODE set would measure compiling grok-lsp's source at
every start, which no installed copy does.

`--against REV` adds grok-lsp as of a git revision (its `server/` taken with `git archive`,
run by the same command and Python with `PYTHONPATH` pointing at it), so that a change's
before and after are measured side by side in one run.

    python -m bench.startup                  # 7 runs each
    python -m bench.startup --against main   # and grok-lsp as of main
    python -m bench.startup --quick          # 5 runs each
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.common import (
    BENCH,
    RESULTS,
    ROOT,
    emit,
    fmt,
    machine,
    machine_line,
    synthetic_python,
    table,
    update_report,
)
from bench.footprint import FILES, Run, Server, measure, mib
from bench.rawlsp import LspProcess, initialize, ms, open_document, position_of, server_env
from grok_lsp.emulator import BackgroundEmulator, EmulatorConfig

NAME = "startup"
# As the README's editors start it: the `grok-lsp` command, here the one installed beside this
# Python (a script that this Python runs).
GROK_COMMAND = [str(Path(sys.executable).parent / "grok-lsp")]
BARE_COMMAND = [sys.executable, str(BENCH / "bare_server.py")]
OPTIONS = {"completion": {"debounceMs": 75}}
FIRST_URI = "file:///bench/first.py"


@dataclass
class FirstCompletion:
    pause_s: float  # between opening the file and the request
    spawn_ms: float  # spawn -> the completion's answer
    request_ms: float  # the request -> its answer
    suggestion: str


@dataclass
class Subject:
    """One server measured: its footprint runs, and its first completions (grok-lsp only)."""

    server: Server
    completes: bool
    completions: list[FirstCompletion] = field(default_factory=list)

    def median(self, figure: str) -> float:
        return float(statistics.median(getattr(run, figure) for run in self.server.runs))

    def median_completion(self, figure: str, paused: bool) -> float:
        values = [getattr(c, figure) for c in self.completions if (c.pause_s > 0) == paused]
        return float(statistics.median(values))


def first_file() -> tuple[str, int]:
    """A Python file of 200 lines and a cursor where the emulator continues it (the text
    before the cursor occurred earlier in the file)."""
    body, _ = synthetic_python(200)
    text = body + "def function_last(items, limit):\n    total = 0\n    for item in "
    return text + "\n", len(text)


async def first_completion(server: Server, pause_s: float) -> FirstCompletion:
    text, offset = first_file()
    started = time.monotonic_ns()
    process = await LspProcess.start(server.command, server.env, {"grok": server.options})
    try:
        await initialize(process, "file:///bench", server.options)
        open_document(process, FIRST_URI, text)
        await asyncio.sleep(pause_s)
        params = {
            "textDocument": {"uri": FIRST_URI},
            "position": position_of(text, offset),
            "context": {"triggerKind": 1},  # invoked: no debounce
        }
        reply = await process.request("textDocument/inlineCompletion", params, limit_s=60)
        items = (reply.result or {}).get("items", [])
        if reply.error is not None or not items:
            raise RuntimeError(f"no first completion: {reply.error or reply.result}")
        return FirstCompletion(
            pause_s, ms(reply.received_ns - started), reply.round_trip_ms, items[0]["insertText"]
        )
    finally:
        await process.close()


def checkout(revision: str, into: Path) -> tuple[Path, str]:
    """`server/` as of `revision`, extracted under `into`: (its path, the short commit)."""
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", revision],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit, "server"],
        capture_output=True,
        check=True,
    ).stdout
    archive_path = into / "server.tar"
    archive_path.write_bytes(archive)
    with tarfile.open(archive_path) as tar:
        tar.extractall(into, filter="data")
    return into / "server", commit


def report(
    subjects: list[Subject], info: dict[str, Any], command: str, args: argparse.Namespace
) -> str:
    floor = subjects[-1]
    floor_ms = floor.median("initialize_ms")
    rows = []
    for subject in subjects:
        first = subject.completions
        rows.append(
            [
                subject.server.name,
                fmt(subject.median("initialize_ms"), 0),
                fmt(subject.median("initialize_ms") / floor_ms) + "x",
                mib(subject.median("rss_initialized_kib")),
                mib(subject.median("tree_rss_kib")),
                fmt(subject.median_completion("spawn_ms", False), 0) if first else "—",
                fmt(subject.median_completion("request_ms", False), 0) if first else "—",
                fmt(subject.median_completion("request_ms", True), 0) if first else "—",
            ]
        )
    runs = len(floor.server.runs)
    lines = [
        "## Start-up near the floor",
        "",
        f"`{command}` — {machine_line(info)}.",
        "",
        "Spawn -> `initialize` answered, side by side with the floor: a bare pygls server with "
        "one feature (`bench/bare_server.py`), started the same way by the same Python. VmRSS "
        f"after `initialized` and with {len(FILES)} files open (Python's `asyncio` sources), "
        f"{args.settle:g} s after each. The first completion: a fresh server, a file opened and "
        "an explicit inline completion asked at once, against the emulator answering at once, "
        "timed from the spawn and from the request; and in another fresh server asked "
        f"{args.pause:g} s after the file was opened. Medians of {runs} runs, the servers "
        "alternating.",
        "",
        table(
            [
                "server",
                "initialize ms",
                "x floor",
                "RSS after initialized, MiB",
                "RSS with 20 files, MiB",
                "first completion at once: spawn -> answer, ms",
                "its request -> answer, ms",
                f"first completion {args.pause:g} s after opening: request -> answer, ms",
            ],
            rows,
        ),
    ]
    grok = subjects[0]
    for other in subjects[1:-1]:
        lines += [
            "",
            f"{grok.server.name} against {other.server.name}: `initialize` "
            f"{_ratio(grok, other, 'initialize_ms')}x, RSS with 20 files "
            f"{_ratio(grok, other, 'tree_rss_kib')}x; the first completion at once "
            f"{_completion_ratio(grok, other, 'spawn_ms', False)}x from the spawn and "
            f"{_completion_ratio(grok, other, 'request_ms', False)}x from its request, "
            f"{args.pause:g} s after opening "
            f"{_completion_ratio(grok, other, 'request_ms', True)}x.",
        ]
    return "\n".join(lines)


def _ratio(one: Subject, other: Subject, figure: str) -> str:
    return fmt(one.median(figure) / other.median(figure))


def _completion_ratio(one: Subject, other: Subject, figure: str, paused: bool) -> str:
    return fmt(one.median_completion(figure, paused) / other.median_completion(figure, paused))


def results_json(subjects: list[Subject], info: dict[str, Any], command: str) -> str:
    return json.dumps(
        {
            "command": command,
            "machine": info,
            "servers": [
                {
                    "name": subject.server.name,
                    "command": subject.server.command,
                    "runs": [asdict(run) for run in subject.server.runs],
                    "first_completions": [asdict(first) for first in subject.completions],
                }
                for subject in subjects
            ],
        },
        indent=1,
    )


async def run_all(subjects: list[Subject], args: argparse.Namespace) -> None:
    for _ in range(args.runs):
        for subject in subjects:
            server = subject.server
            run: Run = await measure(server, args.settle)
            server.runs.append(run)
            emit(NAME, f"{server.name} initialize", round(run.initialize_ms, 1), "ms")
            emit(NAME, f"{server.name} rss after initialized", run.rss_initialized_kib, "KiB")
            emit(NAME, f"{server.name} rss 20 files", run.tree_rss_kib, "KiB")
        for pause_s in (0.0, args.pause):
            for subject in subjects:
                if not subject.completes:
                    continue
                first = await first_completion(subject.server, pause_s)
                subject.completions.append(first)
                name = f"{subject.server.name} first completion after {pause_s:g} s"
                emit(NAME, f"{name}, from the spawn", round(first.spawn_ms, 1), "ms")
                emit(NAME, f"{name}, from the request", round(first.request_ms, 1), "ms")


async def main_async(args: argparse.Namespace) -> None:
    info = machine()
    emit(NAME, "machine", json.dumps(info), "")
    emulator = BackgroundEmulator(EmulatorConfig(ttft_ms=0, tokens_per_second=0)).start()
    state = tempfile.TemporaryDirectory(prefix="grok-lsp-bench-")
    scratch = tempfile.TemporaryDirectory(prefix="grok-lsp-startup-")
    try:
        env = server_env(emulator.base_url, state.name)
        compileall.compile_dir(ROOT / "server" / "grok_lsp", quiet=1)
        subjects = [
            Subject(Server("grok-lsp", "", GROK_COMMAND, env, OPTIONS, "grok/document"), True)
        ]
        if args.against:
            server_dir, commit = checkout(args.against, Path(scratch.name))
            compileall.compile_dir(server_dir / "grok_lsp", quiet=1)
            before = dict(env, PYTHONPATH=str(server_dir))
            name = f"grok-lsp at {args.against} ({commit})"
            subjects.append(
                Subject(Server(name, "", GROK_COMMAND, before, OPTIONS, "grok/document"), True)
            )
        # No such method: answered with an error, after the opens.
        bare = Server("bare pygls (floor)", "", BARE_COMMAND, dict(os.environ), {}, "bench/ping")
        subjects.append(Subject(bare, False))
        await run_all(subjects, args)
    finally:
        emulator.stop()
        state.cleanup()
        scratch.cleanup()
    if args.no_report:
        return
    command = "python -m bench.startup" + (f" --against {args.against}" if args.against else "")
    command += " --quick" if args.quick else ""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "startup.json").write_text(results_json(subjects, info, command) + "\n")
    update_report(NAME, report(subjects, info, command, args))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="5 runs each")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--settle", type=float, default=1.0, help="seconds before reading RSS")
    parser.add_argument(
        "--pause", type=float, default=1.0, help="seconds from opening to the later completion"
    )
    parser.add_argument("--against", metavar="REV", help="also grok-lsp as of this revision")
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.runs = 5
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
