"""Over a real socket: pacing, a client going away, a cut connection, a hang."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest

from grok_lsp.emulator import BackgroundEmulator, EmulatorConfig

REQUEST = {
    "model": "grok-code-fast-1",
    "messages": [{"role": "user", "content": "hello"}],
    "stream": True,
    "stream_options": {"include_usage": True},
}


@pytest.fixture
def emulator() -> Iterator[BackgroundEmulator]:
    with BackgroundEmulator(EmulatorConfig(ttft_ms=0, tokens_per_second=0)) as emu:
        yield emu


def configure(emu: BackgroundEmulator, **patch: object) -> None:
    httpx.post(f"{emu.root_url}/emulator/config", json=patch).raise_for_status()


def stats(emu: BackgroundEmulator) -> dict[str, int]:
    result: dict[str, int] = httpx.get(f"{emu.root_url}/emulator/stats").json()
    return result


def wait_for(emu: BackgroundEmulator, key: str, value: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while stats(emu)[key] != value:
        assert time.monotonic() < deadline, f"{key} never reached {value}: {stats(emu)}"
        time.sleep(0.02)


def test_base_url_is_loopback(emulator: BackgroundEmulator) -> None:
    assert emulator.base_url.startswith("http://127.0.0.1:")
    assert emulator.base_url.endswith("/v1")
    assert httpx.get(f"{emulator.base_url}/models").status_code == 200


def test_ttft_and_pacing_are_respected(emulator: BackgroundEmulator) -> None:
    configure(emulator, ttftMs=200, tokensPerSecond=40)
    started = time.monotonic()
    arrivals: list[float] = []
    with httpx.stream("POST", f"{emulator.base_url}/chat/completions", json=REQUEST) as response:
        for line in response.iter_lines():
            if line.startswith("data: {") and '"content"' in line:
                arrivals.append(time.monotonic() - started)
    assert len(arrivals) > 10
    assert arrivals[0] >= 0.18
    assert arrivals[-1] - arrivals[0] >= 0.9 * (len(arrivals) - 1) / 40
    assert arrivals == sorted(arrivals)


def test_prefill_cost_delays_the_first_token(emulator: BackgroundEmulator) -> None:
    configure(emulator, ttftMs=0, prefillMsPer1kUncached=1000)
    long_prompt = {**REQUEST, "messages": [{"role": "user", "content": "word " * 400}]}
    started = time.monotonic()
    with httpx.stream("POST", f"{emulator.base_url}/chat/completions", json=long_prompt) as r:
        next(line for line in r.iter_lines() if line.startswith("data: {"))
    assert time.monotonic() - started >= 0.35  # about 400 uncached tokens at 1 ms each


def test_client_going_away_counts_as_aborted(emulator: BackgroundEmulator) -> None:
    configure(emulator, tokensPerSecond=10)
    with httpx.stream("POST", f"{emulator.base_url}/chat/completions", json=REQUEST) as response:
        lines = response.iter_lines()
        assert next(lines).startswith("data: {")
        assert stats(emulator)["streams_in_flight"] == 1
    wait_for(emulator, "streams_aborted", 1)
    final = stats(emulator)
    assert final["streams_in_flight"] == 0
    assert final["streams_completed"] == 0
    assert 1 <= final["completion_tokens"] < 20


def test_cut_stream_closes_without_done(emulator: BackgroundEmulator) -> None:
    httpx.post(
        f"{emulator.root_url}/emulator/faults", json={"kind": "cut_stream", "afterTokens": 3}
    )
    received: list[str] = []
    with (
        pytest.raises(httpx.RemoteProtocolError),
        httpx.stream("POST", f"{emulator.base_url}/chat/completions", json=REQUEST) as response,
    ):
        for line in response.iter_lines():
            if line.startswith("data: "):
                received.append(line.removeprefix("data: "))
    assert "[DONE]" not in received
    assert [json.loads(d)["choices"][0]["delta"]["content"] != "" for d in received] == [True] * 3
    wait_for(emulator, "streams_cut", 1)


def test_hang_sends_headers_then_nothing(emulator: BackgroundEmulator) -> None:
    httpx.post(f"{emulator.root_url}/emulator/faults", json={"kind": "hang"})
    timeout = httpx.Timeout(5.0, read=0.3)
    url = f"{emulator.base_url}/chat/completions"
    with httpx.stream("POST", url, json=REQUEST, timeout=timeout) as response:
        assert response.status_code == 200
        with pytest.raises(httpx.ReadTimeout):
            next(response.iter_raw())
    wait_for(emulator, "streams_aborted", 1)
