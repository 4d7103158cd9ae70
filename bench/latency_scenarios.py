"""What bench/latency.py measures: early stop against the whole answer on single-line sites
from asyncio's sources, and a line typed key by key under each prompt layout."""

from __future__ import annotations

import asyncio
import asyncio.base_events
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.rawlsp import LspProcess, ms, open_document, position_of, start_server
from grok_lsp.emulator import BackgroundEmulator, EmulatorAdmin, EmulatorConfig

# Real code that does not change under the benchmark: this Python's own asyncio package.
SOURCES = Path(asyncio.__file__).parent
LARGE_FILE = Path(asyncio.base_events.__file__)
_CUT = re.compile(r"^(?P<head>\s*[\w.\[\]]+(?:: [\w\[\], |.]+)? = )(?P<rest>\S.{9,})$")
TYPED_LINE = "    weights = [item.weight * factor for item in selected if item.enabled]"


@dataclass(frozen=True)
class Sample:
    path: str
    text: str  # the file with the rest of the cursor's line removed
    offset: int  # the cursor
    expected: str  # what was removed
    oracle: str  # the file as it is


@dataclass
class EarlyStop:
    overshoot: int
    lsp_ms: list[float] = field(default_factory=list)
    first_line_ms: list[float] = field(default_factory=list)  # direct stream, client-side cut
    stream_end_ms: list[float] = field(default_factory=list)
    whole_ms: list[float] = field(default_factory=list)  # stream: false
    usable: int = 0  # a non-empty single line
    exact: int = 0  # exactly the removed rest of the line


@dataclass
class Layout:
    name: str
    prompt_tokens: list[int] = field(default_factory=list)
    cached_tokens: list[int] = field(default_factory=list)
    ttft_ms: list[float] = field(default_factory=list)  # emulated, per upstream request
    suggestion_ms: list[float] = field(default_factory=list)  # measured, per upstream request
    keystrokes: int = 0

    @property
    def cached_share(self) -> float:
        return sum(self.cached_tokens) / max(sum(self.prompt_tokens), 1)


def samples(count: int) -> list[Sample]:
    """Single-line completion sites in asyncio's sources, spread evenly, deterministic."""
    found: list[Sample] = []
    for path in sorted(SOURCES.rglob("*.py")):
        oracle = path.read_text()
        offset = 0
        for line in oracle.split("\n"):
            match = _CUT.match(line)
            if match and not line.rstrip().endswith((":", "(", "[", "{", ",")):
                head, rest = match["head"], match["rest"]
                cursor = offset + len(head)
                text = oracle[:cursor] + oracle[offset + len(line) :]
                rel = path.relative_to(SOURCES.parent).as_posix()
                found.append(Sample(rel, text, cursor, rest.rstrip(), oracle))
            offset += len(line) + 1
    step = max(len(found) // count, 1)
    return found[::step][:count]


def large_file() -> str:
    return LARGE_FILE.read_text()


class Emulator:
    """The in-process emulator: its controls, and the same request sent to it directly."""

    def __init__(self) -> None:
        self.background = BackgroundEmulator(EmulatorConfig()).start()
        self.admin = EmulatorAdmin(self.background.root_url)
        self.http = httpx.AsyncClient(timeout=60)

    def reset(self, oracle: list[str]) -> None:
        self.admin.reset()
        if oracle:
            self.admin.set_oracle(*oracle)

    async def direct(self, body: dict[str, Any]) -> tuple[float, float, float]:
        """The same request straight to the emulator, streamed and read to the end:
        (ms to the first complete non-blank line, ms to the end, ms to the whole answer with
        `stream: false`)."""
        url = self.background.base_url + "/chat/completions"
        headers = {"Authorization": "Bearer xai-bench"}
        started = time.monotonic_ns()
        first_line = float("nan")
        content = ""
        async with self.http.stream("POST", url, json=body, headers=headers) as response:
            async for line in response.aiter_lines():
                if not line.startswith("data: {"):
                    continue
                for choice in json.loads(line[6:]).get("choices", []):
                    content += choice.get("delta", {}).get("content") or ""
                if first_line != first_line and any(
                    part.strip() for part in content.split("\n")[:-1]
                ):
                    first_line = ms(time.monotonic_ns() - started)
        stream_end = ms(time.monotonic_ns() - started)
        whole_body = {k: v for k, v in body.items() if k != "stream_options"} | {"stream": False}
        started = time.monotonic_ns()
        (await self.http.post(url, json=whole_body, headers=headers)).raise_for_status()
        return first_line, stream_end, ms(time.monotonic_ns() - started)

    async def close(self) -> None:
        await self.http.aclose()
        self.admin.close()
        self.background.stop()


async def server_with(emulator: Emulator, state_dir: str, layout: str) -> LspProcess:
    settings = {
        "completion": {"debounceMs": 0, "promptLayout": layout, "maxRequestsPerMinute": 10_000}
    }
    server = await start_server(emulator.background.base_url, state_dir, settings)
    await server.ping()
    return server


async def inline(server: LspProcess, uri: str, text: str, offset: int, kind: int) -> Any:
    params = {
        "textDocument": {"uri": uri},
        "position": position_of(text, offset),
        "context": {"triggerKind": kind},
    }
    return await server.request("textDocument/inlineCompletion", params)


async def early_stop(
    emulator: Emulator, state_dir: str, sites: list[Sample], overshoot: int, direct_whole: bool
) -> EarlyStop:
    result = EarlyStop(overshoot)
    emulator.admin.configure(overshootLines=overshoot, prefillMsPer1kUncached=0)
    server = await server_with(emulator, state_dir, "layered")
    try:
        for index, site in enumerate(sites):
            emulator.reset([site.oracle])
            uri = f"file:///bench/{index}/{site.path}"
            open_document(server, uri, site.text)
            reply = await inline(server, uri, site.text, site.offset, 1)  # invoked: no debounce
            items = (reply.result or {}).get("items", [])
            suggestion = items[0]["insertText"] if items else ""
            result.usable += bool(suggestion.strip()) and "\n" not in suggestion
            result.exact += suggestion == site.expected
            result.lsp_ms.append(reply.round_trip_ms)
            body = emulator.admin.stats()["last_request"]["body"]
            first_line, stream_end, whole = await emulator.direct(body)
            result.first_line_ms.append(first_line)
            result.stream_end_ms.append(stream_end)
            if direct_whole:
                result.whole_ms.append(whole)
            server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    finally:
        await server.close()
    return result


async def typing(
    emulator: Emulator, state_dir: str, layout: str, keys: int, ttft: float, prefill: float
) -> Layout:
    result = Layout(layout)
    emulator.reset([])
    source = large_file()
    lines = source.split("\n")
    at = sum(len(line) + 1 for line in lines[: len(lines) // 2])  # start of the middle line
    text = source[:at] + "\n" + source[at:]
    uri = "file:///bench/all.py"
    server = await server_with(emulator, state_dir, layout)
    try:
        open_document(server, uri, text)
        seen = emulator.admin.stats()
        cursor = at
        for version, char in enumerate(TYPED_LINE[:keys], start=2):
            position = position_of(text, cursor)
            text = text[:cursor] + char + text[cursor:]
            cursor += 1
            server.notify(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [
                        {"range": {"start": position, "end": position}, "text": char}
                    ],
                },
            )
            reply = await inline(server, uri, text, cursor, 2)
            result.keystrokes += 1
            now = emulator.admin.stats()
            if now["requests"] == seen["requests"]:
                continue  # answered without the API (typeahead)
            prompt = now["prompt_tokens"] - seen["prompt_tokens"]
            cached = now["cached_tokens"] - seen["cached_tokens"]
            seen = now
            result.prompt_tokens.append(prompt)
            result.cached_tokens.append(cached)
            result.ttft_ms.append(ttft + prefill * (prompt - cached) / 1000)
            result.suggestion_ms.append(reply.round_trip_ms)
    finally:
        await server.close()
    return result
