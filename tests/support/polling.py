"""Waiting for what a server does in its own time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


async def eventually(check: Callable[[], Any], seconds: float = 15.0) -> None:
    """Poll an async or plain check until it is true; fail with its last value."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not reached in {seconds} s")
        await asyncio.sleep(0.05)
