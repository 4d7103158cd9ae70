"""Serving the emulator: blocking (`run`) or in a background thread (`BackgroundEmulator`)."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from types import TracebackType

import uvicorn

from grok_lsp.emulator.app import create_app
from grok_lsp.emulator.config import EmulatorConfig
from grok_lsp.emulator.stream import StreamCut


class _HideStreamCuts(logging.Filter):
    """No traceback for a stream ended on purpose: cut by a fault (`StreamCut` closes the
    socket) or cancelled because the server stops while it hangs."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, StreamCut | asyncio.CancelledError)


def _quiet_cuts() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _HideStreamCuts) for f in logger.filters):
        logger.addFilter(_HideStreamCuts())


def _server(host: str, port: int, config: EmulatorConfig) -> uvicorn.Server:
    _quiet_cuts()
    return uvicorn.Server(
        uvicorn.Config(
            create_app(config), host=host, port=port, log_level="warning", lifespan="off"
        )
    )


def run(host: str, port: int, config: EmulatorConfig) -> None:
    """Serve until interrupted. Pass host "127.0.0.1" unless other machines must connect."""
    _server(host, port, config).run()


class BackgroundEmulator:
    """The emulator on 127.0.0.1 and a free port, in a daemon thread; a context manager.

    `base_url` (`http://127.0.0.1:PORT/v1`) is what a client's `baseUrl` setting takes;
    `root_url` (no `/v1`) is where `/emulator/*` lives.
    """

    def __init__(self, config: EmulatorConfig | None = None, *, timeout: float = 10.0) -> None:
        self._server = _server("127.0.0.1", 0, config or EmulatorConfig())
        self._thread = threading.Thread(target=self._server.run, name="grok-emulator", daemon=True)
        self._timeout = timeout
        self.port = 0

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    def start(self) -> BackgroundEmulator:
        self._thread.start()
        deadline = time.monotonic() + self._timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the emulator did not start")
            time.sleep(0.005)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        """Stop serving; streams still open (a `hang` fault, say) are dropped, not awaited."""
        self._server.should_exit = True
        self._server.force_exit = True
        if self._thread.is_alive():
            self._thread.join(self._timeout)

    def __enter__(self) -> BackgroundEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
