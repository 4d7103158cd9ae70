"""Startup and footprint: grok-lsp beside GitHub's Copilot language server, in the same run.

For each server, alternately, `--runs` times: spawn it, send `initialize` at once and time the
answer (what an editor waits for: the process's start-up plus the round trip), send
`initialized`, open 20 files (Python's own `asyncio` sources, the same for both), wait for
them to be taken in (a request answered after them), let it settle `--settle` seconds, and
read VmRSS from /proc/<pid>/status, of the process alone and summed with every process below
it. grok-lsp talks to the bundled emulator on loopback; Copilot has no account and no network
here, and answers `initialize` all the same.

Copilot comes from npm (`@github/copilot-language-server`), installed on first use with
`npm install --prefix ~/.cache/grok-lsp/bench/copilot`, and is started as its package.json
`bin` says: `node .../dist/language-server.js --stdio`. On Node older than 22.13 that script
runs the package's native build (`@github/copilot-language-server-linux-x64`) as a child
process, hence "with children".

    python -m bench.footprint            # 3 runs each
    python -m bench.footprint --quick    # 1 run each
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import RESULTS, emit, fmt, machine, machine_line, table, update_report
from bench.rawlsp import PING, SERVER_COMMAND, LspProcess, initialize, ms, open_document, server_env
from grok_lsp.emulator import BackgroundEmulator, EmulatorConfig
from tests.support.procfs import tree_rss_kib

NAME = "footprint"
COPILOT_PACKAGE = "@github/copilot-language-server"
COPILOT_DIR = Path.home() / ".cache" / "grok-lsp" / "bench" / "copilot"
FILES = sorted(Path(asyncio.__file__).parent.glob("*.py"))[:20]


@dataclass
class Run:
    initialize_ms: float
    rss_initialized_kib: int
    rss_kib: int  # the process itself, after the 20 files
    tree_rss_kib: int  # with every process below it
    children: int


@dataclass
class Server:
    name: str
    version: str
    command: list[str]
    env: dict[str, str]
    options: dict[str, Any]
    barrier: str  # a request it answers (or refuses) at once
    runs: list[Run] = field(default_factory=list)
    error: str | None = None


def copilot_script() -> tuple[Path | None, str]:
    """The installed `bin` script of Copilot's language server and its version; installed now
    when missing. (None, why) when it cannot be."""
    package = COPILOT_DIR / "node_modules" / COPILOT_PACKAGE
    if not (package / "package.json").exists():
        npm = shutil.which("npm")
        if npm is None:
            return None, "npm is not installed"
        COPILOT_DIR.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(COPILOT_DIR),
                COPILOT_PACKAGE,
                "--no-audit",
                "--no-fund",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            return None, f"npm install failed: {(done.stderr or done.stdout).strip()[-300:]}"
    meta = json.loads((package / "package.json").read_text())
    bin_field = meta.get("bin")
    relative = bin_field if isinstance(bin_field, str) else next(iter(bin_field.values()))
    script = (package / relative).resolve()
    if not script.exists():  # `bin` is "../dist/language-server.js" in 1.5xx: from the package
        script = (package / relative.removeprefix("../")).resolve()
    return script, str(meta.get("version", "?"))


async def measure(server: Server, settle: float) -> Run:
    started = time.monotonic_ns()
    process = await LspProcess.start(server.command, server.env, {"grok": server.options})
    try:
        reply = await initialize(process, "file:///bench", server.options, limit_s=120)
        if reply.error is not None:
            raise RuntimeError(f"initialize failed: {reply.error}")
        initialize_ms = ms(reply.received_ns - started)
        await asyncio.sleep(settle)
        initialized_rss = tree_rss_kib(process.pid)[1]
        for path in FILES:
            open_document(process, f"file:///bench/{path.name}", path.read_text())
        await process.request(server.barrier, None, limit_s=120)
        await asyncio.sleep(settle)
        own, tree, children = tree_rss_kib(process.pid)
        return Run(initialize_ms, initialized_rss, own, tree, children)
    finally:
        await process.close()


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f}"


def report(servers: list[Server], info: dict[str, Any], command: str, settle: float) -> str:
    rows = []
    for server in servers:
        if not server.runs:
            rows.append([server.name, server.version, "—", "—", "—", "—"])
            continue
        runs = server.runs
        rows.append(
            [
                server.name,
                server.version,
                fmt(statistics.median(r.initialize_ms for r in runs), 0),
                mib(statistics.median(r.rss_initialized_kib for r in runs)),
                mib(statistics.median(r.rss_kib for r in runs)),
                f"{mib(statistics.median(r.tree_rss_kib for r in runs))} "
                f"({runs[0].children} below it)",
            ]
        )
    lines = [
        "## Startup and footprint",
        "",
        f"`{command}` — {machine_line(info)}.",
        "",
        f"Spawn -> `initialize` answered (what an editor waits for), and VmRSS in MiB after "
        f"`initialized` and after opening {len(FILES)} files (Python's `asyncio` sources, "
        f"{sum(p.stat().st_size for p in FILES) // 1024} KiB), {settle:g} s after each; "
        f"medians of {max(len(s.runs) for s in servers)} runs, the servers alternating.",
        "",
        table(
            [
                "server",
                "version",
                "initialize ms",
                "RSS after initialized (tree)",
                "RSS, 20 files (process)",
                "RSS, 20 files (with children)",
            ],
            rows,
        ),
    ]
    grok, copilot = servers
    if grok.runs and copilot.runs:
        g_init = statistics.median(r.initialize_ms for r in grok.runs)
        c_init = statistics.median(r.initialize_ms for r in copilot.runs)
        g_rss = statistics.median(r.tree_rss_kib for r in grok.runs)
        c_rss = statistics.median(r.tree_rss_kib for r in copilot.runs)
        lines += [
            "",
            f"Side by side: Copilot takes {fmt(c_init / g_init)}x as long to answer `initialize` "
            f"and holds {fmt(c_rss / g_rss)}x the memory (with children) of grok-lsp.",
        ]
    for server in servers:
        if server.error:
            lines += ["", f"{server.name}: not measured: {server.error}"]
    if copilot.runs and copilot.runs[0].children:
        lines += [
            "",
            "Copilot's `language-server.js` needs Node 22.13 or newer to run in-process; with "
            f"this machine's Node {_node_version()} it starts the package's native build as a "
            "child and waits for it, so the child is the server and the node process a "
            "launcher: the column with children is the fair comparison.",
        ]
    return "\n".join(lines)


def _node_version() -> str:
    node = shutil.which("node")
    if node is None:
        return "(none)"
    done = subprocess.run([node, "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip()


async def main_async(args: argparse.Namespace) -> None:
    info = machine()
    emit(NAME, "machine", json.dumps(info), "")
    from grok_lsp import __version__

    emulator = BackgroundEmulator(EmulatorConfig(ttft_ms=0, tokens_per_second=0)).start()
    state = tempfile.TemporaryDirectory(prefix="grok-lsp-bench-")
    grok = Server(
        "grok-lsp",
        __version__,
        SERVER_COMMAND,
        server_env(emulator.base_url, state.name),
        {"completion": {"debounceMs": 75}},
        PING,
    )
    script, version = copilot_script()
    node = shutil.which("node")
    copilot = Server(
        "Copilot language server",
        version,
        [node or "node", str(script), "--stdio"],
        dict(os.environ),
        {
            "editorInfo": {"name": "grok-lsp-bench", "version": "1"},
            "editorPluginInfo": {"name": "grok-lsp-bench", "version": "1"},
        },
        "bench/ping",  # no such method: answered with an error, after the opens
    )
    if script is None or node is None:
        copilot.error = version if script is None else "node is not installed"
    try:
        for _ in range(args.runs):
            for server in (grok, copilot):
                if server.error:
                    continue
                try:
                    run = await measure(server, args.settle)
                except (OSError, RuntimeError, TimeoutError, ConnectionError) as error:
                    server.error = f"{type(error).__name__}: {error}"
                    continue
                server.runs.append(run)
                for figure, value, unit in (
                    ("initialize", round(run.initialize_ms, 1), "ms"),
                    ("rss after initialized", run.rss_initialized_kib, "KiB"),
                    ("rss 20 files", run.rss_kib, "KiB"),
                    ("rss 20 files with children", run.tree_rss_kib, "KiB"),
                ):
                    emit(NAME, f"{server.name} {figure}", value, unit, children=run.children)
    finally:
        emulator.stop()
        state.cleanup()
    for server in (grok, copilot):
        if server.error:
            emit(NAME, f"{server.name} error", server.error, "")
    if args.no_report:
        return
    command = "python -m bench.footprint" + (" --quick" if args.quick else "")
    update_report(NAME, report([grok, copilot], info, command, args.settle))
    RESULTS.mkdir(parents=True, exist_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="one run each")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--settle", type=float, default=2.0, help="seconds before reading RSS")
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.runs = 1
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
