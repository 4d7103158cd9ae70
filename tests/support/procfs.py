"""What a process holds, read from Linux's /proc: resident memory (now and at its peak, of a
process or its whole tree) and the TCP connections it has to a port."""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from pathlib import Path

_TCP_STATES = {
    "01": "ESTABLISHED",
    "02": "SYN_SENT",
    "03": "SYN_RECV",
    "04": "FIN_WAIT1",
    "05": "FIN_WAIT2",
    "06": "TIME_WAIT",
    "07": "CLOSE",
    "08": "CLOSE_WAIT",
    "09": "LAST_ACK",
    "0A": "LISTEN",
    "0B": "CLOSING",
}


def rss_kib(pid: int) -> int:
    """VmRSS of one process, in KiB (0 once it is gone)."""
    return _status_kib(pid, "VmRSS:")


def _status_kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field):
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


def peak_rss_kib(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM), in KiB (0 once it is gone)."""
    return _status_kib(pid, "VmHWM:")


def tcp_connections(pid: int, port: int) -> Counter[str]:
    """The TCP sockets process `pid` holds to `port`, counted by state (ESTABLISHED, ...).

    `/proc/<pid>/net/tcp` lists every socket of the network namespace; only those whose inode
    is one of the process's open file descriptors are its own.
    """
    inodes: set[str] = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir() if fd_dir.exists() else ():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    states: Counter[str] = Counter()
    for table in ("tcp", "tcp6"):
        try:
            rows = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            remote, state, inode = fields[2], fields[3], fields[9]
            if inode in inodes and int(remote.rsplit(":", 1)[1], 16) == port:
                states[_TCP_STATES.get(state, state)] += 1
    return states


def established(pid: int, port: int) -> int:
    return tcp_connections(pid, port)["ESTABLISHED"]
