"""A response sent in timed steps that notices, for real, when the client goes away.

A listener task waits for the ASGI `http.disconnect` message while the steps are sent; when it
arrives first, sending stops and the outcome is "aborted". Ending "cut" drops the connection
without finishing the body (by raising `StreamCut`, which the server answers by closing the
socket); ending "hang" sends the headers and then nothing until the client leaves.

Each step is due at the response's start plus the delays of the steps up to it, not its delay
after the previous send: the time sending takes does not add up over a stream, so the
configured token rate holds on a busy machine (and under a benchmark's time compression).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import anyio
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from grok_lsp.emulator.stats import StreamEnd
from grok_lsp.emulator.wire import Ending, Step


class StreamCut(Exception):
    """Raised on purpose to close the connection mid-body (fault `cut_stream`)."""


@dataclass(frozen=True)
class Outcome:
    end: StreamEnd
    content_tokens: int
    reasoning_tokens: int


class PacedResponse(Response):
    def __init__(
        self,
        steps: Sequence[Step],
        ending: Ending,
        *,
        media_type: str,
        on_finish: Callable[[Outcome], None],
    ) -> None:
        self.steps = steps
        self.ending = ending
        self.on_finish = on_finish
        self.status_code = 200
        self.media_type = media_type
        self.background = None
        headers = {"cache-control": "no-cache"} if media_type == "text/event-stream" else {}
        self.init_headers(headers)
        self._sent: list[Step] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        end: StreamEnd = "aborted"
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(self._watch_disconnect, receive, group.cancel_scope)
                await send(
                    {"type": "http.response.start", "status": 200, "headers": self.raw_headers}
                )
                due = anyio.current_time()
                for step in self.steps:
                    due += step.delay
                    if step.delay > 0:
                        await anyio.sleep(max(due - anyio.current_time(), 0.0))
                    await send({"type": "http.response.body", "body": step.data, "more_body": True})
                    self._sent.append(step)
                if self.ending == "hang":
                    await anyio.sleep_forever()
                if self.ending == "done":
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                end = "completed" if self.ending == "done" else "cut"
                group.cancel_scope.cancel()
        finally:
            self.on_finish(
                Outcome(
                    end,
                    sum(step.token == "content" for step in self._sent),
                    sum(step.token == "reasoning" for step in self._sent),
                )
            )
        if end == "cut":
            raise StreamCut

    @staticmethod
    async def _watch_disconnect(receive: Receive, scope: anyio.CancelScope) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        scope.cancel()
