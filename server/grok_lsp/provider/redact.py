"""Keeps the API key out of exception messages and logs."""

from grok_lsp.masking import MASK, mask

__all__ = ["MASK", "redact"]


def redact(text: str, secret: str | None) -> str:
    """`text` with `secret`, every key the server has held, and anything shaped like an xAI
    key masked (`masking.mask`). A masked echo such as xAI's "xai-****abcd" is left alone."""
    return mask(text, secret)
