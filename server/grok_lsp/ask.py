"""One whole answer from the model for a code action: retried within a budget, with progress.

Unlike completions, a code action is something the user asked for and waits on, so retryable
failures (rate limits, 5xx, timeouts, cut streams) are retried a few times, honouring
`retry-after`; the editor shows work-done progress with the reasoning so far.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from lsprotocol import types as t

from grok_lsp.metrics import ActionCost
from grok_lsp.prompt import CHARS_PER_TOKEN
from grok_lsp.provider.client import ChatRequest
from grok_lsp.provider.errors import ProviderError, ProviderTimeoutError
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

    def say(self, message: str) -> None:
        """A step of the work: "checking with ruff…", "attempt 2 of 3: asking Grok…"."""
        if self._token is not None:
            self._reported = 0
            self._ls.work_done_progress.report(
                self._token, t.WorkDoneProgressReport(message=message)
            )

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


async def ask(
    ls: GrokServer, request: ChatRequest, progress: Progress, spent: ActionCost | None = None
) -> str:
    """The whole answer, retries included, within `grok.actions.timeoutMs`; its tokens and cost
    are added to `spent`."""
    seconds = ls.settings.actions.timeout_ms / 1000
    try:
        async with asyncio.timeout(seconds):
            return await _with_retries(ls, request, progress, spent)
    except TimeoutError:
        raise ProviderTimeoutError(f"no whole answer within {seconds:g} s") from None


async def _with_retries(
    ls: GrokServer, request: ChatRequest, progress: Progress, spent: ActionCost | None
) -> str:
    for attempt in range(RETRIES + 1):
        try:
            return await _once(ls, request, progress, spent)
        except ProviderError as error:
            if not error.retryable or attempt == RETRIES:
                raise
            delay = min(error.retry_after or 0.5 * 2**attempt, MAX_BACKOFF_S)
            log.info("retrying in %.1f s after: %s", delay, type(error).__name__)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


async def _once(
    ls: GrokServer, request: ChatRequest, progress: Progress, spent: ActionCost | None
) -> str:
    content: list[str] = []
    reasoning = 0
    usage = model = None
    try:
        async with ls.provider().stream_chat(request) as chat:
            async for delta in chat:
                content.append(delta.content)
                reasoning += len(delta.reasoning)
                progress.reasoning(reasoning)
            usage, model = chat.usage, chat.model
    finally:
        estimated = sum(len(message["content"]) for message in request.messages) // CHARS_PER_TOKEN
        cost = ls.record_usage(usage, model, estimated)
        if spent is not None:
            prompt = usage.prompt_tokens if usage else estimated
            spent.add(prompt, usage.output_tokens_billed if usage else 0, cost)
    return "".join(content)
