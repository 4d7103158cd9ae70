"""Which files are never sent upstream."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from fnmatch import fnmatchcase
from pathlib import PurePosixPath

import httpx


def is_excluded(path: str, globs: Iterable[str]) -> bool:
    """Match each glob against the file name and against the path (`**/` style globs)."""
    posix = PurePosixPath(path)
    return any(fnmatchcase(posix.name, glob) or posix.match(glob) for glob in globs)


def key_in_clear(base_url: str) -> bool:
    """Whether a key sent to `base_url` would cross a network unencrypted: plain `http://` to
    a host that is not this machine."""
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL:
        return False  # (the client built on it says what is wrong)
    if url.scheme != "http":
        return False
    host = url.host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True  # a name: it may resolve anywhere
