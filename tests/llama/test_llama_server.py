"""grok-lsp against a real OpenAI-compatible inference server: llama-cpp-python's, serving the
Gemma 3 270M base model with Gemma 3's strict chat template (`setup.sh` installs both).

A base model writes poor code, so these check the wire, not the answers: completions and code
actions pass the strict template, a server that sends no usage is estimated, an interrupted
stream is reported and never shown, and the user sees a clear result every time.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import StartClient, open_document, server_stats
from tests.e2e.test_actions import F401, SOURCE, actions_at, titled
from tests.e2e.test_inline import inline_params, inserted

from grok_lsp.provider.client import ProviderClient
from grok_lsp.provider.errors import StreamInterruptedError
from grok_lsp.provider.request import ChatRequest

HERE = Path(__file__).parent
MODEL = "gemma-3-270m"
SETUP_TIMEOUT_S = 3600  # a first run compiles llama.cpp
START_TIMEOUT_S = 180
ANSWER_TIMEOUT_S = 300  # a bound, not a speed check: 2 shared cores
# Short answers keep each request a few seconds on 2 cores; the template's turn markers and
# the model's own end token stop it sooner.
SETTINGS = {
    "model": MODEL,
    "completion": {"debounceMs": 0, "maxTokens": 24, "timeoutMs": 120000},
    "actions": {"maxTokens": 64, "timeoutMs": 240000},
}
TWO_USER_TURNS = [
    {"role": "system", "content": "You complete code."},
    {"role": "user", "content": "<file_snapshot>def add(a, b):</file_snapshot>"},
    {"role": "user", "content": "Task: complete the code at the cursor."},
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def llama_base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    installed = subprocess.run(
        ["bash", str(HERE / "setup.sh")],
        check=True,
        capture_output=True,
        text=True,
        timeout=SETUP_TIMEOUT_S,
    )
    python, gguf = installed.stdout.split()[-2:]
    port = _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    command = [
        python,
        str(HERE / "serve.py"),
        *("--model", gguf, "--model_alias", MODEL, "--chat_format", "gemma3-strict"),
        # logits_all on keeps every prompt token's logits: ~1 MiB more per prompt token.
        *("--logits_all", "False", "--n_ctx", "8192", "--n_threads", "2"),
        *("--host", "127.0.0.1", "--port", str(port)),
    ]
    with log.open("w") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if server.poll() is not None:
                pytest.fail(f"llama-cpp-python exited {server.returncode}: {log.read_text()}")
            try:
                if httpx.get(f"{base}/models", timeout=2).is_success:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama-cpp-python did not start: {log.read_text()}")
            time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


async def real_client(start_client: StartClient, base: str) -> Any:
    return await start_client(settings=SETTINGS, env={"GROK_LSP_BASE_URL": base})


def test_the_server_template_refuses_two_user_turns_in_a_row(llama_base_url: str) -> None:
    """What the old two-message prompt met: the strict template raises."""
    body = {"model": MODEL, "messages": TWO_USER_TURNS, "max_tokens": 4}
    response = httpx.post(f"{llama_base_url}/chat/completions", json=body, timeout=120)
    assert response.status_code >= 400
    assert "Conversation roles must alternate" in response.text


async def test_a_completion_and_a_code_action_go_through_and_are_counted(
    start_client: StartClient, llama_base_url: str
) -> None:
    client = await real_client(start_client, llama_base_url)
    uri = open_document(client, "def add(a, b):\n    return a")
    async with asyncio.timeout(ANSWER_TIMEOUT_S):
        result = await client.text_document_inline_completion_async(inline_params(uri, 1, 12))
    suggestions = inserted(result)
    assert len(suggestions) <= 1 and all(text.strip() for text in suggestions)
    served = await server_stats(client)
    assert served["errors"] == 0, served["lastError"]
    assert served["upstreamRequests"] == 1 and served["model"]["served"]
    # llama-cpp-python sends no usage: estimated, not left at 0.
    assert served["usageEstimated"] == 1 and served["promptTokens"] == 0
    assert served["estimatedPromptTokens"] > 100
    fix_uri = open_document(client, SOURCE, uri="file:///work/fix.py")
    fix = titled(await actions_at(client, fix_uri, F401), "Grok: fix")
    async with asyncio.timeout(ANSWER_TIMEOUT_S):
        resolved = await client.code_action_resolve_async(fix)
    served = await server_stats(client)
    assert served["errors"] == 0, served["lastError"]
    # One request per answer the fix loop asked for: an answer that is no edit is asked again,
    # with the reason, up to `actions.maxAttempts` (3).
    attempts = served["actions"]["attempts"]
    assert 1 <= attempts <= 3 and served["actions"]["count"] == 1
    assert served["upstreamRequests"] == served["usageEstimated"] == 1 + attempts
    await asyncio.sleep(0.2)
    said = [m.message for m in client.messages]
    # The request went through the template; a base model's answer is an edit or one plain
    # message ("not a usable edit", "no change"), never an API failure; the price, told once.
    answered = [m for m in said if m.startswith("grok-lsp:") and "no price" not in m]
    assert (resolved.edit is not None) != bool(answered), said
    assert not any("failed (HTTP" in m or "refused" in m for m in said), said
    assert sum("no price is known for the model" in m for m in said) == 1


async def test_a_stream_interrupted_by_another_request_is_an_error_not_an_answer(
    llama_base_url: str,
) -> None:
    """llama-cpp-python's `interrupt_requests`: any request arriving while a stream runs (the
    re-warm's `GET /models` was one) ends that stream with `[DONE]` and no finish_reason."""
    client = ProviderClient(llama_base_url, None, timeout=httpx.Timeout(120))
    messages = [
        {"role": "system", "content": "Count."},
        {"role": "user", "content": "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13"},
    ]
    request = ChatRequest(MODEL, messages, max_tokens=256, temperature=0.0)
    seen: list[str] = []
    other: asyncio.Task[httpx.Response] | None = None
    try:
        async with asyncio.timeout(ANSWER_TIMEOUT_S), httpx.AsyncClient() as plain:
            with pytest.raises(StreamInterruptedError, match="finish_reason"):
                async with client.stream_chat(request) as stream:
                    async for delta in stream:
                        seen.append(delta.content)
                        if other is None:
                            other = asyncio.create_task(plain.get(f"{llama_base_url}/models"))
            assert other is not None and (await other).is_success
    finally:
        await client.aclose()
    assert seen and len(seen) < 256
