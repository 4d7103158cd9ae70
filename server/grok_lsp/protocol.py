"""pygls's JSON-RPC protocol with the fixes grok-lsp needs: requests it would never answer,
futures it would never release, and routine cancels it would log as warnings."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from lsprotocol import types as t
from pygls.exceptions import JsonRpcException
from pygls.protocol import LanguageServerProtocol

log = logging.getLogger(__name__)


class LenientProtocol(LanguageServerProtocol):
    """JSON-RPC allows a request without `params`; pygls would never answer it. Nor would it
    answer a request whose params do not validate (a negative position, say): it logs the
    failure and the client waits forever. Such a request gets its error response here."""

    def structure_message(self, data: Any) -> Any:
        if isinstance(data, dict) and "method" in data and "params" not in data:
            data["params"] = None
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            if isinstance(data, dict) and "id" in data and "method" in data:
                message = f"{error.message}: {data['method']} params do not match the protocol"
                self._send_response(
                    data["id"], error=t.ResponseError(code=error.code, message=message)
                )
            raise

    def _execute_handler(
        self, msg_id: Any, handler: Any, callback: Any, args: Any = None, kwargs: Any = None
    ) -> None:
        """pygls files the future of every notification (under an id of its own) in
        `_request_futures` when the handler is a generator, as its built-in `didOpen`,
        `didChange` and `didClose` are, and never takes it out: one leaked future per keystroke,
        ~7 MB a minute at 50 keystrokes a second (bench/soak.py). Take each out when done."""
        super()._execute_handler(msg_id, handler, callback, args, kwargs)
        future = self._request_futures.get(msg_id)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # handled outside a loop (a unit test): nothing to schedule on
            return
        if future is not None:

            def forget(done: Any) -> None:  # later, on the loop: pygls cancels these futures
                loop.call_soon_threadsafe(self._forget_future, msg_id, done)  # while iterating

            future.add_done_callback(forget)

    def _forget_future(self, msg_id: Any, future: Any) -> None:
        if self._request_futures.get(msg_id) is future:  # not a newer request with that id
            del self._request_futures[msg_id]

    def _handle_cancel_notification(self, msg_id: Any) -> None:
        """A cancel that crosses the answer on the wire is routine (editors cancel on every
        keystroke): pygls would log each at WARNING, ~140 lines per replay run."""
        if msg_id not in self._request_futures:
            log.debug("cancel for request %s, already answered", msg_id)
            return
        super()._handle_cancel_notification(msg_id)
