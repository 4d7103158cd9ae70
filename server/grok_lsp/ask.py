"""One whole answer from the model for a code action: retried within a budget, with progress.

Unlike completions, a code action is something the user asked for and waits on, so retryable
failures (rate limits, 5xx, timeouts, cut streams) are retried a few times, honouring
`retry-after`; the editor shows work-done progress with the latest words of the reasoning the
model streams (`reasoning_content`), with its length.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from lsprotocol import types as t

from grok_lsp.estimate import Exchange, prompt_chars
from grok_lsp.estimate import tokens as estimated_tokens
from grok_lsp.metrics import ActionCost
from grok_lsp.provider.errors import ProviderError, ProviderTimeoutError
from grok_lsp.provider.request import ChatRequest
from grok_lsp.provider.usage import Usage
from grok_lsp.server import GrokServer

log = logging.getLogger(__name__)

RETRIES = 2
MAX_BACKOFF_S = 8.0
REASONING_SHOWN = 80  # the latest characters of the reasoning, on one line
# A client that never answers `window/workDoneProgress/create` must not hold the action up: it
# goes on without progress after this long (VS Code and Neovim answer within milliseconds).
PROGRESS_CREATE_S = 5.0


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    model: str  # the model the API says answered, else the one asked for: what messages name
    usage: Usage  # the API's figures, or an estimate when the stream ended without them
    cost_usd: float | None  # None when the served model has no known price


class Progress:
    """Work-done progress where the client supports it; silent otherwise."""

    def __init__(self, ls: GrokServer, title: str, model: str) -> None:
        window = ls.client_capabilities.window
        self._ls = ls
        self._token: str | None = (
            str(uuid.uuid4()) if window and window.work_done_progress else None
        )
        self._title = title
        self._model = model
        self._reported = 0

    async def __aenter__(self) -> Progress:
        if self._token is not None:
            try:
                async with asyncio.timeout(PROGRESS_CREATE_S):
                    await self._ls.work_done_progress.create_async(self._token)
            except Exception as error:  # refused, or never answered: go on without progress
                log.info("progress not created: %s", error)
                self._token = None
                return self
            begin = t.WorkDoneProgressBegin(title=self._title, message=f"asking {self._model}…")
            self._ls.work_done_progress.begin(self._token, begin)
        return self

    def say(self, message: str) -> None:
        """A step of the work: "checking with ruff…", "attempt 2 of 3: asking grok-code-fast-1…"."""
        if self._token is not None:
            self._reported = 0
            self._ls.work_done_progress.report(
                self._token, t.WorkDoneProgressReport(message=message)
            )

    def reasoning(self, chars: int, latest: str) -> None:
        """`chars` of reasoning so far, ending with `latest`."""
        tokens = estimated_tokens(chars)
        if self._token is not None and tokens >= self._reported + 20:  # not one message a token
            self._reported = tokens
            words = " ".join(latest.split())
            if len(words) > REASONING_SHOWN:
                words = "…" + words[-REASONING_SHOWN:].partition(" ")[2]
            message = f"thinking (~{tokens} reasoning tokens): {words}"
            report = t.WorkDoneProgressReport(message=message)
            self._ls.work_done_progress.report(self._token, report)

    async def __aexit__(self, *exc_info: object) -> None:
        if self._token is not None:
            message = "failed" if exc_info[0] is not None else "done"
            self._ls.work_done_progress.end(self._token, t.WorkDoneProgressEnd(message=message))
            # pygls keeps every token's cancellation future for ever: one per code action.
            self._ls.work_done_progress.tokens.pop(self._token, None)


async def ask(
    ls: GrokServer, request: ChatRequest, progress: Progress, spent: ActionCost | None = None
) -> Reply:
    """The whole answer, retries included, within `grok.actions.timeoutMs`; the tokens and cost
    of every request it took are added to `spent`."""
    seconds = ls.settings.actions.timeout_ms / 1000
    try:
        async with asyncio.timeout(seconds):
            return await _with_retries(ls, request, progress, spent)
    except TimeoutError:
        raise ProviderTimeoutError(f"no whole answer within {seconds:g} s") from None


async def _with_retries(
    ls: GrokServer, request: ChatRequest, progress: Progress, spent: ActionCost | None
) -> Reply:
    for attempt in range(RETRIES + 1):
        try:
            return await stream_answer(ls, request, progress.reasoning, spent)
        except ProviderError as error:
            if not error.retryable or attempt == RETRIES:
                raise
            delay = min(error.retry_after or 0.5 * 2**attempt, MAX_BACKOFF_S)
            log.info("retrying in %.1f s after: %s", delay, type(error).__name__)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


async def stream_answer(
    ls: GrokServer,
    request: ChatRequest,
    on_reasoning: Callable[[int, str], None] | None = None,
    spent: ActionCost | None = None,
) -> Reply:
    """One whole answer, one attempt; its usage is recorded (an estimate if the stream is cut),
    and added to `spent`. `on_reasoning` is told how many reasoning characters came so far, and
    the latest of them."""
    content: list[str] = []
    reasoning, latest = 0, ""
    ls.metrics.upstream_requests += 1
    async with ls.provider().stream_chat(request) as chat:
        try:
            async for delta in chat:
                content.append(delta.content)
                if delta.reasoning:
                    reasoning += len(delta.reasoning)
                    latest = (latest + delta.reasoning)[-2 * REASONING_SHOWN :]
                    if on_reasoning is not None:
                        on_reasoning(reasoning, latest)
        finally:  # reached the API: counted, reported or estimated
            sent = prompt_chars(request.messages)
            chars = sum(map(len, content))
            usage, cost = ls.record_usage(
                Exchange(request.conv_id, sent, chars, reasoning, chat.usage, chat.model)
            )
            if spent is not None:
                spent.add(usage.prompt_tokens, usage.output_tokens_billed, cost)
    return Reply("".join(content), chat.model or request.model, usage, cost)
