"""Soak: a busy editor for minutes on end, and what the server holds on to meanwhile.

Twenty open documents, ~50 keystrokes a second spread across them; each keystroke is a
`didChange` plus an automatic `textDocument/inlineCompletion`, the previous request for that
document cancelled with `$/cancelRequest` when it is still pending (as VS Code does). The API is
the bundled emulator in its own process, with realistic latency (TTFT 150 ms, 190 tokens/s).

Every second it samples the server process: RSS (`/proc/<pid>/status` VmRSS), asyncio tasks
and streams in flight (`grok/stats` runtime), and the TCP connections it holds to the emulator
(`/proc/<pid>/fd` sockets matched against `/proc/<pid>/net/tcp*`). At the end: request latency
p50/p99 (as the editor sees it, debounce included) and counts — every request must be answered
or cancelled, none may fail or go unanswered.

    python -m bench.soak                    # 3 minutes; bench/results/soak.{md,png}
    python -m bench.soak --seconds 30       # shorter

It prints one JSON line per figure. `tests/e2e/test_load.py` runs the same scenario
(`run_scenario`, in `bench/soak_scenario.py`) for a few seconds and checks the invariants.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import socket
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

from bench.soak_report import figures, markdown, plot
from bench.soak_scenario import DOCUMENTS, RATE, SETTINGS, Sample, SoakResult, run_scenario
from grok_lsp.emulator.admin import EmulatorAdmin
from tests.support.lsp import launch

RESULTS = Path(__file__).resolve().parent / "results"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_emulator(port: int, process: subprocess.Popen[bytes]) -> None:
    import httpx

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the emulator exited")
        try:
            httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=1).raise_for_status()
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("the emulator did not start")


async def soak(
    port: int, seconds: float, documents: int, rate: float, state_dir: str
) -> SoakResult:
    """The scenario against a fresh server process and the emulator serving on `port`, the
    server initialized as VS Code."""
    env = {
        **os.environ,
        "XAI_API_KEY": "xai-soak-0000000000000000",
        "GROK_LSP_BASE_URL": f"http://127.0.0.1:{port}/v1",
        "GROK_LSP_STATE_DIR": state_dir,
    }
    command = [sys.executable, "-m", "grok_lsp"]
    client = await launch(
        command, env, SETTINGS, root_uri="file:///soak", accepts_registrations=True
    )
    admin = EmulatorAdmin(f"http://127.0.0.1:{port}")

    async def upstream() -> int:
        stats = await asyncio.to_thread(admin.stats)
        return int(stats["streams_in_flight"])

    def show(sample: Sample) -> None:
        print(json.dumps({"sample": asdict(sample)}), file=sys.stderr, flush=True)

    try:
        return await run_scenario(
            client,
            client.server_process.pid,
            port,
            seconds=seconds,
            documents=documents,
            rate=rate,
            emulator_streams=upstream,
            on_sample=show,
        )
    finally:
        admin.close()
        await asyncio.wait_for(client.shutdown_session(), 10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180.0, help="typing time (default 180)")
    parser.add_argument("--documents", type=int, default=DOCUMENTS)
    parser.add_argument("--rate", type=float, default=RATE, help="keystrokes a second, in all")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where soak.md/png go")
    parser.add_argument("--no-report", action="store_true", help="print figures only")
    args = parser.parse_args(argv)
    import tempfile

    port = _free_port()
    latency = ["--ttft-ms", "150", "--tps", "190"]
    emulator = subprocess.Popen(
        [sys.executable, "-m", "grok_lsp.emulator", "--port", str(port), *latency],
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_emulator(port, emulator)
        with tempfile.TemporaryDirectory(prefix="grok-soak-") as state_dir:
            run = soak(port, args.seconds, args.documents, args.rate, state_dir)
            result = asyncio.run(run)
    finally:
        emulator.terminate()
        emulator.wait(10)
    for row in figures(result):
        print(json.dumps(row), flush=True)
    if not args.no_report:
        args.out.mkdir(parents=True, exist_ok=True)
        command = shlex.join(["python", "-m", "bench.soak", *(argv or sys.argv[1:])])
        (args.out / "soak.md").write_text(markdown(result, command))
        plot(result, args.out / "soak.png")
    failed = result.errors or result.unanswered
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
