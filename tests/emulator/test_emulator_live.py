"""Over a real socket: pacing, a client going away, a cut connection, a hang."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest

from grok_lsp.emulator import BackgroundEmulator, EmulatorAdmin, EmulatorConfig
from tests.support.emulator_http import REQUEST


@pytest.fixture
def emulator() -> Iterator[BackgroundEmulator]:
    with BackgroundEmulator(EmulatorConfig(ttft_ms=0, tokens_per_second=0)) as emu:
        yield emu


@pytest.fixture
def admin(emulator: BackgroundEmulator) -> Iterator[EmulatorAdmin]:
    with EmulatorAdmin(emulator.root_url) as admin:
        yield admin


def wait_for(admin: EmulatorAdmin, key: str, value: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while admin.stats()[key] != value:
        assert time.monotonic() < deadline, f"{key} never reached {value}: {admin.stats()}"
        time.sleep(0.02)


def test_base_url_is_loopback(emulator: BackgroundEmulator) -> None:
    assert emulator.base_url.startswith("http://127.0.0.1:")
    assert emulator.base_url.endswith("/v1")
    assert httpx.get(f"{emulator.base_url}/models").status_code == 200


def test_ttft_and_pacing_are_respected(emulator: BackgroundEmulator, admin: EmulatorAdmin) -> None:
    admin.configure(ttftMs=200, tokensPerSecond=40)
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


def test_prefill_cost_delays_the_first_token(
    emulator: BackgroundEmulator, admin: EmulatorAdmin
) -> None:
    admin.configure(ttftMs=0, prefillMsPer1kUncached=1000)
    long_prompt = {**REQUEST, "messages": [{"role": "user", "content": "word " * 400}]}
    started = time.monotonic()
    with httpx.stream("POST", f"{emulator.base_url}/chat/completions", json=long_prompt) as r:
        next(line for line in r.iter_lines() if line.startswith("data: {"))
    assert time.monotonic() - started >= 0.35  # about 400 uncached tokens at 1 ms each


def test_client_going_away_counts_as_aborted(
    emulator: BackgroundEmulator, admin: EmulatorAdmin
) -> None:
    admin.configure(tokensPerSecond=10)
    with httpx.stream("POST", f"{emulator.base_url}/chat/completions", json=REQUEST) as response:
        lines = response.iter_lines()
        assert next(lines).startswith("data: {")
        assert admin.stats()["streams_in_flight"] == 1
    wait_for(admin, "streams_aborted", 1)
    final = admin.stats()
    assert final["streams_in_flight"] == 0
    assert final["streams_completed"] == 0
    assert 1 <= final["completion_tokens"] < 20


def test_cut_stream_closes_without_done(emulator: BackgroundEmulator, admin: EmulatorAdmin) -> None:
    admin.fault("cut_stream", afterTokens=3)
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
    wait_for(admin, "streams_cut", 1)


def test_hang_sends_headers_then_nothing(
    emulator: BackgroundEmulator, admin: EmulatorAdmin
) -> None:
    admin.fault("hang")
    timeout = httpx.Timeout(5.0, read=0.3)
    url = f"{emulator.base_url}/chat/completions"
    with httpx.stream("POST", url, json=REQUEST, timeout=timeout) as response:
        assert response.status_code == 200
        with pytest.raises(httpx.ReadTimeout):
            next(response.iter_raw())
    wait_for(admin, "streams_aborted", 1)


def test_the_admin_client_takes_either_url_and_refuses_a_bad_change(
    emulator: BackgroundEmulator,
) -> None:
    with EmulatorAdmin(emulator.base_url) as admin:  # the `/v1` URL a client's baseUrl takes
        assert admin.configure(ttftMs=7)["ttftMs"] == 7
        admin.set_oracle("x = 1\n")
        admin.fault("server_error")
        assert admin.stats()["faults_pending"] == 1
        admin.reset()
        assert admin.stats()["faults_pending"] == 0 and admin.settle(within_s=1)
        with pytest.raises(httpx.HTTPStatusError):
            admin.configure(blockTokens=0)
