"""Shared fixtures: the emulator on loopback, and a real grok-lsp process driven by pytest-lsp.

The helpers the fixtures and the tests use live in `tests/support/`."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types as t

from grok_lsp.emulator.config import EmulatorConfig
from grok_lsp.emulator.runner import BackgroundEmulator
from tests.support.emulator import Emulator
from tests.support.lsp import SERVER_COMMAND, TEST_KEY, GrokClient, launch

OVER_BOTH_APIS = pytest.mark.parametrize("api", ["chat", "responses"])
"""Runs a test once per wire API (`grok.api`); the `api` fixture is what it sets."""


@pytest.fixture
def api() -> str | None:
    """The `grok.api` setting a test's servers start with; None leaves it to `auto` (chat on
    the emulator's loopback URL). `OVER_BOTH_APIS` parametrises it."""
    return None


@pytest.fixture(scope="session")
def emulator_process() -> Iterator[BackgroundEmulator]:
    background = BackgroundEmulator().start()
    yield background
    background.stop()


@pytest.fixture
def emulator(emulator_process: BackgroundEmulator) -> Iterator[Emulator]:
    with Emulator(emulator_process.base_url) as emulator:
        emulator.reset()
        # The whole configuration: a test's `configure` (e.g. overshoot) must not reach the next.
        defaults = EmulatorConfig().model_dump()
        emulator.configure(
            **{**defaults, "ttft_ms": 0, "tokens_per_second": 0, "reasoning_tokens": 0}
        )
        yield emulator


@pytest.fixture
def no_inherited_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server inherits this process's environment: only the test's proxy settings count
    (a lower-case `no_proxy` from CI would override the test's NO_PROXY)."""
    for scheme in ("http", "https", "all", "no"):
        monkeypatch.delenv(f"{scheme}_proxy", raising=False)
        monkeypatch.delenv(f"{scheme.upper()}_PROXY", raising=False)


StartClient = Callable[..., Awaitable[GrokClient]]


@pytest_asyncio.fixture
async def start_client(
    emulator: Emulator, tmp_path: Path, api: str | None
) -> AsyncIterator[StartClient]:
    """Start a grok-lsp process pointed at the emulator, speaking `api` when a test sets it;
    shut every one down afterwards.

    Its state (today's spend) is kept in the test's own `tmp_path / "state"`, never in the
    user's cache. `args` go after the server's command line (e.g. `["--log-file", path]`);
    `root_uri` is the workspace's (a directory that need not exist, unless a test reads it).
    """
    started: list[GrokClient] = []

    async def start(
        capabilities: t.ClientCapabilities | None = None,
        settings: dict[str, Any] | None = None,
        env: dict[str, str] | None = None,
        args: list[str] | None = None,
        root_uri: str = "file:///work",
        client_info: t.ClientInfo | None = None,
    ) -> GrokClient:
        server_env = {
            **os.environ,
            "XAI_API_KEY": TEST_KEY,
            "GROK_LSP_BASE_URL": emulator.base_url,
            "GROK_LSP_STATE_DIR": str(tmp_path / "state"),
            **(env or {}),
        }
        grok = {
            "completion": {"debounceMs": 0},
            **({"api": api} if api else {}),
            **(settings or {}),
        }
        client = await launch(
            [*SERVER_COMMAND, *(args or [])],
            server_env,
            grok,
            capabilities=capabilities,
            root_uri=root_uri,
            client_info=client_info,
        )
        started.append(client)
        return client

    yield start
    for client in started:
        await client.shutdown_session()
