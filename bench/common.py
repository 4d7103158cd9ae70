"""What the benchmarks share: their figures (one JSON line each, percentiles computed as
`grok/stats` computes them), the machine they ran on, their report, the instrumented
upstream, and synthetic source files.

Every benchmark prints one JSON line per figure (`emit`) and rewrites its own section of
`bench/results/README.md` between `<!-- name:begin -->` and `<!-- name:end -->` markers.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from grok_lsp.metrics import percentile

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
REPORT = RESULTS / "README.md"


# --- figures -----------------------------------------------------------------------------------


def emit(bench: str, figure: str, value: float | int | str | None, unit: str, **extra: Any) -> None:
    """One figure, one JSON line on stdout."""
    line = {"bench": bench, "figure": figure, "value": value, "unit": unit, **extra}
    print(json.dumps(line), flush=True)


def p50_90_99(values: Sequence[float]) -> dict[str, float]:
    return {f"p{round(f * 100)}": percentile(values, f) for f in (0.5, 0.9, 0.99)}


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


def start_stub() -> tuple[subprocess.Popen[str], str]:
    """`bench/stub.py` in its own process: (the process, its base URL without `/v1`)."""
    stub = subprocess.Popen(
        [sys.executable, str(BENCH / "stub.py")], stdout=subprocess.PIPE, text=True
    )
    assert stub.stdout is not None
    return stub, f"http://127.0.0.1:{int(stub.stdout.readline())}"


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
