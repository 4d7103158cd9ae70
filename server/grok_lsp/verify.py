"""Running the tool behind a diagnostic on a proposed text, and reading what it reports.

A checker is a command line. Where it holds `{stdinFile}`, the text goes on the tool's stdin and
the placeholder becomes the file's real path, so no copy is needed (`ruff check
--stdin-filename`). Where it holds `{copy}`, the text is written to a hidden, uniquely named
sibling of the file, so the tool's configuration still applies, and that copy is always removed;
`{file}` is the real path (mypy's `--shadow-file {file} {copy} {file}` reports under it).

The output is read line by line as `path:line[:col]: message` (ruff's concise format, mypy,
eslint's unix format), `path:line:col - message` (pyright) or `path(line,col): message` (tsc
`--pretty false`); only lines about the file itself count. A tool runs in its own process
group, killed whole on timeout or cancel.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# Diagnostic source (lower case, as editors' servers publish it) -> command.
DEFAULT_CHECKERS: dict[str, tuple[str, ...]] = {
    "ruff": (
        "ruff",
        "check",
        "--no-fix",
        "--no-cache",
        "--quiet",
        "--output-format",
        "concise",
        "--stdin-filename",
        "{stdinFile}",
        "-",
    ),
    "mypy": (
        "mypy",
        "--no-error-summary",
        "--show-column-numbers",
        "--show-error-codes",
        "--no-pretty",
        "--no-color-output",
        "--shadow-file",
        "{file}",
        "{copy}",
        "{file}",
    ),
}
# Where a workspace keeps its own tools, searched before PATH.
_TOOL_DIRS = (".venv/bin", "venv/bin", "env/bin", "node_modules/.bin")
_REPORTED = re.compile(
    r"^(?P<path>[^\n:()]+?)"
    r"(?::(?P<line>\d+)(?::\d+)?(?::| - )|\((?P<paren_line>\d+),\d+\):)\s*(?P<message>.*)$"
)
_NOT_ERRORS = re.compile(r"^\s*(note|warning|info|hint)\b|\[warning/", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Finding:
    line: int  # 0-based
    message: str

    @property
    def error(self) -> bool:
        """Error level: anything but a note, warning or hint (every lint rule ruff reports)."""
        return not _NOT_ERRORS.search(self.message)

    def shown(self) -> str:
        return f"line {self.line + 1}: {self.message}"


@dataclass(frozen=True, slots=True)
class Checker:
    name: str  # what the user is told: "ruff"
    argv: tuple[str, ...]  # the executable resolved


class CheckFailed(Exception):
    """The tool could not give a verdict: missing, hanging, crashing. The message says which."""


def find_checker(
    source: str, configured: Mapping[str, Sequence[str]], places: Sequence[Path]
) -> Checker | str:
    """The checker for a diagnostic source, or why there is none (a sentence for the user).

    `configured` (the setting `actions.verify`) wins over the defaults; an executable named
    bare is looked for in each of `places`' virtualenv and `node_modules/.bin`, then on PATH.
    """
    key = source.lower()
    command = next((tuple(v) for k, v in configured.items() if k.lower() == key), None)
    command = command or DEFAULT_CHECKERS.get(key)
    if not command:
        return f"no checker for `{source}` (set grok.actions.verify)"
    executable = _executable(command[0], places)
    if executable is None:
        return f"{command[0]} was not found"
    return Checker(Path(command[0]).name, (executable, *command[1:]))


def _executable(name: str, places: Sequence[Path]) -> str | None:
    if os.sep in name:
        return name if os.access(name, os.X_OK) else None
    for place in places:
        for folder in _TOOL_DIRS:
            candidate = place / folder / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    return shutil.which(name)


async def run_check(checker: Checker, path: Path, text: str, timeout_s: float) -> list[Finding]:
    """What `checker` reports about `path` if it held `text`; never touches `path` itself."""
    with _copy_if_needed(checker, path, text) as copy:
        argv = [_placeholders(arg, path, copy) for arg in checker.argv]
        stdin = text.encode() if "{stdinFile}" in checker.argv else None
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=path.parent,
                start_new_session=True,  # its own process group, so a timeout kills it whole
            )
        except OSError as error:
            raise CheckFailed(f"{checker.name} could not start ({error.strerror})") from None
        try:
            async with asyncio.timeout(timeout_s):
                out, err = await process.communicate(stdin)
        except TimeoutError:
            raise CheckFailed(f"{checker.name} did not finish within {timeout_s:g} s") from None
        finally:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                await process.wait()
    findings = list(read_report(out.decode(errors="replace"), path, copy, path.parent))
    if process.returncode not in (0, 1) and not findings:
        first = next((ln for ln in err.decode(errors="replace").splitlines() if ln.strip()), "")
        raise CheckFailed(f"{checker.name} failed (exit {process.returncode}): {first[:200]}")
    return findings


@contextlib.contextmanager
def _copy_if_needed(checker: Checker, path: Path, text: str) -> Iterator[Path | None]:
    if "{copy}" not in checker.argv:
        yield None
        return
    copy = path.with_name(f".{path.stem}.grok-check-{uuid.uuid4().hex[:12]}{path.suffix}")
    try:
        copy.write_text(text, encoding="utf-8", newline="")
    except OSError as error:
        raise CheckFailed(f"no copy could be written beside the file ({error.strerror})") from None
    try:
        yield copy
    finally:
        copy.unlink(missing_ok=True)


def _placeholders(arg: str, path: Path, copy: Path | None) -> str:
    arg = arg.replace("{stdinFile}", str(path)).replace("{file}", str(path))
    return arg.replace("{copy}", str(copy)) if copy is not None else arg


def read_report(output: str, path: Path, copy: Path | None, cwd: Path) -> Iterator[Finding]:
    ours = {os.path.realpath(path)} | ({os.path.realpath(copy)} if copy else set())
    for raw in output.splitlines():
        match = _REPORTED.match(raw.strip())
        if match and os.path.realpath(cwd / match["path"].strip()) in ours:
            line = int(match["line"] or match["paren_line"]) - 1
            yield Finding(max(line, 0), match["message"].strip())


def syntax_findings(text: str, filename: str) -> list[Finding]:
    """Python's own verdict: one finding for a syntax error, none for a file that compiles."""
    try:
        compile(text, filename, "exec", dont_inherit=True)
    except SyntaxError as error:
        return [Finding(max((error.lineno or 1) - 1, 0), f"SyntaxError: {error.msg}")]
    except ValueError as error:  # e.g. a NUL byte
        return [Finding(0, f"SyntaxError: {error}")]
    return []


def matches(finding: Finding, code: str | None, message: str) -> bool:
    """Is `finding` the editor's diagnostic? By its code where it has one (`F401`, `[name-defined]`,
    `TS2304` for tsc's 2304), else by the first line of its message."""
    if code:
        return (
            re.search(rf"(?<![\w-])(?:TS)?{re.escape(code)}(?![\w-])", finding.message) is not None
        )
    first = message.split("\n", 1)[0].strip()
    return bool(first) and first in finding.message


def problems_left(
    before: Sequence[Finding],
    after: Sequence[Finding],
    target: tuple[str | None, str] | None,
    touched: range,
) -> list[Finding] | None:
    """What still stands against the edit: the diagnostic (`target`: code and message) if the tool
    reports it as often as before, and error-level findings new on the `touched` lines. Empty: the
    edit is verified. None: the tool does not report the diagnostic at all, so it cannot tell."""
    left: list[Finding] = []
    if target is not None:
        was = [f for f in before if matches(f, *target)]
        still = [f for f in after if matches(f, *target)]
        if not was:
            return None
        if len(still) >= len(was):
            left.extend(still)
    known: dict[str, int] = {}
    for finding in before:
        known[finding.message] = known.get(finding.message, 0) + 1
    for finding in after:
        if known.get(finding.message, 0) > 0:
            known[finding.message] -= 1
        elif finding.error and finding.line in touched and finding not in left:
            left.append(finding)
    return left
