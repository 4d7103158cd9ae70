"""Keeps the API key out of exception messages and logs."""

MASK = "<redacted>"


def redact(text: str, secret: str | None) -> str:
    """Return `text` with every occurrence of `secret` replaced by a mask.

    A masked echo such as xAI's "xai-****abcd" is left alone: only the full secret is removed.
    """
    if not secret:
        return text
    return text.replace(secret, MASK)
