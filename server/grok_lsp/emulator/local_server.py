"""How local inference servers (llama.cpp's, llama-cpp-python's) differ on the wire from xAI.

Selected in the emulator's config: `strictRoles` answers like a strict chat template (Gemma 3's
raises on two user turns in a row), `sendUsage: false` never sends the usage chunk
(llama.cpp ignores `stream_options.include_usage`), `pingEveryTokens` interleaves SSE comment
lines. The fault `interrupted` ends a stream the way llama-cpp-python's `interrupt_requests` does
when another request arrives: `[DONE]` with no `finish_reason` and no usage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.responses import JSONResponse

from grok_lsp.emulator.faults import error_response

ROLES_MESSAGE = "Conversation roles must alternate user/assistant/user/assistant/..."


def roles_alternate(messages: Sequence[Mapping[str, Any]]) -> bool:
    """Gemma 3's rule: an optional leading system message, then user, assistant, user, ..."""
    roles = [message.get("role") for message in messages]
    if roles and roles[0] == "system":
        roles = roles[1:]
    return bool(roles) and all(
        role == ("user" if index % 2 == 0 else "assistant") for index, role in enumerate(roles)
    )


def roles_refused() -> JSONResponse:
    """What a server whose template raised answers: an OpenAI-shaped 400."""
    return error_response(400, ROLES_MESSAGE, shape="openai")
