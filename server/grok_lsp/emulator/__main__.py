"""`python -m grok_lsp.emulator --port N [...]`: serve the emulator until interrupted."""

from __future__ import annotations

import argparse
import contextlib
import sys

from grok_lsp.emulator.config import EmulatorConfig
from grok_lsp.emulator.runner import run


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The emulator's options, for this entry point and for `grok-lsp emulator`."""
    defaults = EmulatorConfig()
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="interface to bind (default: loopback only)")
    add("--port", type=int, default=8765, help="port to listen on (default: %(default)s)")
    add("--ttft-ms", type=float, default=defaults.ttft_ms, help="time to first token, ms")
    add(
        "--tps",
        type=float,
        default=defaults.tokens_per_second,
        help="tokens per second after the first; 0 sends all at once",
    )
    add(
        "--reasoning-tokens",
        type=int,
        default=defaults.reasoning_tokens,
        help="reasoning tokens streamed before each answer",
    )
    add(
        "--prefill-ms-per-1k",
        type=float,
        default=defaults.prefill_ms_per_1k_uncached,
        help="extra time to first token per 1000 uncached prompt tokens, ms",
    )
    add(
        "--block-tokens",
        type=int,
        default=defaults.block_tokens,
        help="prefix-cache block size in tokens",
    )
    add(
        "--require-api-key",
        default=None,
        metavar="KEY",
        help="accept only this bearer key (default: accept any)",
    )


def config_from_args(ns: argparse.Namespace) -> EmulatorConfig:
    return EmulatorConfig(
        ttft_ms=ns.ttft_ms,
        tokens_per_second=ns.tps,
        reasoning_tokens=ns.reasoning_tokens,
        prefill_ms_per_1k_uncached=ns.prefill_ms_per_1k,
        block_tokens=ns.block_tokens,
        require_api_key=ns.require_api_key,
    )


def main(argv: list[str] | None = None, prog: str = "python -m grok_lsp.emulator") -> int:
    """`prog`: the command as the user typed it, for `--help` and usage errors."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="A local stand-in for xAI's chat-completions API (model grok-lsp-emulator).",
    )
    add_arguments(parser)
    ns = parser.parse_args(argv)
    config = config_from_args(ns)
    print(f"grok-lsp emulator on http://{ns.host}:{ns.port}/v1", file=sys.stderr)
    with contextlib.suppress(KeyboardInterrupt):
        run(ns.host, ns.port, config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
