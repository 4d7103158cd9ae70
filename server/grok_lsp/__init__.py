"""grok-lsp: xAI's grok-code-fast-1 in any LSP editor."""

# The one place the version is written: pyproject.toml reads it from here at build time.
# (Asking `importlib.metadata` at run time cost ~45 ms of every start, before `initialize`
# could be answered: it imports email, zipfile and csv to read the installed metadata.)
__version__ = "0.1.0"
