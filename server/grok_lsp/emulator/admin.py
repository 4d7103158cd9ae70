"""A client for a running emulator's `/emulator/*` controls: what tests, benchmarks and scripts
set on it (latency, answer shapes, the oracle, faults) and read back (its counters and the last
request it received).

    admin = EmulatorAdmin("http://127.0.0.1:8765")  # the root URL, or the `/v1` base URL
    admin.reset()
    admin.configure(ttft_ms=0, tokens_per_second=0)  # snake_case or the wire's camelCase
    admin.set_oracle(text)
    admin.fault("rate_limit", count=2, retryAfter=2)
    admin.stats()["requests"]

Each call is one request on a connection of its own (loopback, about a millisecond), so no
idle connection can be closed under it by the emulator's keep-alive timeout during a long run.
It is synchronous: asyncio code that must keep serving meanwhile (a soak sampling while it
types) calls it through `asyncio.to_thread`.
"""

from __future__ import annotations

import time
from typing import Any, Self

import httpx


class EmulatorAdmin:
    """The controls of the emulator at `url`; an error status raises `httpx.HTTPStatusError`."""

    def __init__(self, url: str, *, timeout_s: float = 10.0) -> None:
        self.root_url = url.rstrip("/").removesuffix("/v1")
        self._http = httpx.Client(
            base_url=f"{self.root_url}/emulator",
            timeout=timeout_s,
            limits=httpx.Limits(max_keepalive_connections=0),
        )

    def stats(self) -> dict[str, Any]:
        """Counters since the last reset (`requests`, `streams_in_flight`, `prompt_tokens`,
        ...) and `last_request`: the last body and headers received, Authorization left out."""
        return dict(self._call("GET", "/stats"))

    def configure(self, **options: Any) -> dict[str, Any]:
        """Change some settings (`EmulatorConfig`'s fields); returns the whole configuration."""
        return dict(self._call("POST", "/config", options))

    def set_oracle(self, *texts: str) -> None:
        """Add texts the emulated model continues from (the file as the user will have it)."""
        self._call("POST", "/oracle", {"texts": list(texts)})

    def fault(self, kind: str, **options: Any) -> None:
        """Queue a fault (`rate_limit`, `cut_stream`, `hang`, ...) for the next requests."""
        self._call("POST", "/faults", {"kind": kind, **options})

    def reset(self) -> None:
        """Counters, prefix cache, pending faults and oracle back to empty (not the config)."""
        self._call("POST", "/reset")

    def settle(self, within_s: float = 10.0) -> bool:
        """Wait until no stream is in flight (every usage counted); False if one still is
        after `within_s`."""
        deadline = time.monotonic() + within_s
        while self.stats()["streams_in_flight"] > 0:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = self._http.request(method, path, json=body)
        response.raise_for_status()
        return response.json()
