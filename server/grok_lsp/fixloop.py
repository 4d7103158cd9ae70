"""Propose, check, iterate: a code action's edit is checked by a tool before it is offered.

The model's answer is applied to the text (never to the user's buffer), the tool behind the
diagnostic runs on the result (see verify.py), and a failed check goes back to the model as the
next turn of the same conversation: the prompt so far is sent unchanged, so its prefix stays in
the provider's cache and only the new turn is paid in full. Up to `actions.maxAttempts`
answers, all within `actions.timeoutMs`. The last answer is offered whatever the verdict; the
verdict says whether, and by what, it was verified.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path

from grok_lsp.ask import Progress, Reply, ask
from grok_lsp.editanswer import Answer, MalformedAnswer
from grok_lsp.metrics import ActionCost
from grok_lsp.provider.errors import ProviderTimeoutError
from grok_lsp.provider.request import ChatRequest
from grok_lsp.server import GrokServer
from grok_lsp.verify import (
    Checker,
    CheckFailed,
    Finding,
    find_checker,
    problems_left,
    run_check,
    syntax_findings,
)

log = logging.getLogger(__name__)
_SHOWN_FINDINGS = 5  # a report to the model or the user names at most this many


@dataclass(frozen=True, slots=True)
class Check:
    """How an edit of one file is checked."""

    path: Path | None  # the file on disk; None for an untitled buffer
    checker: Checker | None
    unavailable: str  # why there is no checker, when there is none
    target: tuple[str | None, str] | None  # the diagnostic's code and message
    python: bool  # also Python's own syntax check

    @property
    def name(self) -> str:
        return self.checker.name if self.checker else "Python's parser"


@dataclass(frozen=True, slots=True)
class Outcome:
    answer: Answer
    verified: bool
    verdict: str  # "verified by ruff", "not verified: …"
    model: str  # the model that answered, as messages name it


class UnusableAnswer(Exception):
    """The first answer was not an edit at all: there is nothing to check or offer."""

    def __init__(self, reply: Reply, error: MalformedAnswer) -> None:
        super().__init__(str(error))
        self.reply = reply


# An answer's text read as an edit (raising MalformedAnswer if it is none), with the new text
# of the whole document and the lines it touches, or None if the edit is not usable.
Candidate = Callable[[str], "tuple[Answer, tuple[str, range] | None]"]


async def propose(
    ls: GrokServer,
    request: ChatRequest,
    progress: Progress,
    check: Check,
    original: str,
    candidate: Candidate,
    spent: ActionCost,
    current: Callable[[], bool],
) -> Outcome:
    """The last answer and its verdict; `current()` false (the user typed) stops the attempts."""
    settings = ls.settings.actions
    checked = check.checker is not None or check.python
    attempts = settings.max_attempts if checked else 1
    before = asyncio.create_task(_findings(ls, check, original)) if checked else None
    messages = list(request.messages)
    seconds = settings.timeout_ms / 1000
    last: Outcome | None = None
    unusable: UnusableAnswer | None = None  # the latest answer that was no edit at all
    try:
        async with asyncio.timeout(seconds):
            for attempt in range(1, attempts + 1):
                if attempt > 1 and not current():
                    break  # the caller refuses a stale edit: no answer is worth paying for
                if attempt > 1:
                    progress.say(f"attempt {attempt} of {attempts}: asking {request.model}…")
                spent.attempts = attempt
                reply = await ask(
                    ls, dataclasses.replace(request, messages=messages), progress, spent
                )
                try:
                    answer, made = candidate(reply.text)
                except MalformedAnswer as error:
                    # Told why, a model usually answers in form the next time (the same turn
                    # as a tool's report, so the cached prefix stays).
                    unusable = UnusableAnswer(reply, error)
                    report = _report_turn("grok-lsp", [str(error)], attempt, checked=False)
                    messages += _turns(reply, report)
                    continue
                if made is None:  # no change, or one the caller refuses: nothing to check
                    return Outcome(answer, False, "not verified: no usable edit", reply.model)
                if before is None:
                    verdict = f"not verified: {check.unavailable}"
                    return Outcome(answer, False, verdict, reply.model)
                progress.say(f"checking with {check.name}…")
                outcome, left = await _judge(ls, check, reply, answer, made, await before)
                if not left:
                    return outcome
                last, unusable = outcome, None
                shown = [finding.shown() for finding in left]
                messages += _turns(reply, _report_turn(check.name, shown, attempt))
    except TimeoutError:
        if last is None:
            raise ProviderTimeoutError(f"no checked answer within {seconds:g} s") from None
        return dataclasses.replace(last, verdict=f"{last.verdict} (out of time for another try)")
    finally:
        if before is not None and not before.done():
            before.cancel()
    if last is None:  # every answer was no edit (a stale document stops before a second)
        assert unusable is not None
        raise unusable
    return last  # the last checked answer; a later one that was no edit does not replace it


def _turns(reply: Reply, report: str) -> list[dict[str, str]]:
    """The model's answer and the report on it: the next turns of the conversation."""
    return [{"role": "assistant", "content": reply.text}, {"role": "user", "content": report}]


async def _judge(
    ls: GrokServer,
    check: Check,
    reply: Reply,
    answer: Answer,
    made: tuple[str, range],
    before: list[Finding] | str,
) -> tuple[Outcome, list[Finding]]:
    """The verdict on one answer, and what the model is to be told if it failed."""

    def unverified(why: str) -> Outcome:
        return Outcome(answer, False, f"not verified: {why}", reply.model)

    text, touched = made
    if isinstance(before, str):
        return unverified(before), []
    after = await _findings(ls, check, text)
    if isinstance(after, str):
        return unverified(after), []
    left = problems_left(before, after, check.target if check.checker else None, touched)
    if left is None:
        why = f"{check.name} does not report this diagnostic here, so it cannot tell"
        return unverified(why), []
    if left:
        shown = "; ".join(finding.shown() for finding in left[:_SHOWN_FINDINGS])
        return unverified(f"{check.name} still reports {shown}"), left
    if check.checker is None:
        return unverified(f"{check.unavailable} (the syntax is fine)"), []
    return Outcome(answer, True, f"verified by {check.name}", reply.model), []


async def _findings(ls: GrokServer, check: Check, text: str) -> list[Finding] | str:
    """What the tool (and Python's parser) report on `text`, or why they could not say."""
    findings = syntax_findings(text, str(check.path or "<buffer>")) if check.python else []
    if check.checker is None or check.path is None:
        return findings
    timeout = ls.settings.actions.verify_timeout_ms / 1000
    try:
        return findings + await run_check(check.checker, check.path, text, timeout)
    except CheckFailed as error:
        log.info("check not made: %s", error)
        return str(error)


def _report_turn(tool: str, problems: list[str], attempt: int, checked: bool = True) -> str:
    lines = "\n".join(escape(problem, quote=False) for problem in problems[:_SHOWN_FINDINGS])
    why = (
        f"Your edit was applied to a copy of the file and checked with {tool}, which reports the "
        "above (line numbers are in the edited file)."
        if checked
        else "Your answer could not be applied as an edit, for the reason above."
    )
    return (
        f'<check_report tool="{escape(tool)}" attempt="{attempt}">\n{lines}\n</check_report>\n'
        f"{why} Answer again with the same kind of JSON object, for the same target lines as "
        "before, fixing what it reports."
    )


def check_for(
    ls: GrokServer,
    path: Path | None,
    language: str,
    diagnostic: tuple[str | None, str | None, str] | None,
) -> Check:
    """How to check an edit of `path`: with the tool behind the diagnostic (its source, code and
    message), or for a refactor with the language's linter (ruff for Python) where there is one."""
    python = language == "python" or (path is not None and path.suffix in (".py", ".pyi"))
    source, target = (diagnostic[0], diagnostic[1:]) if diagnostic else (None, None)
    name = source or ("ruff" if python else None)
    if name is None:
        return Check(path, None, f"no checker for `{language or 'this language'}`", None, python)
    if path is None or not path.parent.is_dir():
        return Check(path, None, "the file is not on disk for a tool to check", None, python)
    root = ls.workspace.root_path
    places = list(path.parents)
    if root and path.is_relative_to(root):
        places = [place for place in places if place.is_relative_to(root)]
    found = find_checker(name, ls.settings.actions.verify, places)
    if isinstance(found, str):
        return Check(path, None, found, None, python)
    return Check(path, found, "", target, python)
