"""The credential scrub's cost: the rules before gitleaks' (main's `redaction.py`) against
today's, side by side in one run, on the same texts.

Measured in-process, median of N runs each:
- **scrub** of a typical per-keystroke tail (cursor region and one edit, ~1 KB), of a snapshot
  window (the default budget's 28,800 characters) and of a whole 50,000-line file (2 MB: what
  scrubbing everything on every keystroke would cost, which the prompt does not do);
- **prompt build per keystroke** on that 50,000-line file, a character typed at the middle line
  and then the completion prompt built (the snapshot is taken once and reused): main's
  `prompt.py` with main's rules, against today's.

The texts are Python with a credential every 500 lines. Main's modules are read from git
(`git show main:…`), so the comparison needs a checkout with a `main` branch.

    python -m bench.scrub            # 200 runs each (~1 minute)
    python -m bench.scrub --quick    # 30 runs each
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import time
from functools import partial
from types import ModuleType

from bench.common import (
    ROOT,
    emit,
    fmt,
    machine,
    machine_line,
    synthetic_python,
    table,
    update_report,
)
from bench.overhead_measure import median_us
from grok_lsp.drift import EditLog
from grok_lsp.prompt import FileView, PromptBuilder
from grok_lsp.settings import PromptSettings

LINES = 50_000
SECRET_EVERY = 500
SECRETS = (
    'API_TOKEN = "ghp_0123456789abcdefghijABCDEFGHIJ456789"',
    "STRIPE = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'",
    'password = "correct horse battery"',
)


def from_main(name: str, path: str, replace: tuple[str, str] | None = None) -> ModuleType:
    """Main's version of a module of grok-lsp, loaded under `name`."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"main:{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if replace is not None:
        source = source.replace(*replace)
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    exec(compile(source, f"main:{path}", "exec"), module.__dict__)
    return module


def with_secrets(text: str) -> tuple[str, int]:
    lines = text.split("\n")
    for at in range(SECRET_EVERY // 2, len(lines), SECRET_EVERY):
        lines[at] = SECRETS[at // SECRET_EVERY % len(SECRETS)]
    joined = "\n".join(lines)
    return joined, len(joined) // 2


def keystroke_prompts(builder_class: type, text: str, offset: int, runs: int) -> float:
    """Median µs to build the completion prompt after each of `runs` keystrokes."""
    log = EditLog()
    builder = builder_class(PromptSettings())
    live = text
    samples = []
    for n in range(runs + 1):
        if n % 2:  # type a character at the cursor, then delete it
            live = live[:offset] + live[offset + 1 :]
            log.add((offset, offset + 1, offset))
        else:
            live = live[:offset] + "x" + live[offset:]
            log.add((offset, offset, offset + 1))
        view = FileView("file:///big.py", "big.py", "python", live, log.mark())
        started = time.perf_counter_ns()
        builder.completion(view, offset, [])
        if n:  # the first builds the snapshot
            samples.append((time.perf_counter_ns() - started) / 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    runs = 30 if parser.parse_args().quick else 200
    info = machine()
    old_redaction = from_main("main_redaction", "server/grok_lsp/redaction.py")
    old_prompt = from_main(
        "main_prompt",
        "server/grok_lsp/prompt.py",
        ("from grok_lsp.redaction import", "from main_redaction import"),
    )
    from grok_lsp import redaction

    text, offset = with_secrets(synthetic_python(LINES)[0])
    snapshot_chars = PromptSettings().budget_tokens * 3 * 6 // 10
    texts = {
        "keystroke tail (1 KB)": text[offset - 700 : offset + 300],
        f"snapshot window ({snapshot_chars:,} chars)": text[:snapshot_chars],
        f"whole file ({len(text) / 1e6:.1f} MB)": text,
    }
    redaction.scrub("warm up")  # gitleaks' rules are read at the first scrub
    rows = []
    for label, sample in texts.items():
        repeat = runs if len(sample) < 100_000 else max(runs // 20, 3)
        before = median_us(partial(old_redaction.scrub, sample), repeat)
        after = median_us(partial(redaction.scrub, sample), repeat)
        rows.append((f"scrub: {label}", before, after))
    before = keystroke_prompts(old_prompt.PromptBuilder, text, offset, runs)
    after = keystroke_prompts(PromptBuilder, text, offset, runs)
    rows.append((f"prompt build per keystroke ({LINES:,} lines)", before, after))
    for label, old, new in rows:
        emit("scrub", label, new, "us", before_us=old, ratio=new / old)
    body = "\n\n".join(
        [
            "## The credential scrub (`bench/scrub.py`)",
            f"{machine_line(info)}; median of {runs} runs (fewer for the whole file).",
            "main's rules (18 hand-written patterns) against today's (gitleaks' 220 rules, "
            "keyword-prefiltered, plus 14 of grok-lsp's own and the held keys), same texts, "
            "same run. Only the keystroke tail is scrubbed per keystroke; a snapshot window "
            "once per snapshot.",
            table(
                ["", "main (µs)", "today (µs)", "today / main"],
                [(label, fmt(old, 0), fmt(new, 0), fmt(new / old)) for label, old, new in rows],
            ),
        ]
    )
    update_report("scrub", body)


if __name__ == "__main__":
    main()
