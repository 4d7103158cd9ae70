"""Incremental Server-Sent-Events decoder, following WHATWG HTML "Parsing an event stream"."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_LINE_END = re.compile(r"\r\n|\r|\n")
# No chat chunk comes near this; a line (or an event) longer is a broken or hostile upstream.
MAX_LINE_CHARS = 1 << 20


class LineTooLongError(ValueError):
    """A line, or the data of one event, grew past the decoder's `max_chars`."""


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    data: str
    event: str = "message"
    id: str | None = None
    retry: int | None = None


class SSEDecoder:
    """Turns a byte stream, cut anywhere, into events.

    - Bytes are decoded as UTF-8 (a leading BOM is dropped; invalid bytes become U+FFFD, as the
      spec requires); a character or a CRLF split between two `feed` calls is handled.
    - `id` and `retry` of an event are the last event id and the reconnection time in effect when
      it was dispatched: the spec keeps both across events, so they are None only until the
      stream first sets them.
    - An event is dispatched only by the blank line that ends it. At `close()`, as the spec says,
      an event that was not terminated is discarded: a truncated body is not taken as complete.
    - Linear in the bytes fed, however they are cut: the unterminated line is kept as pieces and
      joined once, when its line end arrives. A line or an event's data longer than `max_chars`
      raises LineTooLongError, so an endless line costs bounded memory.
    """

    def __init__(self, max_chars: int = MAX_LINE_CHARS) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        self._max_chars = max_chars
        self._pieces: list[str] = []  # the current line, not yet terminated
        self._pieces_chars = 0
        self._data_chars = 0
        self._after_cr = False  # the last line ended with CR: an LF that follows belongs to it
        self._data: list[str] = []
        self._event = ""
        self._last_id: str | None = None
        self._retry: int | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode `chunk` and return the events it completes."""
        return self._feed_text(self._decoder.decode(chunk))

    def close(self) -> list[ServerSentEvent]:
        """Mark the end of the stream: flush the UTF-8 decoder, then drop any unterminated event.

        Returns the events the flush completed; since only a blank line dispatches, that is
        always empty for a body cut mid-event. The decoder must not be fed afterwards.
        """
        events = self._feed_text(self._decoder.decode(b"", final=True))
        self._pieces = []
        self._pieces_chars = 0
        self._data = []
        self._data_chars = 0
        self._event = ""
        return events

    def _feed_text(self, text: str) -> list[ServerSentEvent]:
        if not text:
            return []
        if self._after_cr and text.startswith("\n"):
            text = text[1:]
        events: list[ServerSentEvent] = []
        start = 0
        for match in _LINE_END.finditer(text):
            event = self._process_line(self._take_line(text[start : match.start()]))
            if event is not None:
                events.append(event)
            start = match.end()
        if start < len(text):
            self._keep(text[start:])
        self._after_cr = text.endswith("\r")
        return events

    def _keep(self, piece: str) -> None:
        self._pieces_chars += len(piece)
        if self._pieces_chars > self._max_chars:
            raise LineTooLongError(f"a stream line longer than {self._max_chars} characters")
        self._pieces.append(piece)

    def _take_line(self, end: str) -> str:
        if not self._pieces:
            return end
        self._keep(end)
        line = "".join(self._pieces)
        self._pieces = []
        self._pieces_chars = 0
        return line

    def _process_line(self, line: str) -> ServerSentEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data_chars += len(value) + 1
            if self._data_chars > self._max_chars:
                raise LineTooLongError(f"a stream event longer than {self._max_chars} characters")
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:
                self._last_id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self._retry = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        self._data_chars = 0
        if not self._data:
            self._event = ""
            return None
        event = ServerSentEvent(
            data="\n".join(self._data),
            event=self._event or "message",
            id=self._last_id,
            retry=self._retry,
        )
        self._data = []
        self._event = ""
        return event
