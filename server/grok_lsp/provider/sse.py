"""Incremental Server-Sent-Events decoder, following WHATWG HTML "Parsing an event stream"."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_LINE_END = re.compile(r"\r\n|\r|\n")


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
    """

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        self._line = ""  # the current line, not yet terminated
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
        self._line = ""
        self._data = []
        self._event = ""
        return events

    def _feed_text(self, text: str) -> list[ServerSentEvent]:
        if not text:
            return []
        if self._after_cr and text.startswith("\n"):
            text = text[1:]
        buffer = self._line + text
        events: list[ServerSentEvent] = []
        start = 0
        # The kept partial line holds no line end, so scanning starts with the new text.
        for match in _LINE_END.finditer(buffer, len(self._line)):
            event = self._process_line(buffer[start : match.start()])
            if event is not None:
                events.append(event)
            start = match.end()
        self._line = buffer[start:]
        self._after_cr = buffer.endswith("\r")
        return events

    def _process_line(self, line: str) -> ServerSentEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
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
