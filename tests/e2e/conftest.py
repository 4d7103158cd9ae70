"""Fixtures the end-to-end tests share."""

from __future__ import annotations

import pytest

from tests.conftest import StartClient
from tests.support.emulator import Emulator
from tests.support.inline import ORACLE
from tests.support.lsp import GrokClient
from tests.support.robustness import Start


@pytest.fixture
def start(start_client: StartClient, emulator: Emulator) -> Start:
    """A server with the oracle set. (Not a client fixture: pytest-lsp would turn every error
    the client logs, such as a refused `client/registerCapability`, into a test failure.)"""

    async def started() -> GrokClient:
        emulator.set_oracle(ORACLE)
        return await start_client()

    return started
