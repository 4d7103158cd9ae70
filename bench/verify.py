"""Verified fixes over real diagnostics: ruff on each session file's `before`, one "Grok: fix" each.

    .venv/bin/python bench/verify.py [--limit N]

Every ruff diagnostic of `/work/shared/sessions/*.jsonl` (Python files; ruff with this project's
own rule selection, written beside the files) is offered to grok-lsp as an editor would, the
fix resolved, and `grok/stats` read for its attempts, tokens, cost and verdict. Two emulator
modes side by side in one run: its plain answers, and `wrongFixes=1` (every first answer wrong
on purpose, so each verified fix needs the check report and a second attempt).

What this can show: that the loop converges when the model corrects itself after one report,
what a retry turn costs against a first attempt (the prefix stays cached), and how long the
checks take. What it cannot show: how often a real model's first fix is right, or whether it
corrects itself when told — the emulator fixes only F401, E711, E712, F841, E401 and answers
"no change" to the rest; run it against a real endpoint (GROK_LSP_BASE_URL, XAI_API_KEY) for
that.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from common import (
    SERVER_COMMAND,
    LspProcess,
    emit,
    fmt,
    initialize,
    machine,
    machine_line,
    open_document,
    percentile,
    server_env,
    table,
    update_report,
)
from grok_lsp.emulator import BackgroundEmulator
from grok_lsp.emulator.config import EmulatorConfig

SESSIONS = Path("/work/shared/sessions")
RUFF = str(Path(sys.executable).parent / "ruff")
RULES = 'lint.select = ["E", "F", "W", "I", "B", "UP", "SIM", "RUF"]\n'  # pyproject.toml's own
SETTINGS = {"actions": {"timeoutMs": 120000, "verifyTimeoutMs": 60000}}


@dataclass
class Mode:
    name: str
    wrong_fixes: int
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


INJECTED = "\n\nimport zlib\n"  # appended to each file: an F401 the emulator can fix
Work = tuple[str, Path, str, dict[str, Any]]  # (set, file, its text, one ruff diagnostic)


def diagnostics(root: Path, limit: int) -> list[Work]:
    """Every ruff diagnostic of the sessions' Python files (the first `limit`), then the one
    F401 of each file with `INJECTED` appended."""
    (root / "ruff.toml").write_text(RULES)
    real: list[Work] = []
    injected: list[Work] = []
    seen: set[tuple[str, str]] = set()
    for session in sorted(SESSIONS.glob("*.jsonl")):
        for number, line in enumerate(session.read_text().splitlines()):
            record = json.loads(line)
            if not record["path"].endswith(".py") or (record["path"], record["before"]) in seen:
                continue
            seen.add((record["path"], record["before"]))
            for name, text in (
                ("real", record["before"]),
                ("injected", record["before"] + INJECTED),
            ):
                path = root / name / f"{session.stem}-{number}" / record["path"]
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
                argv = [RUFF, "check", "--no-cache", "--output-format", "json", str(path)]
                report = subprocess.run(argv, capture_output=True, text=True, cwd=root, check=False)
                found = json.loads(report.stdout or "[]")
                if name == "real":
                    real += [(name, path, text, d) for d in found]
                else:
                    injected += [(name, path, text, d) for d in found if "`zlib`" in d["message"]]
    return real[:limit] + injected


def lsp_diagnostic(ruff: dict[str, Any]) -> dict[str, Any]:
    start, end = ruff["location"], ruff["end_location"]
    return {
        "range": {
            "start": {"line": start["row"] - 1, "character": start["column"] - 1},
            "end": {"line": end["row"] - 1, "character": end["column"] - 1},
        },
        "message": ruff["message"],
        "code": ruff["code"] or "invalid-syntax",
        "source": "Ruff",
    }


async def run_mode(mode: Mode, emulator: BackgroundEmulator, work: list[Any], state: str) -> None:
    async with httpx.AsyncClient() as admin:
        config = {"ttftMs": 0, "tokensPerSecond": 0, "wrongFixes": mode.wrong_fixes}
        await admin.post(emulator.root_url + "/emulator/reset")  # each mode starts cold
        await admin.post(emulator.root_url + "/emulator/config", json=config)
    env = server_env(emulator.base_url, state, PATH=str(Path(RUFF).parent))
    server = await LspProcess.start(SERVER_COMMAND, env, {"grok": SETTINGS})
    try:
        await initialize(server, work[0][1].parent.as_uri() if work else "file:///", SETTINGS)
        opened: set[Path] = set()
        for subset, path, text, ruff in work:
            uri = path.as_uri()
            if path not in opened:
                opened.add(path)
                open_document(server, uri, text)
            diagnostic = lsp_diagnostic(ruff)
            params = {
                "textDocument": {"uri": uri},
                "range": diagnostic["range"],
                "context": {"diagnostics": [diagnostic]},
            }
            actions = (await server.request("textDocument/codeAction", params)).result
            fix = next(a for a in actions if a["title"].startswith("Grok: fix"))
            started = time.perf_counter()
            resolved = (await server.request("codeAction/resolve", fix, limit_s=300)).result
            mode.seconds.append(time.perf_counter() - started)
            stats = (await server.request("grok/stats", {})).result
            outcome = dict(stats["actions"]["recent"][-1])
            outcome["edited"] = bool(resolved.get("edit"))
            outcome["code"], outcome["set"] = diagnostic["code"], subset
            mode.outcomes.append(outcome)
    finally:
        await server.close()


def summary(mode: Mode, subset: str) -> dict[str, Any]:
    outcomes = [o for o in mode.outcomes if o["set"] == subset]
    seconds = [t for t, o in zip(mode.seconds, mode.outcomes, strict=True) if o["set"] == subset]
    verified = [o for o in outcomes if o["verified"]]
    edited = [o for o in outcomes if o["edited"]]
    per_fix = len(verified) or None  # no verified fix: no cost per verified fix
    return {
        "diagnostics": len(outcomes),
        "edits offered": len(edited),
        "verified on attempt 1": sum(o["attempts"] == 1 for o in verified),
        "verified after iterating": sum(o["attempts"] > 1 for o in verified),
        "offered not verified": len(edited) - len(verified),
        "attempts per verified fix": _per(sum(o["attempts"] for o in verified), per_fix),
        "usd per verified fix": _per(sum(o["costUsd"] for o in outcomes), per_fix),
        "prompt tokens per verified fix": _per(sum(o["promptTokens"] for o in outcomes), per_fix),
        "usd per diagnostic": _per(sum(o["costUsd"] for o in outcomes), len(outcomes) or None),
        "resolve p50 s": percentile(seconds, 0.5),
        "resolve p90 s": percentile(seconds, 0.9),
    }


def _per(total: float, count: float | None) -> float | None:
    return total / count if count else None


def _cell(figure: str, value: float | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return str(value)
    return fmt(value, 6 if figure.startswith("usd") else 2)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=120, help="diagnostics per mode")
    limit = parser.parse_args().limit
    info = machine()
    modes = [Mode("emulator as is", 0), Mode("emulator, first answer wrong", 1)]
    with tempfile.TemporaryDirectory() as tmp, BackgroundEmulator(EmulatorConfig()) as emulator:
        work = diagnostics(Path(tmp), limit)
        for mode in modes:
            await run_mode(mode, emulator, work, str(Path(tmp) / f"state-{mode.wrong_fixes}"))
    figures = {
        f"{subset}: {mode.name}": summary(mode, subset)
        for subset in ("real", "injected")
        for mode in modes
    }
    for name, values in figures.items():
        for figure, value in values.items():
            emit("verify", figure, value, "", column=name)
    codes: dict[str, int] = {}
    for outcome in modes[0].outcomes:
        if outcome["set"] == "real":
            codes[outcome["code"]] = codes.get(outcome["code"], 0) + 1
    once, twice = (figures[f"injected: {mode.name}"] for mode in modes)
    tokens = _per(
        twice["prompt tokens per verified fix"] or 0, once["prompt tokens per verified fix"]
    )
    dollars = _per(twice["usd per verified fix"] or 0, once["usd per verified fix"])
    names = list(next(iter(figures.values())))
    rows = [[figure, *(_cell(figure, v[figure]) for v in figures.values())] for figure in names]
    body = (
        "## Verified fixes\n\n"
        f"Machine: {machine_line(info)}.\n\n"
        f"`real`: the ruff diagnostics of the sessions' Python files (the first {limit}; by code: "
        + ", ".join(f"{code} {count}" for code, count in sorted(codes.items()))
        + "). `injected`: the same files with `import zlib` appended, its F401 alone. One "
        '"Grok: fix" each, every column in one run:\n\n'
        + table(["figure", *figures], rows)
        + '\n\nThe emulator fixes only F401, E711, E712, F841 and E401 and answers "no change"'
        " to the rest (none of the real diagnostics is one of those), so the share verified"
        " measures the emulator's rules, not a model. What the figures do show: a fix corrected"
        " after one report verifies on attempt 2; the two attempts send"
        f" {_cell('x', tokens)}x the prompt tokens of one but cost {_cell('x', dollars)}x its"
        " dollars, because the retry is the first prompt plus two turns and its prefix is"
        " cached; the checks' time (ruff on stdin, before and after) is in the resolve latency."
        " Only a real model can say how often its first fix is right and whether a report makes"
        " it right.\n"
    )
    update_report("verify", body)
    print(body)


if __name__ == "__main__":
    asyncio.run(main())
