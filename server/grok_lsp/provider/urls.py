"""A base URL read as the client reads it: httpx parses it, so the host judged here is the host
the client connects to."""

from __future__ import annotations


def scheme_and_host(url: str) -> tuple[str, str] | None:
    """`url`'s scheme and host as httpx reads them; None where httpx cannot read it."""
    # Here, not at the top: the settings and the privacy rules load before `initialize` is
    # answered and httpx takes ~80 ms to import (its CLI's `rich` with it). This runs when the
    # client is built, which imports httpx anyway.
    import httpx

    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return None
    return parsed.scheme, parsed.host
