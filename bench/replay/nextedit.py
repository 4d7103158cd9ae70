"""Next-edit suggestions replayed over the real sessions: how often the edit grok-lsp offers is
the session's actual next hunk, what a suggestion costs, and how much of its prompt is cached.

Each session (`/work/shared/sessions/*.jsonl`, both languages) is opened as `before` in a real
grok-lsp process and edited toward `after` with `script.edit_script`'s edits, sent as
range changes (typed text as one insertion: the server's history coalesces keystrokes into the
same edit either way). After each hunk (the edits that the history coalesces into one, the way
a person makes them), `textDocument/copilotInlineEdit` is asked at the hunk's end, and the edit
offered is compared with the next hunk: "exact" when applying it gives the same text as the
next hunk does, "same place" when it changes some of the same characters. The model is the
bundled emulator (instant, no reasoning tokens), whose next edits are three mechanical rules
(rename, a new parameter, a repeated change): the rate measures how often a real commit's next
hunk is one of those patterns and that the pipeline delivers it minimal, in the right version,
not how well Grok predicts. The cost uses the emulator's token counts at xAI's list prices;
a real model's answer is the same region rewritten, plus its reasoning, which is not counted.

    python -m bench.replay.nextedit [--max-hunks N] [--sessions PATH ...] [--no-report]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import RESULTS, emit, fmt, machine, machine_line, table, update_report
from bench.rawlsp import LspProcess, open_document, position_of, start_server
from bench.replay.emulator import SEEN, instrument_cache
from bench.replay.script import Edit, edit_script, load_sessions
from grok_lsp.edithistory import EditHistory, RecentEdit
from grok_lsp.emulator import BackgroundEmulator, EmulatorConfig

SESSIONS = sorted(Path("/work/shared/sessions").glob("*.jsonl"))
REQUEST = "textDocument/copilotInlineEdit"
LANGUAGES = {".py": "python", ".ts": "typescript", ".js": "javascript"}


@dataclass
class Tally:
    asked: int = 0
    offered: int = 0
    exact: int = 0
    same_place: int = 0
    stats: dict[str, Any] = field(default_factory=dict)  # grok/stats `nextEdit`, summed
    warm_prompt: int = 0  # tokens of the prompts after each document's first
    warm_cached: int = 0


def hunks(before: str, edits: Sequence[Edit]) -> list[RecentEdit]:
    """The edits grouped as the server's history groups them: each hunk one `RecentEdit`, in
    the coordinates of the text as it is when the hunk starts."""
    grouped: list[RecentEdit] = []
    history = EditHistory(keep=2)
    for edit in edits:
        removed, inserted = (edit.text, "") if edit.kind == "delete" else ("", edit.text)
        before_it = [RecentEdit(e.start, e.removed, e.inserted) for e in history.edits]
        history.record(edit.offset, removed, inserted)
        if len(history.edits) == 2:  # this edit started a new hunk: the last one is complete
            grouped.extend(before_it)
            history.clear()
            history.record(edit.offset, removed, inserted)
    grouped.extend(history.edits)
    return [hunk for hunk in grouped if hunk.removed != hunk.inserted]


def applied(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def offset_of(text: str, position: dict[str, int]) -> int:
    """The offset of an LSP position (UTF-16) in `text` with only `\\n` line breaks."""
    start = 0
    for _ in range(position["line"]):
        start = text.index("\n", start) + 1
    line_end = text.find("\n", start)
    line = text[start : len(text) if line_end < 0 else line_end]
    units, at = 0, 0
    while at < len(line) and units < position["character"]:
        units += 2 if ord(line[at]) > 0xFFFF else 1
        at += 1
    return start + at


async def replay(
    server: LspProcess, uri: str, language: str, before: str, steps: list[RecentEdit], tally: Tally
) -> None:
    text, version = before, 1
    open_document(server, uri, text, language)
    for index, hunk in enumerate(steps):
        end_before = hunk.start + len(hunk.removed)
        version += 1
        server.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [
                    {
                        "range": {
                            "start": position_of(text, hunk.start),
                            "end": position_of(text, end_before),
                        },
                        "text": hunk.inserted,
                    }
                ],
            },
        )
        text = applied(text, hunk.start, end_before, hunk.inserted)
        if index + 1 == len(steps):
            break
        cursor = position_of(text, hunk.end)
        params = {"textDocument": {"uri": uri, "version": version}, "position": cursor}
        reply = await server.request(REQUEST, params)
        tally.asked += 1
        edits = (reply.result or {}).get("edits") or []
        if not edits:
            continue
        tally.offered += 1
        edit = edits[0]
        start = offset_of(text, edit["range"]["start"])
        end = offset_of(text, edit["range"]["end"])
        following = steps[index + 1]
        wanted = applied(
            text, following.start, following.start + len(following.removed), following.inserted
        )
        if applied(text, start, end, edit["text"]) == wanted:
            tally.exact += 1
        elif start <= following.start + len(following.removed) and following.start <= end:
            tally.same_place += 1
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})


async def run(paths: Sequence[Path], max_hunks: int | None) -> dict[str, Tally]:
    results: dict[str, Tally] = {}
    config = EmulatorConfig(ttft_ms=0, tokens_per_second=0, reasoning_tokens=0)
    instrument_cache()
    with BackgroundEmulator(config) as emulator, tempfile.TemporaryDirectory() as state:
        for path in paths:
            tally = Tally()
            SEEN.clear()
            settings = {
                "completion": {"maxRequestsPerMinute": 10000},
                "nextEdit": {"debounceMs": 0},
            }
            server = await start_server(emulator.base_url, state, settings, "file:///replay")
            try:
                for session in load_sessions(path):
                    steps = hunks(session.before, edit_script(session.before, session.after))
                    language = LANGUAGES.get(Path(session.path).suffix, "text")
                    uri = f"file:///replay/s{session.index:02d}/{session.path}"
                    await replay(server, uri, language, session.before, steps[:max_hunks], tally)
                reply = await server.request("grok/stats", {})
                tally.stats = reply.result["nextEdit"]
                seen_before: set[str | None] = set()
                for request in SEEN:  # a document's first prompt is cold whatever the layout
                    if request.conv_id in seen_before:
                        tally.warm_prompt += request.prompt
                        tally.warm_cached += request.cached
                    seen_before.add(request.conv_id)
            finally:
                await server.close()
            results[path.stem] = tally
    return results


def report(results: dict[str, Tally], info: dict[str, Any], seconds: float) -> str:
    rows = []
    for name, tally in results.items():
        stats = tally.stats
        upstream = max(stats["upstreamRequests"], 1)
        prompt = max(stats["promptTokens"], 1)
        rows.append(
            [
                name,
                tally.asked,
                f"{tally.offered} ({fmt(100 * tally.offered / max(tally.asked, 1), 1)}%)",
                f"{tally.exact} ({fmt(100 * tally.exact / max(tally.asked, 1), 1)}%)",
                tally.same_place,
                fmt(stats["promptTokens"] / upstream, 0),
                f"{fmt(100 * stats['cachedTokens'] / prompt, 1)}%",
                f"{fmt(100 * tally.warm_cached / max(tally.warm_prompt, 1), 1)}%",
                f"${stats['costUsd'] / upstream:.6f}",
                f"${stats['costUsd'] / max(tally.offered, 1):.4f}",
            ]
        )
        emit("replay_nextedit", f"{name} exact", tally.exact / max(tally.asked, 1), "share")
        emit("replay_nextedit", f"{name} cached", stats["cachedTokens"] / prompt, "share")
        warm = tally.warm_cached / max(tally.warm_prompt, 1)
        emit("replay_nextedit", f"{name} cached after the first", warm, "share")
        emit("replay_nextedit", f"{name} cost", stats["costUsd"] / upstream, "usd/suggestion")
    header = [
        "sessions",
        "asked (after a hunk)",
        "offered",
        "exact: the next hunk",
        "same place, other text",
        "prompt tokens / request",
        "cached share",
        "after each document's first",
        "cost / request",
        "cost / edit offered",
    ]
    return (
        "Next-edit suggestions over both session files (`python -m bench.replay.nextedit`), on the "
        "emulator: after each hunk of a real commit, grok-lsp is asked for the next edit and "
        "the one it offers is compared with the commit's next hunk. The emulator predicts only "
        "three mechanical patterns (rename, new parameter, repeated change), so the match rate "
        "is how often a real next hunk is one of them and arrives whole, minimal and in the "
        "right version; it says nothing of how often Grok would guess right. Prompt sizes and "
        "the cached share are the real prompts'; the cost is at grok-code-fast-1's list price "
        "with the emulator's answer (the region rewritten) and no reasoning tokens, so a real "
        "answer costs more. Sessions are separate documents: each one's first request is cold, "
        "and no completions run alongside to warm the shared prefix.\n\n"
        f"{machine_line(info)}; {fmt(seconds, 0)} s.\n\n" + table(header, rows) + "\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=Path, nargs="*", default=SESSIONS)
    parser.add_argument("--max-hunks", type=int, default=None, help="per session")
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args(argv)
    if not args.sessions:
        print("no session files found", file=sys.stderr)
        return 2
    info = machine()
    started = time.perf_counter()
    results = asyncio.run(run(args.sessions, args.max_hunks))
    body = report(results, info, time.perf_counter() - started)
    print(body)
    if not args.no_report:
        update_report("replay_nextedit", body)
        (RESULTS / "replay-nextedit.json").write_text(
            json.dumps({name: vars(tally) for name, tally in results.items()}, indent=2) + "\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
