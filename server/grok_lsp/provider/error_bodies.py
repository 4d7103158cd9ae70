"""Reading an error response: its message, a classification hint, a status, a retry delay."""

from __future__ import annotations

import html
import json
import math
import re
import time
from collections.abc import Mapping
from datetime import UTC
from typing import Any

_SCRIPT_OR_TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.I | re.S)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_MAX_TEXT = 200  # of a page that is not JSON: a title or the start of the text
_MAX_MESSAGE = 500  # of the API's own message


def body_message(status: int, body: bytes) -> tuple[str, str]:
    """(message, classification hint) of an error body: JSON, else a cleaned text prefix."""
    payload = json_object(body)
    found = payload_message(payload) if payload is not None else None
    if found is not None:
        return _shortened(" ".join(found[0].split()), _MAX_MESSAGE), found[1][:_MAX_MESSAGE]
    return _text_message(body) or _status_text(status), ""


def json_object(body: bytes) -> Mapping[str, Any] | None:
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def payload_message(payload: Mapping[str, Any]) -> tuple[str, str] | None:
    """(message, hint) from xAI's flat `{"code", "error"}` or OpenAI's nested `{"error": {...}}`."""
    error = payload.get("error")
    if isinstance(error, str) and error.strip():
        # xAI's flat body: its "code" is only the status text, so it is no hint.
        return error.strip(), ""
    if isinstance(error, Mapping):
        hint = " ".join(str(error[k]) for k in ("type", "code") if isinstance(error.get(k), str))
        message = error.get("message")
        if isinstance(message, str) and message.strip():
            return message.strip(), hint
        if hint:
            return hint, hint
    message = payload.get("message")
    if isinstance(message, str) and message.strip():
        return message.strip(), ""
    return None


def payload_status(payload: Mapping[str, Any]) -> int | None:
    """An HTTP status given as a numeric `code` in an error object, if any."""
    error = payload.get("error")
    for code in (error.get("code") if isinstance(error, Mapping) else None, payload.get("code")):
        if isinstance(code, str) and code.isdigit():
            code = int(code)
        if isinstance(code, int) and not isinstance(code, bool) and 100 <= code <= 599:
            return code
    return None


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait from `retry-after-ms`, or `retry-after` in seconds or as an HTTP-date."""
    lowered = {key.lower(): value for key, value in headers.items()}
    millis = _non_negative(lowered.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000
    value = lowered.get("retry-after")
    if value is None:
        return None
    seconds = _non_negative(value)
    if seconds is not None:
        return seconds
    # email.utils and http (below) are imported where used: they took ~15 ms of every start,
    # before `initialize` was answered, for error responses that come later if at all.
    from email.utils import parsedate_to_datetime

    try:
        date = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    return max(0.0, date.timestamp() - (time.time() if now is None else now))


def _text_message(body: bytes) -> str:
    """A short, single-line, printable prefix of a non-JSON body (an HTML page's title)."""
    text = body[:8192].decode("utf-8", "replace")
    title = _TITLE.search(text)
    text = html.unescape(_SCRIPT_OR_TAG.sub(" ", title.group(1) if title else text))
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return _shortened(text, _MAX_TEXT)


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _status_text(status: int) -> str:
    from http import HTTPStatus  # (imported here: see `parse_retry_after`)

    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _non_negative(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None
