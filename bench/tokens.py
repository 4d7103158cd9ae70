"""Characters per token, calibrated on the recorded xAI streams, for usage estimates.

xAI streams one token per delta (the recorded `completion_tokens: 1` answers are one delta
each), so the streamed deltas of `../shared/fixtures/xai-streams/*.jsonl` are real tokens with
their real text: content and `reasoning_content` alike (tool-call deltas carry a whole call and
are left out). Prints, side by side on the same deltas, what chars/3 (the old estimate) and
`grok_lsp.estimate.CHARS_PER_TOKEN` count, and writes the `tokens` section of
`bench/results/README.md`.

    python bench/tokens.py [--fixtures DIR]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from common import ROOT, emit, machine, machine_line, table, update_report
from grok_lsp.estimate import CHARS_PER_TOKEN

FIXTURES = ROOT.parent / "shared" / "fixtures" / "xai-streams"
OLD_CHARS_PER_TOKEN = 3


def token_texts(path: Path) -> list[str]:
    """The text of each streamed one-token delta of a recorded stream."""
    texts: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        for choice in json.loads(line).get("choices") or []:
            delta = choice.get("delta") or {}
            texts += [delta[k] for k in ("content", "reasoning_content") if delta.get(k)]
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fixtures", type=Path, default=FIXTURES)
    args = parser.parse_args()
    rows = []
    total_tokens = total_chars = 0
    for path in sorted(args.fixtures.glob("*.jsonl")):
        texts = token_texts(path)
        chars = sum(map(len, texts))
        total_tokens += len(texts)
        total_chars += chars
        rows.append((path.name, len(texts), chars))
    old = total_chars / OLD_CHARS_PER_TOKEN
    new = total_chars / CHARS_PER_TOKEN
    measured = total_chars / total_tokens
    emit("tokens", "chars_per_token", round(measured, 3), "chars")
    emit("tokens", "old_estimate_error", round(old / total_tokens - 1, 3), "ratio")
    emit("tokens", "new_estimate_error", round(new / total_tokens - 1, 3), "ratio")
    info = machine()
    body = "\n\n".join(
        [
            "## Token estimate (`bench/tokens.py`)",
            f"Machine: {machine_line(info)}. Fixtures: `{args.fixtures.name}/`, one token per "
            "streamed delta.",
            table(("stream", "tokens", "chars"), rows),
            table(
                ("estimate", "tokens counted", "error vs real"),
                [
                    ("real (deltas)", total_tokens, "-"),
                    (
                        f"chars/{OLD_CHARS_PER_TOKEN} (old)",
                        f"{old:.1f}",
                        f"{old / total_tokens - 1:+.0%}",
                    ),
                    (
                        f"chars/{CHARS_PER_TOKEN} (now)",
                        f"{new:.1f}",
                        f"{new / total_tokens - 1:+.0%}",
                    ),
                ],
            ),
            f"Measured: {measured:.2f} characters per token over {total_tokens} tokens.",
        ]
    )
    update_report("tokens", body)


if __name__ == "__main__":
    main()
