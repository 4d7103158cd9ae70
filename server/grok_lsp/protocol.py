"""pygls's JSON-RPC protocol with the fixes grok-lsp needs: requests it would never answer,
futures it would never release, routine cancels it would log as warnings, and the lifecycle
the LSP spec sets (-32002 before `initialize`, one `initialize`, InvalidRequest after
`shutdown`)."""

from __future__ import annotations

import asyncio
import json
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

    _initialize_seen = False

    def receive(self, body: bytes) -> None:
        """One frame's body (framing.py): a message, or an error answer where an id can be read
        (-32700 for what is not UTF-8 JSON, -32600 for a batch or a message without
        `"jsonrpc": "2.0"`). Never raises but to exit."""
        try:
            data = json.loads(body.decode("utf-8"))
        except ValueError:  # UnicodeDecodeError too
            self._refuse(_readable(body), t.ErrorCodes.ParseError, "the body is not UTF-8 JSON")
            return
        if isinstance(data, list):  # a batch: each request in it is answered, with a refusal
            for item in data:
                self._refuse(item, t.ErrorCodes.InvalidRequest, "batches are not served")
            return
        if not isinstance(data, dict) or data.get("jsonrpc") != "2.0":
            reason = 'a message without "jsonrpc": "2.0"'
            self._refuse(data, t.ErrorCodes.InvalidRequest, reason)
            return
        try:
            self.handle_message(self.structure_message(data))
        except JsonRpcException:  # params that do not validate: answered already
            log.debug("a message could not be structured", exc_info=True)
        except Exception:
            log.exception("a message could not be handled")

    def _refuse(self, message: object, code: int, reason: str) -> None:
        log.warning("refused: %s", reason)
        msg_id = message.get("id") if isinstance(message, dict) else None
        if isinstance(msg_id, bool) or not isinstance(msg_id, int | str):
            msg_id = None  # JSON-RPC: the error is then answered with a null id
        self._send_response(msg_id, error=t.ResponseError(code=code, message=reason))  # type: ignore[arg-type]  # null is JSON-RPC's id for these

    def handle_message(self, message: Any) -> None:
        method = getattr(message, "method", None)
        is_request = method is not None and getattr(message, "id", None) is not None
        refusal = self._lifecycle_refusal(method) if method is not None else None
        if refusal is None:
            if method == t.INITIALIZE:
                self._initialize_seen = True
            super().handle_message(message)
        elif is_request:
            code, reason = refusal
            self._send_response(message.id, error=t.ResponseError(code=code, message=reason))
        else:
            log.debug("notification %s dropped: %s", method, refusal[1])

    def _lifecycle_refusal(self, method: str) -> tuple[int, str] | None:
        if method == t.EXIT:
            return None
        if self._shutdown:
            return t.ErrorCodes.InvalidRequest, f"{method} after shutdown"
        if method == t.INITIALIZE and self._initialize_seen:
            return t.ErrorCodes.InvalidRequest, "the server is already initialized"
        if not self._initialize_seen and method != t.INITIALIZE:
            return t.ErrorCodes.ServerNotInitialized, f"{method} before initialize"
        return None

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


def _readable(body: bytes) -> object:
    """What can still be read of a body that is not UTF-8 (to find its id), else None."""
    try:
        return json.loads(body.decode("utf-8", "replace"))
    except ValueError:
        return None
