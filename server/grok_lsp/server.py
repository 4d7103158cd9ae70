"""The language server: its parts, built and kept in step with the settings.

The parts each have a module: the status the user sees (`status.py`), what requests cost
(`accounting.py`), the API client (`connection.py`), when a request may go (`governor.py`),
completions in flight (`completions/pipeline.py`), prompts (`prompt.py`). The features see the
server through `host.Host`; `wiring.py` registers them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types as t
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer

from grok_lsp import __version__, framing
from grok_lsp.accounting import Accounting
from grok_lsp.clients import ClientQuirks
from grok_lsp.codeactions.store import ExplanationStore
from grok_lsp.completions.pipeline import Pipeline
from grok_lsp.connection import Connection, connection_changed
from grok_lsp.documents.sending import SendPolicy
from grok_lsp.governor import Governor, Limits
from grok_lsp.masking import mask
from grok_lsp.metrics import Metrics
from grok_lsp.prompt import PromptBuilder
from grok_lsp.protocol import LenientProtocol
from grok_lsp.status import Status

if TYPE_CHECKING:  # the settings (pydantic) load after `initialize` is answered: see below
    from grok_lsp.settings import LoadedSettings, Settings

log = logging.getLogger(__name__)


def state_dir(environ: dict[str, str]) -> Path:
    """Where small state survives restarts (today's spend): `GROK_LSP_STATE_DIR` or XDG's."""
    if explicit := environ.get("GROK_LSP_STATE_DIR"):
        return Path(explicit)
    cache = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "grok-lsp"


def _call_later(delay: float, callback: Callable[[], None]) -> None:
    asyncio.get_running_loop().call_later(delay, callback)


class GrokServer(LanguageServer):
    def __init__(self, environ: dict[str, str] | None = None) -> None:
        super().__init__("grok-lsp", __version__, protocol_cls=LenientProtocol, max_workers=2)
        self.environ = dict(os.environ if environ is None else environ)
        self.initialization_options: object = None
        self.quirks = ClientQuirks()  # what the editor does that its capabilities do not say
        # Read at the first use (`initialized`, for a client that keeps to the protocol), not
        # here: `initialize` is answered without waiting for pydantic (see `apply_settings`).
        self._settings: Settings | None = None
        self._prompts: PromptBuilder | None = None  # built with the settings, for them
        self.metrics = Metrics()
        self.governor = Governor(
            state_dir(self.environ) / "spend.json",
            later=_call_later,
            on_spend_ceiling=lambda reason: self.status.spend_ceiling_reached(reason),
        )
        self.status = Status(
            self.protocol.notify,
            self.window_show_message,
            self.window_log_message,
            self.governor,
            self.metrics,
        )
        self.accounting = Accounting(self.metrics, self.governor, self.notify_user)
        self.connection = Connection(lambda: self.settings, self.notify_user, self.spawn)
        self.pipeline = Pipeline(
            self.connection.client,
            self.metrics,
            self.accounting.record,
            self.status.busy,
            lambda query: self.governor.admits(query.uri, query.version, query.automatic),
            lambda query: self.governor.wait_for_pace(query.automatic),
        )
        self._background: set[asyncio.Future[Any]] = set()
        self.explanations = ExplanationStore()
        self.send_policy = SendPolicy(lambda: self.settings, lambda: self.workspace)
        self.exit_code = 0

    def start_io(self, stdin: Any = None, stdout: Any = None) -> None:
        """pygls's, with frames read by `framing` (which gets back in step after a bad header)
        and the code `exit` asks for kept: pygls swallows it, so an `exit` without `shutdown`
        ended the process with 0, not 1."""
        self._stop_event = threading.Event()
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        assert isinstance(self.protocol, LenientProtocol)
        try:
            asyncio.run(
                framing.serve(
                    self._stop_event,
                    stdin or sys.stdin.buffer,
                    self.protocol.receive,
                    self.thread_pool,
                )
            )
        except BrokenPipeError:
            log.error("the connection to the client is lost")
        except SystemExit as exiting:
            self.exit_code = exiting.code if isinstance(exiting.code, int) else 1
        except KeyboardInterrupt:
            pass
        finally:
            self.shutdown()  # type: ignore[no-untyped-call]  # pygls: unannotated

    # settings -------------------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        return self._loaded()[0]

    @property
    def prompts(self) -> PromptBuilder:
        return self._loaded()[1]

    def _loaded(self) -> tuple[Settings, PromptBuilder]:
        """The settings in force and the prompt builder made for them: read at the first use,
        from the environment and the initialization options, until `initialized` pulls the
        client's."""
        if self._settings is None or self._prompts is None:
            self.apply_settings()
        assert self._settings is not None and self._prompts is not None
        return self._settings, self._prompts

    def apply_settings(self, workspace_config: object = None) -> LoadedSettings:
        # Here, not at the top: pydantic and the settings model take ~70 ms to load (with
        # `importlib.metadata`, for pydantic's plugins), and `initialize` is answered first.
        from grok_lsp.settings import load_settings

        loaded = load_settings(self.environ, self.initialization_options, workspace_config)
        old, self._settings = self._settings, loaded.settings
        if loaded.problems:
            self.window_show_message(
                t.ShowMessageParams(
                    type=t.MessageType.Warning,
                    message="grok-lsp: invalid settings, using defaults for: "
                    + "; ".join(loaded.problems),
                )
            )
        new = loaded.settings
        if old is None:  # the first read: nothing was paused, announced or connected before
            self._prompts = PromptBuilder(new.prompt)
        else:
            if (old.model, old.completion, old.actions) != (
                new.model,
                new.completion,
                new.actions,
            ):
                self.status.requests_changed()
            if old.prompt != new.prompt or old.api_key != new.api_key:
                # (a new key is masked in prompts: snapshots scrubbed before it was held go)
                self._prompts = PromptBuilder(new.prompt)
            if connection_changed(old, new):
                self.status.connection_changed()
                self.connection.drop()
        self.governor.limits = Limits.of(new)
        self.accounting.use_settings(new)
        return loaded

    def forget(self, uri: str) -> None:
        """A document was closed: drop everything kept for it."""
        self.pipeline.forget(uri)
        self.prompts.forget(uri)
        self.governor.forget(uri)
        self.explanations.forget(uri)
        self.accounting.forget(self.conv_id(uri))

    async def close(self) -> None:
        self.governor.flush()
        await self.pipeline.close()
        await self.connection.aclose()

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Run in the background, keeping a reference and logging failures."""
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background_done)

    def _background_done(self, task: asyncio.Future[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("background task failed", exc_info=task.exception())

    def conv_id(self, uri: str) -> str:
        """Stable per workspace+document, so requests reach the server holding their prefix."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.workspace.root_uri or ''}|{uri}"))

    # Every message to the user passes here: each key the server has held is masked.
    def window_show_message(self, params: t.ShowMessageParams) -> None:
        super().window_show_message(t.ShowMessageParams(params.type, mask(params.message)))

    def window_log_message(self, params: t.LogMessageParams) -> None:
        super().window_log_message(t.LogMessageParams(params.type, mask(params.message)))

    def notify_user(self, message: str) -> None:
        self.status.tell(message)

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Log out-of-band errors instead of a pop-up for each."""
        log.error("server error from %s", getattr(source, "__name__", source), exc_info=error)
