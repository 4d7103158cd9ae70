"""One editing session replayed through the server: keystrokes, requests, ghost text, accepts."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from lsprotocol import types as t
from pygls.exceptions import JsonRpcRequestCancelled
from pytest_lsp import LanguageClient

from bench.replay.results import SessionResult
from bench.replay.script import Edit, Pace, Session, next_key
from grok_lsp.emulator import EmulatorConfig
from grok_lsp.settings import CompletionSettings

WORKSPACE = "file:///replay"
PER_MINUTE_FIELD = "max_requests_per_minute"  # grok.completion.maxRequestsPerMinute
FINAL_WAIT_S = 1.5  # after the last keystroke, real time: the last answer may still come


@dataclass(frozen=True)
class Bench:
    """The run's knobs, in real-time units; `speed` compresses every delay."""

    speed: float
    seed: int
    max_keystrokes: int | None
    reaction_ms: float
    ttft_ms: float
    tokens_per_second: float
    reasoning_tokens: int
    prefill_ms_per_1k: float
    block_tokens: int
    overshoot_lines: int
    settings: dict[str, Any] = field(default_factory=dict)  # extra server settings
    window_settings: dict[str, Any] = field(default_factory=dict)  # for the window layout only
    server_path: str | None = None  # a patched copy of server/ to run instead

    def scaled(self, seconds: float) -> float:
        return seconds / self.speed

    def emulator(self) -> EmulatorConfig:
        return EmulatorConfig(
            ttft_ms=self.ttft_ms / self.speed,
            tokens_per_second=self.tokens_per_second * self.speed,
            reasoning_tokens=self.reasoning_tokens,
            prefill_ms_per_1k_uncached=self.prefill_ms_per_1k / self.speed,
            block_tokens=self.block_tokens,
            overshoot_lines=self.overshoot_lines,
        )

    def server_settings(self, layout: str, debounce_ms: int) -> dict[str, Any]:
        """The `grok` settings: the layout, and every time-based setting compressed."""
        extra = deep_merge(self.settings, self.window_settings if layout == "window" else {})
        grok: dict[str, Any] = json.loads(json.dumps(extra))
        completion = grok.setdefault("completion", {})
        completion["promptLayout"] = layout
        completion["debounceMs"] = round(debounce_ms / self.speed)
        if PER_MINUTE_FIELD in CompletionSettings.model_fields:
            # The cap counts wall-clock minutes; a compressed minute is 60 / speed seconds.
            default = getattr(CompletionSettings(), PER_MINUTE_FIELD)
            per_minute = completion.get("maxRequestsPerMinute", default)
            completion["maxRequestsPerMinute"] = round(per_minute * self.speed)
        return grok


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _position(text: str, offset: int) -> t.Position:
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    column = len(text[start:offset].encode("utf-16-le")) // 2
    return t.Position(line=line, character=column)


def _first_text(result: Any) -> str:
    items = result.items if isinstance(result, t.InlineCompletionList) else result or []
    if not items:
        return ""
    text = items[0].insert_text
    return text if isinstance(text, str) else str(text.value)


@dataclass
class _Ghost:
    text: str  # what is still shown after the cursor
    shown_at: float


class SessionReplay:
    """Opens `before`, types it into `after` as VS Code would send it, and counts.

    Per keystroke: one `didChange`, a `$/cancelRequest` for the previous completion request
    when it is still pending, and a new automatic `inlineCompletion` request. An answer for the
    current document version shows ghost text; the user accepts it (Tab, one edit) at their next
    keystroke when it is exactly what they were about to type and has been visible for the
    reaction time.
    """

    def __init__(
        self,
        client: LanguageClient,
        session: Session,
        bench: Bench,
        layout: str,
        debounce_ms: int,
        ids: itertools.count[int],
    ) -> None:
        self.client = client
        self.session = session
        self.bench = bench
        self.uri = f"{WORKSPACE}/s{session.index:02d}/{session.path}"
        self.text = session.before
        self.version = 1
        self.ghost: _Ghost | None = None
        self.pending: tuple[str, asyncio.Future[Any]] | None = None
        self.ids = ids
        self.result = SessionResult(session.name, layout, debounce_ms, bench.seed)
        self.pace = Pace(f"{bench.seed}:{session.index}")
        self.keys_log: list[tuple[float, str]] = []  # (time, kind) of every keystroke

    async def run(self, edits: list[Edit]) -> SessionResult:
        started = time.perf_counter()
        self.client.text_document_did_open(
            t.DidOpenTextDocumentParams(t.TextDocumentItem(self.uri, "python", 1, self.text))
        )
        limit = self.bench.max_keystrokes
        for edit in edits:
            if limit is not None and self.result.keystrokes >= limit:
                break
            await self._sleep(self.pace.move())
            self.ghost = None  # moving the cursor hides ghost text
            if edit.kind == "delete":
                self._change(edit.offset, edit.offset + len(edit.text), "")
                self.result.deletions += 1
                self._keystroke(edit.offset, "delete")
                await self._sleep(self.pace.after_key(""))
                continue
            await self._type(edit, limit)
        await self._sleep(FINAL_WAIT_S)
        self.result.reached_after = self.text == self.session.after
        self._cancel_pending()
        self.client.text_document_did_close(
            t.DidCloseTextDocumentParams(t.TextDocumentIdentifier(self.uri))
        )
        self.result.duration_s = time.perf_counter() - started
        return self.result

    async def _type(self, edit: Edit, limit: int | None) -> None:
        cursor, remaining = edit.offset, edit.text
        while remaining and (limit is None or self.result.keystrokes < limit):
            if (accepted := self._acceptable(remaining)) is not None:
                key, kind = accepted, "accept"
                self.result.accepts += 1
                self.result.accepted_chars += len(key)
                self.ghost = None
            else:
                line_start = self.text.rfind("\n", 0, cursor) + 1
                key = next_key(remaining, not self.text[line_start:cursor].strip())
                kind = "enter" if "\n" in key else "char"
                self.result.typed_keys += 1
                self.result.typed_chars += len(key)
                self._type_through(key)
            self._change(cursor, cursor, key)
            cursor += len(key)
            remaining = remaining[len(key) :]
            self._keystroke(cursor, kind)
            await self._sleep(self.pace.after_key(key))

    def _acceptable(self, remaining: str) -> str | None:
        ghost = self.ghost
        if ghost is None or not remaining.startswith(ghost.text):
            return None
        seen_for = time.perf_counter() - ghost.shown_at
        return ghost.text if seen_for >= self.bench.scaled(self.bench.reaction_ms / 1000) else None

    def _type_through(self, key: str) -> None:
        """VS Code keeps showing ghost text while what is typed matches it."""
        ghost = self.ghost
        if ghost is not None and ghost.text.startswith(key) and len(ghost.text) > len(key):
            self.ghost = _Ghost(ghost.text[len(key) :], ghost.shown_at)
        else:
            self.ghost = None

    def _change(self, start: int, end: int, text: str) -> None:
        change = t.TextDocumentContentChangePartial(
            range=t.Range(_position(self.text, start), _position(self.text, end)), text=text
        )
        self.text = self.text[:start] + text + self.text[end:]
        self.version += 1
        self.client.text_document_did_change(
            t.DidChangeTextDocumentParams(
                text_document=t.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
                content_changes=[change],
            )
        )

    def _keystroke(self, cursor: int, kind: str) -> None:
        self.result.keystrokes += 1
        self.keys_log.append((time.perf_counter(), kind))
        self._cancel_pending()
        msg_id = f"replay-{next(self.ids)}"
        params = t.InlineCompletionParams(
            context=t.InlineCompletionContext(trigger_kind=t.InlineCompletionTriggerKind.Automatic),
            text_document=t.TextDocumentIdentifier(uri=self.uri),
            position=_position(self.text, cursor),
        )
        future = asyncio.wrap_future(
            self.client.protocol.send_request(
                t.TEXT_DOCUMENT_INLINE_COMPLETION, params, msg_id=msg_id
            )
        )
        sent, version = time.perf_counter(), self.version
        future.add_done_callback(lambda done: self._answered(done, sent, version))
        self.pending = (msg_id, future)
        self.result.requests_sent += 1

    def _cancel_pending(self) -> None:
        if self.pending is not None and not self.pending[1].done():
            self.client.cancel_request(t.CancelParams(id=self.pending[0]))
            self.result.cancels_sent += 1
        self.pending = None

    def _answered(self, done: asyncio.Future[Any], sent: float, version: int) -> None:
        now = time.perf_counter()
        if done.cancelled():
            return
        error = done.exception()
        if error is not None:
            if not isinstance(error, JsonRpcRequestCancelled):
                self.result.errors += 1
            return
        if version != self.version:
            self.result.stale += 1
            return
        text = _first_text(done.result())
        if not text:
            self.result.empty += 1
            self.ghost = None
            return
        latency = (now - sent) * 1000 * self.bench.speed
        self.result.latencies_ms.append(latency)
        if self.ghost is None or self.ghost.text != text:
            self.ghost = _Ghost(text, now)
            self.result.shown += 1
            self.result.new_latencies_ms.append(latency)

    async def _sleep(self, seconds: float) -> None:
        await asyncio.sleep(self.bench.scaled(seconds))
