"""Where the server's time goes on the request path: py-spy against the overhead benchmark.

Runs the overhead benchmark's loop (a keystroke and an automatic inline completion, against
the instant upstream `stub.py`) on one file size, and samples the grok-lsp process with
`py-spy record` from the end of the warm-up to the end of the run (py-spy comes with the
`bench` extra; it needs ptrace rights over the server, which a process's own user has unless
`kernel.yama.ptrace_scope` forbids it). Prints the functions with the most samples, on their
own (self) and with what they call (inclusive), as JSON lines, and writes the top of both
tables into the report. The raw collapsed stacks stay in a temporary directory (its path is
printed); load them in speedscope or flamegraph.pl to look further.

    python -m bench.profiling                 # 10,000 lines, 500 requests
    python -m bench.profiling --lines 50000 --requests 300
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.common import emit, fmt, machine, machine_line, start_stub, table, update_report
from bench.overhead_measure import measure_size

NAME = "profile"
_FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")
_SITE = re.compile(r"^.*?/(?:site-packages|lib/python3\.\d+)/")


def _frame(raw: str) -> str:
    """`function (path:line)` -> `module-ish/path.py:function`, the line dropped."""
    match = _FRAME.match(raw)
    if match is None:
        return raw
    path = match["file"]
    path = _SITE.sub("", path)
    path = path.split("/server/", 1)[-1]
    return f"{path}:{match['function']}"


def analyse(stacks: Path) -> tuple[int, Counter[str], Counter[str]]:
    """(samples, self samples by function, inclusive samples by function)."""
    total = 0
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for line in stacks.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame(frame) for frame in stack.split(";")]
        frames = [frame for frame in frames if not frame.startswith("process ")]
        if not frames:
            continue
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    return total, own, inclusive


def run(args: argparse.Namespace) -> Path:
    """The overhead loop with py-spy attached once it is warm; the collapsed stacks."""
    # Beside this interpreter first: a virtualenv's scripts work without activating it.
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    py_spy = shutil.which("py-spy", path=search)
    if py_spy is None:
        raise SystemExit("py-spy is not installed: pip install -e '.[bench]'")
    out = Path(tempfile.mkdtemp(prefix="grok-lsp-profile-")) / "stacks.txt"
    spies: list[subprocess.Popen[bytes]] = []

    def attach(pid: int) -> None:
        command = [py_spy, "record", "--pid", str(pid), "--rate", str(args.rate)]
        # --gil: only samples of a thread holding the GIL, i.e. running Python, not waiting.
        command += ["--format", "raw", "--output", str(out), "--nonblocking", "--gil"]
        spies.append(subprocess.Popen(command, stdout=subprocess.DEVNULL))

    stub, stub_url = start_stub()
    try:
        with tempfile.TemporaryDirectory(prefix="grok-lsp-bench-") as state_dir:
            asyncio.run(measure_size(args.lines, args.requests, 20, stub_url, state_dir, attach))
    finally:
        stub.terminate()
        stub.wait()
        for spy in spies:  # it stops by itself when the server exits
            try:
                spy.wait(30)
            except subprocess.TimeoutExpired:
                spy.send_signal(signal.SIGINT)
                spy.wait(10)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--rate", type=int, default=250, help="samples per second")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    info = machine()
    stacks = run(args)
    total, own, inclusive = analyse(stacks)
    if not total:
        raise SystemExit(f"py-spy recorded nothing ({stacks})")
    emit(NAME, "samples", total, "samples", lines=args.lines, requests=args.requests)
    emit(NAME, "stacks", str(stacks), "path")
    for kind, counter in (("self", own), ("inclusive", inclusive)):
        for function, count in counter.most_common(args.top):
            emit(NAME, f"{kind} {function}", round(100 * count / total, 1), "%")
    if args.no_report:
        return
    ours = [(f, c) for f, c in inclusive.most_common() if f.startswith("grok_lsp/")][: args.top]

    def rows(items: list[tuple[str, int]]) -> list[list[str]]:
        return [[f"`{name}`", fmt(100 * count / total, 1)] for name, count in items]

    command = f"python -m bench.profiling --lines {args.lines} --requests {args.requests}"
    update_report(
        NAME,
        "\n".join(
            [
                "## Profile of the request path",
                "",
                f"`{command}` — {machine_line(info)}.",
                "",
                f"py-spy at {args.rate} Hz on the grok-lsp process during the overhead "
                f"benchmark's loop ({args.requests} keystrokes + inline completions on "
                f"{args.lines:,} lines), {total:,} samples of a thread holding the GIL "
                "(running Python; waits are not counted).",
                "",
                "Most samples on their own (self), % of samples:",
                "",
                table(["function", "%"], rows(own.most_common(args.top))),
                "",
                "grok-lsp's own functions with what they call (inclusive):",
                "",
                table(["function", "%"], rows(ours)),
            ]
        ),
    )


if __name__ == "__main__":
    main()
