"""`grok-lsp`: serve over stdio (default) or TCP; `grok-lsp try` and `grok-lsp emulator`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from grok_lsp import __version__, logging_setup


def build_parser() -> argparse.ArgumentParser:
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

    # Listed for --help; `main` hands `grok-lsp emulator …` to the emulator's own parser, so
    # serving never imports Starlette and uvicorn.
    commands.add_parser("emulator", help="a local xAI-compatible API (see: emulator --help)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["emulator"]:
        from grok_lsp.emulator.__main__ import main as emulator_main

        return emulator_main(arguments[1:], prog="grok-lsp emulator")
    args = build_parser().parse_args(arguments)
    logging_setup.configure(args.log_level, args.log_file)
    if args.command == "try":
        from grok_lsp.trysession import run_try

        return run_try(args.file, args.line, args.col, args.repeat)
    from grok_lsp.wiring import create_server

    server = create_server()
    if args.tcp:
        server.start_tcp(args.host, args.port)
    else:
        server.start_io()
    server.governor.flush()  # the client may have gone without a shutdown request
    return server.exit_code


if __name__ == "__main__":
    sys.exit(main())
