"""One configuration (layout, debounce) of the replay: a fresh server process, the sessions one
after the other in it, each measured from the server's and the emulator's counters."""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.replay.emulator import SEEN, add_emulator_stats, attribute
from bench.replay.results import SessionResult, figures, fmt
from bench.replay.script import Session, edit_script
from bench.replay.session import WORKSPACE, Bench, SessionReplay
from grok_lsp.emulator import EmulatorAdmin
from tests.support.lsp import launch, server_stats

LOGS = Path(tempfile.gettempdir()) / "grok-lsp-replay-logs" / str(os.getpid())
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
        "GROK_LSP_BASE_URL": f"{emulator.root_url}/v1",
        "GROK_LSP_STATE_DIR": str(LOGS / "state"),  # never the user's daily spend
    }
    if bench.server_path:
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [bench.server_path, env.get("PYTHONPATH")])
        )
    log_file = LOGS / f"server-{progress.replace(' ', '-')}-{layout}-{debounce_ms}ms.log"
    command = [sys.executable, "-c", _BOOT, str(bench.scaled(ORPHAN_GRACE_S)), str(log_file)]
    settings = bench.server_settings(layout, debounce_ms)
    client = await launch(command, env, settings, root_uri=WORKSPACE, accepts_registrations=True)
    await asyncio.sleep(0.3)  # `initialized`: settings pulled, connection warmed
    ids = itertools.count(1)
    results: list[SessionResult] = []
    try:
        for n, session in enumerate(sessions, 1):
            emulator.reset()
            emulator.set_oracle(session.after)
            before = await server_stats(client)
            seen_from = len(SEEN)
            replay = SessionReplay(client, session, bench, layout, debounce_ms, ids)
            result = await replay.run(edit_script(session.before, session.after))
            await asyncio.to_thread(emulator.settle)
            after = await server_stats(client)
            for name, key in _SERVER_COUNTERS.items():
                setattr(result, name, after.get(key, 0) - before.get(key, 0))
            seen = SEEN[seen_from:]
            add_emulator_stats(result, emulator.stats(), seen)
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
        final = await server_stats(client)
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
