"""grok-lsp: xAI's grok-code-fast-1 in any LSP editor."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("grok-lsp")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"
