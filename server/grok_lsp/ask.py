"""One whole answer from the model for a code action: retried within a budget, with progress.

Unlike completions, a code action is something the user asked for and waits on, so retryable
failures (rate limits, 5xx, timeouts, cut streams) are retried a few times, honouring
`retry-after`; the editor shows work-done progress with the reasoning so far.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from lsprotocol import types as t

from grok_lsp.prompt import CHARS_PER_TOKEN
from grok_lsp.provider.client import ChatRequest
from grok_lsp.provider.errors import ProviderError, ProviderTimeoutError
from grok_lsp.provider.usage import Usage
from grok_lsp.server import GrokServer

log = logging.getLogger(__name__)

RETRIES = 2
MAX_BACKOFF_S = 8.0


class Progress:
    """Work-done progress where the client supports it; silent otherwise."""

    def __init__(self, ls: GrokServer, title: str) -> None:
        window = ls.client_capabilities.window
        self._ls = ls
        self._token: str | None = (
            str(uuid.uuid4()) if window and window.work_done_progress else None
        )
        self._title = title
        self._reported = 0

    async def __aenter__(self) -> Progress:
        if self._token is not None:
            try:
                await self._ls.work_done_progress.create_async(self._token)
            except Exception as error:  # the client refused: go on without progress
                log.info("progress not created: %s", error)
                self._token = None
                return self
            begin = t.WorkDoneProgressBegin(title=self._title, message="asking Grok…")
            self._ls.work_done_progress.begin(self._token, begin)
        return self

    def reasoning(self, chars: int) -> None:
        tokens = chars // CHARS_PER_TOKEN
        if self._token is not None and tokens >= self._reported + 20:  # not one message a token
            self._reported = tokens
            report = t.WorkDoneProgressReport(message=f"thinking… ~{tokens} reasoning tokens")
            self._ls.work_done_progress.report(self._token, report)

    async def __aexit__(self, *exc_info: object) -> None:
        if self._token is not None:
            message = "failed" if exc_info[0] is not None else "done"
            self._ls.work_done_progress.end(self._token, t.WorkDoneProgressEnd(message=message))
            # pygls keeps every token's cancellation future for ever: one per code action.
            self._ls.work_done_progress.tokens.pop(self._token, None)


async def ask(ls: GrokServer, request: ChatRequest, progress: Progress) -> str:
    """The whole answer, retries included, within `grok.actions.timeoutMs`."""
    seconds = ls.settings.actions.timeout_ms / 1000
    try:
        async with asyncio.timeout(seconds):
            return await _with_retries(ls, request, progress)
    except TimeoutError:
        raise ProviderTimeoutError(f"no whole answer within {seconds:g} s") from None


async def _with_retries(ls: GrokServer, request: ChatRequest, progress: Progress) -> str:
    for attempt in range(RETRIES + 1):
        try:
            return await _once(ls, request, progress)
        except ProviderError as error:
            if not error.retryable or attempt == RETRIES:
                raise
            delay = min(error.retry_after or 0.5 * 2**attempt, MAX_BACKOFF_S)
            log.info("retrying in %.1f s after: %s", delay, type(error).__name__)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


async def _once(ls: GrokServer, request: ChatRequest, progress: Progress) -> str:
    return (await stream_answer(ls, request, progress.reasoning)).text


@dataclass(frozen=True, slots=True)
class Answered:
    text: str
    usage: Usage | None  # None when the stream ended without the API's figures
    cost_usd: float | None  # None when the served model has no known price


async def stream_answer(
    ls: GrokServer, request: ChatRequest, on_reasoning: Callable[[int], None] | None = None
) -> Answered:
    """One whole answer, one attempt; its usage is recorded (an estimate if the stream is cut).
    `on_reasoning` is told the reasoning characters so far."""
    content: list[str] = []
    reasoning = 0
    usage = model = None
    try:
        async with ls.provider().stream_chat(request) as chat:
            async for delta in chat:
                content.append(delta.content)
                reasoning += len(delta.reasoning)
                if on_reasoning is not None:
                    on_reasoning(reasoning)
            usage, model = chat.usage, chat.model
    finally:
        chars = sum(len(message["content"]) for message in request.messages)
        cost = ls.record_usage(usage, model, chars // CHARS_PER_TOKEN)
    return Answered("".join(content), usage, cost)
