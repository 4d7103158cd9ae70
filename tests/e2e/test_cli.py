"""The first commands a new user runs print only what is theirs to read."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_try_prints_no_pygls_warnings_when_the_server_logs(tmp_path: Path) -> None:
    # An unreachable API makes the server log its failures to the editor (window/logMessage).
    env = {
        **os.environ,
        "XAI_API_KEY": "xai-testkey-0123456789abcdef",
        "GROK_LSP_BASE_URL": f"http://127.0.0.1:{closed_port()}/v1",
        "GROK_LSP_STATE_DIR": str(tmp_path),
    }
    command = [sys.executable, "-m", "grok_lsp", "try", str(ROOT / "examples" / "fib.py")]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    output = done.stdout + done.stderr
    assert "cannot reach the API" in output  # the failure is told, once, in the server's words
    assert "pygls" not in output and "Ignoring notification" not in output


def test_the_emulator_subcommand_names_itself_as_typed() -> None:
    command = [sys.executable, "-m", "grok_lsp", "emulator", "--help"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.startswith("usage: grok-lsp emulator ")
    assert "python -m" not in done.stdout
