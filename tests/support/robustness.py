"""What the robustness tests share: a server with the oracle set, and checks that it goes on."""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
from collections.abc import Awaitable, Callable
from typing import Any

from tests.support.inline import EXPECTED, PARTIAL, inline_params, inserted
from tests.support.lsp import GrokClient, open_document, send_request

_uris = itertools.count()


Start = Callable[[], Awaitable[GrokClient]]


async def still_works(client: GrokClient) -> None:
    """A fresh document gets the oracle's completion: the server is alive and in its right mind."""
    uri = open_document(client, PARTIAL, uri=f"file:///work/check_{next(_uris)}.py")
    result = await asyncio.wait_for(
        client.text_document_inline_completion_async(inline_params(uri, 1, 23)), 30
    )
    assert inserted(result) == [EXPECTED]


async def server_copy(client: GrokClient, uri: str) -> Any:
    return await send_request(client, "grok/document", {"uri": uri})


async def send_raw(client: GrokClient, method: str, params: Any) -> Any:
    """A request exactly as given: pygls's client would refuse to serialize invalid params."""
    msg_id = f"raw-{next(_uris)}"
    answered: concurrent.futures.Future[Any] = concurrent.futures.Future()
    client.protocol._request_futures[msg_id] = answered
    client.protocol._send_data({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
    return await asyncio.wait_for(asyncio.wrap_future(answered), 30)
