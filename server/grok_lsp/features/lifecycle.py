"""Start-up, settings changes and shutdown: what the user sees before the first keystroke.

At `initialized` the server pulls the `grok` settings, opens the connection to the API (so the
first keystroke does not pay for TLS) and checks that the configured models are offered.
"""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types as t

from grok_lsp import warmup
from grok_lsp.clients import quirks_of
from grok_lsp.documents.workspace import LspWorkspace, use_lsp_line_breaks
from grok_lsp.host import Host
from grok_lsp.provider.errors import ProviderError

log = logging.getLogger(__name__)

CONFIG_SECTION = "grok"


def register(server: Host) -> None:
    @server.feature(t.INITIALIZE)
    def initialize(ls: Host, params: t.InitializeParams) -> None:
        ls.initialization_options = params.initialization_options
        use_lsp_line_breaks(ls.workspace)
        ls.quirks = quirks_of(params)
        if ls.quirks.counts_code_points and isinstance(ls.workspace, LspWorkspace):
            ls.workspace.count_positions_in(t.PositionEncodingKind.Utf32)
            log.info("positions counted in code points, as this client (lsp-mode < 9) does")
        # The settings are read at `initialized` (`_reload`), after this answer is sent.

    @server.feature(t.INITIALIZED)
    async def initialized(ls: Host, params: t.InitializedParams) -> None:
        ls.spawn(warmup.start())
        await _reload(ls, None)
        await _register_for_changes(ls)
        await _connect(ls)

    @server.feature(t.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def changed(ls: Host, params: t.DidChangeConfigurationParams) -> None:
        await _reload(ls, params.settings)
        log.info("settings reloaded")

    @server.feature(t.SHUTDOWN)
    async def shutdown(ls: Host, params: None) -> None:
        await ls.close()


def _supports_pull(ls: Host) -> bool:
    workspace = ls.client_capabilities.workspace
    return bool(workspace and workspace.configuration)


async def _reload(ls: Host, pushed: Any) -> None:
    """Pull the settings where the client answers; else take what it pushed."""
    config: object = pushed
    if _supports_pull(ls):
        try:
            answers = await ls.workspace_configuration_async(
                t.ConfigurationParams(items=[t.ConfigurationItem(section=CONFIG_SECTION)])
            )
            config = answers[0] if answers else None
        except Exception:  # a client that advertises the pull but fails it: keep what we have
            log.warning("workspace/configuration failed; using pushed settings", exc_info=True)
    old = ls.settings
    ls.apply_settings(config)
    if old != ls.settings or ls.governor.circuit_open():  # a rate limit's pause too: try again
        ls.status.clear_error()


async def _register_for_changes(ls: Host) -> None:
    workspace = ls.client_capabilities.workspace
    dynamic = workspace and workspace.did_change_configuration
    if not (dynamic and dynamic.dynamic_registration):
        return
    registration = t.Registration(
        id="grok-configuration",
        method=t.WORKSPACE_DID_CHANGE_CONFIGURATION,
        register_options=t.DidChangeConfigurationRegistrationOptions(section=CONFIG_SECTION),
    )
    try:
        await ls.client_register_capability_async(t.RegistrationParams([registration]))
    except Exception as error:  # the client said it could, then did not: pushes still work
        log.info("could not register for configuration changes: %s", error)


async def _connect(ls: Host) -> None:
    settings = ls.settings
    if settings.api_key is None and settings.base_url.startswith("https://api.x.ai"):
        ls.status.set("error", "no API key")
        ls.window_show_message(
            t.ShowMessageParams(
                type=t.MessageType.Warning,
                message="grok-lsp: no XAI_API_KEY set, so suggestions are off. Set the "
                "environment variable XAI_API_KEY (or `grok.apiKey` in the server settings) "
                "and restart, or point `grok.baseUrl` at `grok-lsp emulator`.",
            )
        )
        return
    try:
        offered = await ls.connection.client().list_models()
    except ProviderError as error:
        ls.status.report_error(error, "connecting to the API")
        return
    log.info("connected to %s; %d models offered", settings.base_url, len(offered))
    missing = sorted({settings.completion_model, settings.actions_model} - set(offered))
    if missing and offered:
        ls.window_show_message(
            t.ShowMessageParams(
                type=t.MessageType.Warning,
                message=f"grok-lsp: {', '.join(missing)} not among the models {settings.base_url} "
                f"offers ({', '.join(sorted(offered)[:8])}); requests may fail or be served by a "
                "successor. Set `grok.model`.",
            )
        )
