"""What the measuring benchmarks share: a raw LSP client with timestamps, the machine, the report.

`LspProcess` speaks JSON-RPC over a server's stdio itself (no pygls on this side), so that a
request's timestamp is taken right before its bytes go into the pipe and a reply's right after
its last byte is read. Timestamps are `time.monotonic_ns()`: CLOCK_MONOTONIC, one clock for
every process on a Linux machine, so they can be subtracted from those of other processes
(the instrumented upstream in `stub.py`).

Every benchmark prints one JSON line per figure (`emit`) and rewrites its own section of
`bench/results/README.md` between `<!-- name:begin -->` and `<!-- name:end -->` markers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
REPORT = RESULTS / "README.md"
SERVER_COMMAND = [sys.executable, "-m", "grok_lsp", "--log-level", "WARNING"]
# A request that does no work (no document asked for, none returned): a round trip through the
# server's message loop. An unknown method would do as well, but pygls logs each one.
PING = "grok/document"


# --- figures -----------------------------------------------------------------------------------


def emit(bench: str, figure: str, value: float | int | str | None, unit: str, **extra: Any) -> None:
    """One figure, one JSON line on stdout."""
    line = {"bench": bench, "figure": figure, "value": value, "unit": unit, **extra}
    print(json.dumps(line), flush=True)


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(int(fraction * len(ordered)), len(ordered) - 1)
    return ordered[index]


def p50_90_99(values: Sequence[float]) -> dict[str, float]:
    return {f"p{round(f * 100)}": percentile(values, f) for f in (0.5, 0.9, 0.99)}


def ms(ns: float) -> float:
    return ns / 1e6


# --- the machine -------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """What the figures were measured on; call at the start of a run (load average then)."""
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = "unknown"
    with contextlib.suppress(OSError):
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return {
        "cpu": model,
        "nproc": os.cpu_count(),
        "ram_gib": _ram_gib(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": load,
        "kernel": platform.release(),
        "commit": _git_commit(),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    }


def _ram_gib() -> float | None:
    """MemTotal, in GiB to one decimal (None where /proc/meminfo cannot be read)."""
    try:
        total_kib = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        return round(int(total_kib) / 1024 / 1024, 1)
    except (OSError, IndexError, ValueError):
        return None


def _git_commit() -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() or "unknown"


def machine_line(info: dict[str, Any]) -> str:
    return (
        f"{info['cpu']}, {info['nproc']} cores, Python {info['python']}, "
        f"load average {info['load_average']} at start, commit {info['commit']}, {info['date']}"
    )


def hardware_line(info: dict[str, Any]) -> str:
    """CPU, cores, RAM and Python of a `machine()` dict, without the run's moment."""
    ram = f", {info['ram_gib']:.1f} GiB RAM" if info.get("ram_gib") is not None else ""
    return f"{info['cpu']}, nproc {info['nproc']}{ram}, Python {info['python']}"


# --- the report --------------------------------------------------------------------------------

_SKELETON = """# grok-lsp: measured speed

Written by the benchmarks in `bench/`; each rewrites its own section below. See the end of
this page for the other benchmarks' reports.
"""


def update_report(section: str, body: str) -> None:
    """Replace this benchmark's section of `bench/results/README.md` (append it if new)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    begin, end = f"<!-- {section}:begin -->", f"<!-- {section}:end -->"
    text = REPORT.read_text() if REPORT.exists() else _SKELETON
    block = f"{begin}\n{body.rstrip()}\n{end}"
    if begin in text and end in text:
        head, _, rest = text.partition(begin)
        _, _, tail = rest.partition(end)
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    REPORT.write_text(text)


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def fmt(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}"


# --- process memory ----------------------------------------------------------------------------


def rss_kib(pid: int) -> int:
    """VmRSS of one process, in KiB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (children of each of its threads, recursively)."""
    found: list[int] = []
    stack = [pid]
    while stack:
        current = stack.pop()
        tasks = Path(f"/proc/{current}/task")
        with contextlib.suppress(OSError):
            for task in tasks.iterdir():
                with contextlib.suppress(OSError):
                    for child in (task / "children").read_text().split():
                        found.append(int(child))
                        stack.append(int(child))
    return found


def tree_rss_kib(pid: int) -> tuple[int, int, int]:
    """(VmRSS of `pid`, VmRSS summed over it and its descendants, number of descendants)."""
    children = descendants(pid)
    own = rss_kib(pid)
    return own, own + sum(rss_kib(child) for child in children), len(children)


# --- a raw LSP client ---------------------------------------------------------------------------


@dataclass
class Reply:
    result: Any
    error: Any
    sent_ns: int
    received_ns: int

    @property
    def round_trip_ms(self) -> float:
        return ms(self.received_ns - self.sent_ns)


@dataclass
class LspProcess:
    """A language server on stdio, driven with timestamped JSON-RPC."""

    process: asyncio.subprocess.Process
    configuration: dict[str, Any] = field(default_factory=dict)
    notifications: dict[str, int] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    _next_id: int = 0
    _pending: dict[int, asyncio.Future[tuple[dict[str, Any], int]]] = field(default_factory=dict)
    _reader: asyncio.Task[None] | None = None
    _stderr: asyncio.Task[None] | None = None

    @classmethod
    async def start(
        cls,
        argv: Sequence[str],
        env: dict[str, str] | None = None,
        configuration: dict[str, Any] | None = None,
        cwd: str | None = None,
    ) -> LspProcess:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            cwd=cwd,
            limit=1 << 26,
        )
        server = cls(process, configuration or {})
        server._reader = asyncio.create_task(server._read_loop())
        server._stderr = asyncio.create_task(server._drain_stderr())
        return server

    @property
    def pid(self) -> int:
        return self.process.pid

    def _write(self, message: dict[str, Any]) -> int:
        body = json.dumps(message, separators=(",", ":")).encode()
        data = b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        assert self.process.stdin is not None
        sent = time.monotonic_ns()
        self.process.stdin.write(data)
        return sent

    def notify(self, method: str, params: Any) -> int:
        """Send a notification; returns when its bytes went out (monotonic ns)."""
        return self._write({"jsonrpc": "2.0", "method": method, "params": params})

    def send(
        self, method: str, params: Any
    ) -> tuple[int, asyncio.Future[tuple[dict[str, Any], int]], int]:
        """Send a request without waiting: (id, future of (message, received_ns), sent_ns)."""
        self._next_id += 1
        ident = self._next_id
        future: asyncio.Future[tuple[dict[str, Any], int]] = (
            asyncio.get_running_loop().create_future()
        )
        self._pending[ident] = future
        sent = self._write({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        return ident, future, sent

    async def request(self, method: str, params: Any, limit_s: float = 60.0) -> Reply:
        _, future, sent = self.send(method, params)
        message, received = await asyncio.wait_for(future, limit_s)
        return Reply(message.get("result"), message.get("error"), sent, received)

    async def ping(self) -> Reply:
        """A round trip through the server's message loop that does no work."""
        return await self.request(PING, None)

    async def drain(self) -> None:
        assert self.process.stdin is not None
        await self.process.stdin.drain()

    async def _read_loop(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        try:
            while True:
                header = await stdout.readuntil(b"\r\n\r\n")
                length = 0
                for line in header.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                body = await stdout.readexactly(length)
                received = time.monotonic_ns()
                self._dispatch(json.loads(body), received)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(ConnectionError("the server went away"))

    def _dispatch(self, message: dict[str, Any], received: int) -> None:
        method = message.get("method")
        ident = message.get("id")
        if method is None:
            future = self._pending.pop(ident, None) if isinstance(ident, int) else None
            if future is not None and not future.done():
                future.set_result((message, received))
            return
        if ident is None:
            self.notifications[method] = self.notifications.get(method, 0) + 1
            if method in ("window/logMessage", "window/showMessage"):
                self.log.append(str(message.get("params", {}).get("message", "")))
            return
        result: Any = None
        if method == "workspace/configuration":
            items = message.get("params", {}).get("items", [])
            result = [self.configuration.get(item.get("section"), None) for item in items]
        self._write({"jsonrpc": "2.0", "id": ident, "result": result})

    async def _drain_stderr(self) -> None:
        stderr = self.process.stderr
        assert stderr is not None
        while line := await stderr.readline():
            self.log.append(line.decode(errors="replace").rstrip())

    async def close(self, limit_s: float = 10.0) -> None:
        """`shutdown`, `exit`, then wait; killed if it does not go."""
        if self.process.returncode is None:
            with contextlib.suppress(Exception):
                await self.request("shutdown", None, limit_s=limit_s)
                self.notify("exit", None)
                await self.drain()
            try:
                await asyncio.wait_for(self.process.wait(), limit_s)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        for task in (self._reader, self._stderr):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


def vscode_capabilities() -> dict[str, Any]:
    """What a current VS Code advertises that matters here (inline completion, UTF-16)."""
    return {
        "general": {"positionEncodings": ["utf-16"]},
        "workspace": {
            "configuration": True,
            "didChangeConfiguration": {"dynamicRegistration": True},
            "workspaceFolders": True,
        },
        "textDocument": {
            "synchronization": {"didSave": True, "dynamicRegistration": True},
            "inlineCompletion": {"dynamicRegistration": True},
            "completion": {"completionItem": {"snippetSupport": True}},
            "codeAction": {"resolveSupport": {"properties": ["edit"]}, "dataSupport": True},
        },
        "window": {"workDoneProgress": True},
    }


async def initialize(
    server: LspProcess, root_uri: str, options: dict[str, Any] | None = None
) -> Reply:
    reply = await server.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": root_uri,
            "capabilities": vscode_capabilities(),
            "initializationOptions": options,
            "clientInfo": {"name": "grok-lsp-bench", "version": "1"},
            "workspaceFolders": [{"uri": root_uri, "name": "bench"}],
        },
    )
    server.notify("initialized", {})
    return reply


def open_document(server: LspProcess, uri: str, text: str, language: str = "python") -> int:
    return server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}},
    )


def position_of(text: str, offset: int) -> dict[str, int]:
    """The LSP position (UTF-16) of `offset` in `text` with only `\\n` line breaks."""
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return {"line": line, "character": len(text[start:offset].encode("utf-16-le")) // 2}


def start_stub() -> tuple[subprocess.Popen[str], str]:
    """`bench/stub.py` in its own process: (the process, its base URL without `/v1`)."""
    stub = subprocess.Popen(
        [sys.executable, str(BENCH / "stub.py")], stdout=subprocess.PIPE, text=True
    )
    assert stub.stdout is not None
    return stub, f"http://127.0.0.1:{int(stub.stdout.readline())}"


def server_env(base_url: str, state_dir: str, **extra: str) -> dict[str, str]:
    """grok-lsp's environment: a test key, this upstream, and a throwaway state directory."""
    env = {k: v for k, v in os.environ.items() if k != "XAI_API_KEY"}
    env.update(
        {
            "XAI_API_KEY": "xai-bench-0123456789abcdef0123",
            "GROK_LSP_BASE_URL": base_url,
            "GROK_LSP_STATE_DIR": state_dir,
        }
    )
    env.update(extra)
    return env


# --- synthetic source files ----------------------------------------------------------------------

_FUNCTION = (
    "def function_{i}(items, limit):\n"
    '    """Sum the first items, scaled by {i}."""\n'
    "    total = 0\n"
    "    for item in items[:limit]:\n"
    "        total += item * {i}\n"
    "    return total\n"
    "\n"
)
CURSOR_LINE = "    result = compute_"  # the line the benchmarks type on; the cursor at its end


def synthetic_python(lines: int) -> tuple[str, int]:
    """A Python file of exactly `lines` lines (about 27 characters each) and the offset of a
    cursor at the end of `CURSOR_LINE`, which replaces the file's middle line."""
    body = "".join(_FUNCTION.format(i=i) for i in range(lines // 7 + 1)).split("\n")[:lines]
    middle = lines // 2
    body[middle] = CURSOR_LINE
    text = "\n".join(body) + "\n"
    offset = sum(len(line) + 1 for line in body[:middle]) + len(CURSOR_LINE)
    return text, offset
