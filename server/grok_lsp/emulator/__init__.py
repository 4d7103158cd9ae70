"""A local server that speaks xAI's chat-completions wire protocol, for tests, benchmarks and
trying grok-lsp offline. It never pretends to be the model: every answer carries
`"model": "grok-lsp-emulator"`.
"""

from grok_lsp.emulator.admin import EmulatorAdmin
from grok_lsp.emulator.app import create_app
from grok_lsp.emulator.config import EmulatorConfig
from grok_lsp.emulator.runner import BackgroundEmulator, run

__all__ = ["BackgroundEmulator", "EmulatorAdmin", "EmulatorConfig", "create_app", "run"]
