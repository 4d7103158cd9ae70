"""What a feature sees of the server: its parts, the editor's side, and messages to the user.

`server.GrokServer` is the one `Host`; the features are written against this interface and never
import `server.py`, so the only module that knows both is `wiring.py`, which registers them.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from lsprotocol import types as t

if TYPE_CHECKING:  # names for the interface only: importing them would load pydantic and httpx
    from pygls.progress import Progress
    from pygls.protocol import JsonRPCProtocol
    from pygls.workspace import Workspace

    from grok_lsp.accounting import Accounting
    from grok_lsp.clients import ClientQuirks
    from grok_lsp.codeactions.store import ExplanationStore
    from grok_lsp.completions.pipeline import Pipeline
    from grok_lsp.connection import Connection
    from grok_lsp.documents.sending import SendPolicy
    from grok_lsp.governor import Governor
    from grok_lsp.metrics import Metrics
    from grok_lsp.prompt import PromptBuilder
    from grok_lsp.settings import LoadedSettings, Settings
    from grok_lsp.status import Status

F = TypeVar("F", bound=Callable[..., Any])


class Host(Protocol):
    # The server's parts.
    metrics: Metrics
    status: Status
    governor: Governor
    accounting: Accounting
    connection: Connection
    pipeline: Pipeline
    explanations: ExplanationStore
    send_policy: SendPolicy
    quirks: ClientQuirks  # what the editor does that its capabilities do not say
    initialization_options: object

    @property
    def settings(self) -> Settings: ...
    @property
    def prompts(self) -> PromptBuilder: ...
    def apply_settings(self, workspace_config: object = None) -> LoadedSettings: ...
    def forget(self, uri: str) -> None: ...
    async def close(self) -> None: ...
    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None: ...
    def conv_id(self, uri: str) -> str: ...
    def notify_user(self, message: str) -> None: ...

    # The editor's side (pygls's `LanguageServer`).
    @property
    def workspace(self) -> Workspace: ...
    @property
    def client_capabilities(self) -> t.ClientCapabilities: ...
    @property
    def work_done_progress(self) -> Progress: ...
    @property
    def protocol(self) -> JsonRPCProtocol: ...

    def feature(self, feature_name: str, options: Any | None = None) -> Callable[[F], F]: ...
    def command(self, command_name: str) -> Callable[[F], F]: ...
    def window_show_message(self, params: t.ShowMessageParams) -> None: ...
    def text_document_publish_diagnostics(self, params: t.PublishDiagnosticsParams) -> None: ...
    async def workspace_apply_edit_async(
        self, params: t.ApplyWorkspaceEditParams
    ) -> t.ApplyWorkspaceEditResult: ...
    async def workspace_configuration_async(
        self, params: t.ConfigurationParams
    ) -> Sequence[Any | None]: ...
    async def client_register_capability_async(self, params: t.RegistrationParams) -> None: ...
