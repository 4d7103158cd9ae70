"""Time to the first content token over both wire APIs, side by side in one run, on the emulator.

One emulator (in-process, loopback) answers both `POST /v1/chat/completions` and
`POST /v1/responses` from the same model, so what differs is only the wire: the body, the
events and how the client reads them. Two measurements, each alternating the APIs request by
request (chat, responses, chat, ...) so that both see the same machine load:

1. **Wire**: grok-lsp's `ProviderClient` alone, from the request to the first content delta it
   yields, and to the end of the stream.
2. **Server**: a grok-lsp process per API (`grok.api` set), driven over stdio: an invoked
   `inlineCompletion` at the same place each time (so each one asks the model); the editor's
   round trip, and the server's own time to first content (`grok/stats` `firstContentMs`).

Each under two emulator profiles: `instant` (no time to first token, tokens sent at once: what
is left is the client's and server's own cost) and `grok` (time to first token 300 ms, 60
reasoning tokens at 190 tokens/s, grok-code-fast-1's launch pace).

    python bench/apis.py            # ~2 minutes
    python bench/apis.py --quick    # ~30 s
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from typing import Any

import httpx

from common import (
    RESULTS,
    SERVER_COMMAND,
    LspProcess,
    emit,
    fmt,
    initialize,
    machine,
    machine_line,
    ms,
    open_document,
    position_of,
    server_env,
    synthetic_python,
    table,
    update_report,
)
from grok_lsp.emulator import BackgroundEmulator, EmulatorConfig
from grok_lsp.provider.client import API, ProviderClient
from grok_lsp.provider.request import ChatRequest

NAME = "apis"
APIS: tuple[API, ...] = ("chat", "responses")
PROFILES: dict[str, dict[str, Any]] = {
    "instant": {"ttftMs": 0, "tokensPerSecond": 0, "reasoningTokens": 0},
    "grok": {"ttftMs": 300, "tokensPerSecond": 190, "reasoningTokens": 60},
}
URI = "file:///bench/apis.py"


def order(round_: int) -> tuple[API, ...]:
    """chat first in even rounds, responses first in odd ones: neither always follows the other
    (the one asked second finds the emulator still finishing the first's response)."""
    return APIS if round_ % 2 == 0 else APIS[::-1]


async def configure(background: BackgroundEmulator, profile: dict[str, Any], oracle: str) -> None:
    """A cold emulator with this profile, continuing from `oracle` (the file as it is)."""
    admin = background.root_url + "/emulator"
    async with httpx.AsyncClient() as http:
        (await http.post(f"{admin}/reset")).raise_for_status()
        (await http.post(f"{admin}/config", json=profile)).raise_for_status()
        (await http.post(f"{admin}/oracle", json={"texts": [oracle]})).raise_for_status()


async def chat_messages(background: BackgroundEmulator) -> list[dict[str, Any]]:
    """The messages of the last chat request the emulator received."""
    async with httpx.AsyncClient() as http:
        stats = (await http.get(background.root_url + "/emulator/stats")).json()
    assert stats["last_request"]["api"] == "chat"
    return list(stats["last_request"]["body"]["messages"])


async def wire(
    background: BackgroundEmulator, samples: int, messages: list[dict[str, Any]]
) -> dict[API, dict[str, list[float]]]:
    """(ms to the first content delta, ms to the stream's end) per request, per API, for the
    prompt a server built (`messages`)."""
    clients = {
        api: ProviderClient(background.base_url, "xai-bench", timeout=httpx.Timeout(60.0), api=api)
        for api in APIS
    }
    found: dict[API, dict[str, list[float]]] = {api: {"first": [], "end": []} for api in APIS}
    try:
        for client in clients.values():
            await client.warm_up()
        for round_ in range(samples):
            for api in order(round_):
                client = clients[api]
                request = ChatRequest("grok-code-fast-1", messages, 256, conv_id=f"bench-{api}")
                started = time.monotonic_ns()
                first = None
                async with client.stream_chat(request) as stream:
                    async for delta in stream:
                        if delta.content and first is None:
                            first = time.monotonic_ns()
                assert first is not None, f"{api}: no content"
                found[api]["first"].append(ms(first - started))
                found[api]["end"].append(ms(time.monotonic_ns() - started))
    finally:
        for client in clients.values():
            await client.aclose()
    return found


async def server(
    background: BackgroundEmulator, samples: int, state_dir: str, text: str, offset: int
) -> tuple[dict[API, dict[str, Any]], list[dict[str, Any]]]:
    """Per API: the editor's round trips (ms) and the server's first-content percentiles;
    and the messages of the chat server's prompt."""
    servers: dict[API, LspProcess] = {}
    for api in APIS:
        settings = {"api": api, "completion": {"debounceMs": 0, "maxRequestsPerMinute": 10_000}}
        env = server_env(background.base_url, f"{state_dir}/{api}")
        process = await LspProcess.start(SERVER_COMMAND, env, {"grok": settings})
        await initialize(process, "file:///bench", settings)
        await process.ping()
        open_document(process, URI, text)
        servers[api] = process
    params = {
        "textDocument": {"uri": URI},
        "position": position_of(text, offset),
        "context": {"triggerKind": 1},  # invoked: asks the model even at the same place
    }
    found: dict[API, dict[str, Any]] = {api: {"round_trip": []} for api in APIS}
    messages: list[dict[str, Any]] = []
    try:
        for round_ in range(samples):
            for api in order(round_):
                process = servers[api]
                reply = await process.request("textDocument/inlineCompletion", params)
                assert (reply.result or {}).get("items"), f"{api}: no suggestion"
                found[api]["round_trip"].append(reply.round_trip_ms)
                if not messages:
                    messages = await chat_messages(background)
        for api, process in servers.items():
            stats = (await process.request("grok/stats", {})).result
            found[api]["first_content"] = stats["firstContentMs"]
            found[api]["upstream"] = stats["upstreamRequests"]
    finally:
        for process in servers.values():
            await process.close()
    return found, messages


def p50(values: list[float]) -> float:
    return statistics.median(values)


async def main_async(args: argparse.Namespace) -> None:
    info = machine()
    emit(NAME, "machine", machine_line(info), "")
    background = BackgroundEmulator(EmulatorConfig()).start()
    rows: list[list[str]] = []
    try:
        with tempfile.TemporaryDirectory() as state_dir:
            text, offset = synthetic_python(400)
            oracle = text[:offset] + "total(items, limit=limit)" + text[offset:]
            for profile_name, profile in PROFILES.items():
                await configure(background, profile, oracle)
                served, messages = await server(
                    background, args.samples, f"{state_dir}/{profile_name}", text, offset
                )
                await configure(background, profile, oracle)
                measured = await wire(background, args.samples, messages)
                for figure, label in (("first", "wire: first content"), ("end", "wire: end")):
                    chat, responses = (p50(measured[api][figure]) for api in APIS)
                    rows.append(
                        [
                            profile_name,
                            label,
                            fmt(chat, 1),
                            fmt(responses, 1),
                            fmt(responses / chat),
                        ]
                    )
                    emit(
                        NAME,
                        f"{profile_name} {label} p50",
                        responses / chat,
                        "responses/chat",
                        chat_ms=chat,
                        responses_ms=responses,
                    )
                chat, responses = (p50(served[api]["round_trip"]) for api in APIS)
                rows.append(
                    [
                        profile_name,
                        "server: editor round trip",
                        fmt(chat, 1),
                        fmt(responses, 1),
                        fmt(responses / chat),
                    ]
                )
                emit(
                    NAME,
                    f"{profile_name} server round trip p50",
                    responses / chat,
                    "responses/chat",
                    chat_ms=chat,
                    responses_ms=responses,
                )
                chat, responses = (served[api]["first_content"]["p50"] for api in APIS)
                rows.append(
                    [
                        profile_name,
                        "server: first content (grok/stats)",
                        fmt(chat, 1),
                        fmt(responses, 1),
                        fmt(responses / chat),
                    ]
                )
                emit(
                    NAME,
                    f"{profile_name} server first content p50",
                    responses / chat,
                    "responses/chat",
                    chat_ms=chat,
                    responses_ms=responses,
                )
    finally:
        background.stop()
    body = "\n\n".join(
        [
            "## Chat Completions against the Responses API (`bench/apis.py`)",
            f"Machine: {machine_line(info)}. {args.samples} requests per API and measurement, "
            "the APIs alternating request by request, each first in every other round. p50 in "
            "ms; the ratio is responses / chat (below 1: the Responses API is faster).",
            table(["emulator", "measured", "chat", "responses", "ratio"], rows),
            "`instant`: no time to first token and every token at once, so only the client's and "
            "server's own cost is left; `grok`: 300 ms to the first token, 60 reasoning tokens, "
            "190 tokens/s. The emulator serves both APIs from one model, so a real API's own "
            "difference between them (xAI's routing, its Responses servers) is not in these "
            "figures. The wire measurement runs in the emulator's process (a thread of it), "
            "so its `instant` figures include sharing that process; the server's do not.",
        ]
    )
    if not args.no_report:
        update_report(NAME, body)
        (RESULTS / "apis.md").write_text(body + "\n")
    print(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--quick", action="store_true", help="10 samples")
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.samples = 10
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
