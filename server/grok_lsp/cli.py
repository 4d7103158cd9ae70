"""`grok-lsp`: serve over stdio (default) or TCP; `grok-lsp try` and `grok-lsp emulator`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from grok_lsp import __version__, logging_setup


def build_parser() -> argparse.ArgumentParser:
    from grok_lsp.emulator.__main__ import add_arguments as add_emulator_arguments

    parser = argparse.ArgumentParser(
        prog="grok-lsp", description="xAI's grok-code-fast-1 in any LSP editor."
    )
    parser.add_argument("--version", action="version", version=f"grok-lsp {__version__}")
    parser.add_argument("--tcp", action="store_true", help="serve over TCP (for debugging)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2087)
    parser.add_argument("--log-level", default="WARNING", help="DEBUG, INFO, WARNING, ERROR")
    parser.add_argument("--log-file", help="log here instead of stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    trying = commands.add_parser("try", help="ask for one suggestion, as an editor would")
    trying.add_argument("file", help="a source file")
    trying.add_argument("--line", type=int, help="1-based line (default: the last line)")
    trying.add_argument("--col", type=int, help="1-based column (default: end of the line)")
    trying.add_argument("--repeat", type=int, default=2, help="ask this many times (cache)")

    emulating = commands.add_parser("emulator", help="a local xAI-compatible API for tests")
    add_emulator_arguments(emulating)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging_setup.configure(args.log_level, args.log_file)
    if args.command == "try":
        from grok_lsp.trysession import run_try

        return run_try(args.file, args.line, args.col, args.repeat)
    if args.command == "emulator":
        from grok_lsp.emulator.__main__ import config_from_args
        from grok_lsp.emulator.runner import run

        print(f"grok-lsp emulator on http://{args.host}:{args.port}/v1", file=sys.stderr)
        run(args.host, args.port, config_from_args(args))
        return 0
    from grok_lsp.server import create_server

    server = create_server()
    if args.tcp:
        server.start_tcp(args.host, args.port)
    else:
        server.start_io()
    return 0


if __name__ == "__main__":
    sys.exit(main())
