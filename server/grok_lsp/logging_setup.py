"""Logging to stderr or a file (stdout carries the protocol), with secrets masked.

pygls logs whole `initialize` params and every outgoing message at INFO, which would print an
API key sent in `initializationOptions`; its loggers stay at WARNING and every record passes a
filter that masks every key the server has held and anything shaped like an xAI key
(`masking.mask`).
"""

from __future__ import annotations

import logging
import sys

from grok_lsp.masking import mask


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
            record.exc_text = None
        record.msg = mask(message)
        record.args = None
        return True


REDACTOR = RedactingFilter()


def configure(level: str = "INFO", log_file: str | None = None) -> None:
    handler: logging.Handler = (
        logging.FileHandler(log_file, encoding="utf-8")
        if log_file
        else logging.StreamHandler(sys.stderr)
    )
    handler.addFilter(REDACTOR)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("pygls").setLevel(max(logging.WARNING, root.level))
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
