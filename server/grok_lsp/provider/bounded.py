"""Reading a bounded, decoded prefix of a response body: error pages and `GET /models`.

A body is never read whole: a 100 MB error page, or 200 KB of gzip that inflates to 200 MB,
costs at most `limit` bytes of memory here, however the server encodes or sizes it.
"""

from __future__ import annotations

import zlib

import httpx

ERROR_BODY_LIMIT = 64 * 1024  # far more than any error message worth showing
MODELS_BODY_LIMIT = 4 * 1024 * 1024  # a model list of thousands of entries


async def read_prefix(response: httpx.Response, limit: int) -> bytes:
    """Up to `limit` bytes of the body, inflated where it is gzip or deflate (zlib), reading
    no further than that. Another encoding gives b"" (grok-lsp never asks for one); a transport
    or inflate error ends the prefix where it happened."""
    try:
        return response.content[:limit]  # already in memory: a response built whole
    except httpx.ResponseNotRead:
        pass
    encoding = response.headers.get("content-encoding", "").strip().lower()
    inflater: zlib._Decompress | None = None
    if encoding in ("gzip", "x-gzip", "deflate"):
        inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 32)  # a gzip or zlib header
    elif encoding not in ("", "identity"):
        return b""
    prefix = bytearray()
    try:
        async for raw in response.aiter_raw():
            wanted = limit - len(prefix)
            # max_length bounds what one compressed chunk may inflate to (0 would mean no bound)
            piece = raw if inflater is None else inflater.decompress(raw, wanted)
            prefix += piece[:wanted]
            if len(prefix) >= limit:
                break
    except (httpx.HTTPError, zlib.error):
        pass
    return bytes(prefix)
