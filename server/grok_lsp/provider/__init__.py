"""Client for xAI's OpenAI-compatible chat API: SSE decoding, chunk parsing, errors, usage."""
