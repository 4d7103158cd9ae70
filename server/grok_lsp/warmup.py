"""What `initialize`'s answer does not wait for, loaded right after it.

The answer needs pygls, lsprotocol and the features' registrations; the modules below are
imported where they are first used instead (each of those imports says why), which brought
spawn-to-`initialize` from 1.4x a bare pygls server's to within 1.2x (`bench/startup.py`).
`start` imports them in a worker thread at `initialized`, while the server mostly waits for
the client, so that the first request finds them loaded.
"""

from __future__ import annotations

import asyncio
import importlib

DEFERRED = (
    "grok_lsp.settings",  # pydantic (with importlib.metadata, for its plugins): ~70 ms
    "grok_lsp.provider.client",  # httpx (with its CLI's rich, click, pygments): ~80 ms
    "pathspec",  # the exclusion and ignore-file patterns: ~14 ms
    "tomllib",  # for gitleaks' rules, read at the first scrub: ~4 ms
)
# (email.utils and http, for error responses, come with httpx.)


async def start() -> None:
    """Import the deferred modules in a worker thread (Python's import locks make a module
    used meanwhile on the event loop wait for the thread's import, not load twice)."""
    await asyncio.to_thread(_import_all)


def _import_all() -> None:
    for name in DEFERRED:
        importlib.import_module(name)
