"""Reading LSP frames from stdin: `Content-Length` headers, then bodies, back in step at the next
header whatever the client sends.

pygls's reader trusts every `Content-Length`: one that is short, long or `-1` leaves it reading
bodies from the middle of other messages for good, and 10**12 or 10**20 crashes the process
(MemoryError, OverflowError). Here a header is checked before its body is read, a frame over
`MAX_FRAME_BYTES` is refused, and a body that does not end where its header says is recovered
from the bytes up to the next header when those are one JSON value, or else dropped. Each
problem is one log line; the server goes on.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from typing import BinaryIO

log = logging.getLogger(__name__)

# A 50 MB file is served (and refused for sending); JSON escaping makes its didOpen larger.
MAX_FRAME_BYTES = 128 * 1024 * 1024
MAX_HEADER_BYTES = 8192
READ_BYTES = 1 << 16
_HEADER_END = b"\r\n\r\n"
_MARKER = re.compile(rb"content-length:", re.I)
_MARKER_CHARS = len(b"content-length:")


class FrameSplitter:
    """Bytes in, whole message bodies out; pure (no I/O), so it can be fed cut anywhere."""

    def __init__(
        self, max_frame: int = MAX_FRAME_BYTES, max_header: int = MAX_HEADER_BYTES
    ) -> None:
        self._max_frame = max_frame
        self._max_header = max_header
        self._buffer = bytearray()
        self._scanned = 0  # how far a body still arriving was searched for the next header

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        bodies: list[bytes] = []
        while (body := self._next()) is not None:
            bodies.append(body)
        return bodies

    def _next(self) -> bytes | None:
        while True:
            buffer = self._buffer
            end = buffer.find(_HEADER_END)
            if end < 0:
                if len(buffer) > self._max_header:
                    log.warning("dropped %d bytes that are no LSP header", len(buffer))
                    self._skip_to_header()
                return None
            start = end + len(_HEADER_END)
            length = _content_length(bytes(buffer[:end]))
            if length is None:
                log.warning("a frame header without a valid Content-Length: %r", _shown(buffer))
                self._skip_to_header()
                continue
            if length > self._max_frame:
                log.warning(
                    "a frame of %d bytes is over the limit of %d bytes: skipped to the next header",
                    length,
                    self._max_frame,
                )
                self._skip_to_header()
                continue
            if len(buffer) - start >= length:
                end = start + length
                if _is_json(buffer[start:end]) or _header_at(buffer, end):
                    return self._take(start, end)
                if len(buffer) == end:  # a cut JSON value, or one and the next header's start,
                    # waits for what follows; a body that no cut explains is taken as it is
                    return None if _unfinished(buffer[start:end]) else self._take(start, end)
                return self._recover(start, length)
            return self._early(start, length)

    def _early(self, start: int, length: int) -> bytes | None:
        """A body still arriving: a header that claims more than its message ends where the
        next header begins, or, when nothing follows, where what arrived is one JSON value."""
        buffer = self._buffer
        found = _MARKER.search(buffer, max(start, self._scanned - _MARKER_CHARS))
        self._scanned = len(buffer)
        until = found.start() if found else len(buffer)
        if (found or buffer.endswith(b"}")) and _is_json(buffer[start:until]):
            log.warning("Content-Length %d, but the body was %d bytes", length, until - start)
            return self._take(start, until)
        return None

    def _recover(self, start: int, length: int) -> bytes | None:
        """The bytes after a body are no header: its Content-Length was short."""
        found = _MARKER.search(self._buffer, start)
        until = found.start() if found else len(self._buffer)
        if _is_json(self._buffer[start:until]):
            log.warning("Content-Length %d, but the body was %d bytes", length, until - start)
            return self._take(start, until)
        if found is None:
            return None  # the rest may still be coming
        log.warning("dropped a frame whose Content-Length (%d) did not fit its body", length)
        del self._buffer[: found.start()]
        self._scanned = 0
        return self._next()

    def _take(self, start: int, end: int) -> bytes:
        body = bytes(self._buffer[start:end])
        del self._buffer[:end]
        self._scanned = 0
        return body

    def _skip_to_header(self) -> None:
        """Drop what comes before the next `Content-Length:` after the buffer's first byte;
        without one, keep only what could be the start of one."""
        found = _MARKER.search(self._buffer, 1)
        del self._buffer[: found.start() if found else max(1, len(self._buffer) - _MARKER_CHARS)]
        self._scanned = 0


def _content_length(header: bytes) -> int | None:
    for line in header.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            digits = value.strip()
            # 13 digits at most: a number that long is refused without building it.
            return int(digits) if digits.isdigit() and len(digits) <= 13 else None
    return None


def _header_at(buffer: bytearray, at: int) -> bool:
    """A header begins at `at` (as far as can be told before its name has all arrived)."""
    return bytes(buffer[at : at + 8]).lower() == b"content-"


def _unfinished(body: bytes | bytearray) -> bool:
    """Whether `body` could be a JSON value cut short, or one followed by the start of the next
    header: what a short or long Content-Length gives when the bytes end at its claimed end."""
    try:
        json.loads(body)
    except json.JSONDecodeError as error:
        if error.msg.startswith("Unterminated string") or error.pos >= len(error.doc):
            return True
        rest = error.doc[error.pos :].lower()
        marker = "content-length:"
        return error.msg == "Extra data" and (rest.startswith(marker) or marker.startswith(rest))
    except ValueError:  # not UTF-8: no cut makes it JSON
        return False
    return False


def _is_json(body: bytes | bytearray) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def _shown(buffer: bytearray) -> bytes:
    return bytes(buffer[: min(80, buffer.find(_HEADER_END))])


async def serve(
    stop: threading.Event, stdin: BinaryIO, receive: Callable[[bytes], None], executor: Executor
) -> None:
    """Read `stdin` on `executor` until it ends, handing each body to `receive`."""
    loop = asyncio.get_running_loop()
    read = getattr(stdin, "read1", stdin.read)
    splitter = FrameSplitter()
    while not stop.is_set():
        data = await loop.run_in_executor(executor, read, READ_BYTES)
        if not data:
            break
        for body in splitter.feed(data):
            receive(body)
