"""Characters per token, calibrated on the recorded xAI streams, for usage estimates.

xAI streams one token per delta (the recorded `completion_tokens: 1` answers are one delta
each), so the streamed deltas of `../shared/fixtures/xai-streams/*.jsonl` are real tokens with
their real text: content and `reasoning_content` alike (tool-call deltas carry a whole call and
are left out). Prints, side by side on the same deltas, what chars/3 (the old estimate) and
`grok_lsp.estimate.CHARS_PER_TOKEN` count, and writes the `tokens` section of
`bench/results/README.md`.

With `--count-url` (llama-cpp-python's `/extras/tokenize/count`, e.g. the server that
`tests/llama/setup.sh` installs), it also counts real completion prompts, as grok-lsp builds
them for this repository's own modules, with that server's tokenizer (Gemma 3's: not Grok's,
a second reference, on code rather than prose).

    python -m bench.tokens [--fixtures DIR] [--count-url URL]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import httpx

from bench.common import ROOT, emit, machine, machine_line, table, update_report
from grok_lsp.estimate import CHARS_PER_TOKEN
from grok_lsp.prompt import FileView, PromptBuilder
from grok_lsp.settings import PromptSettings

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


def stream_rows(fixtures: Path) -> list[tuple[str, int, int]]:
    """(stream, tokens, chars) of each recorded stream."""
    rows = []
    for path in sorted(fixtures.glob("*.jsonl")):
        texts = token_texts(path)
        rows.append((path.name, len(texts), sum(map(len, texts))))
    return rows


def prompt_rows(count_url: str) -> list[tuple[str, int, int]]:
    """(module, tokens, chars) of a completion prompt for the middle of each module."""
    rows = []
    for path in sorted((ROOT / "server" / "grok_lsp").glob("*.py"))[:12]:
        text = path.read_text(encoding="utf-8")
        view = FileView(path.as_uri(), path.name, "python", text)
        messages = PromptBuilder(PromptSettings()).completion(view, len(text) // 2, [])
        prompt = "".join(message["content"] for message in messages)
        count = httpx.post(count_url, json={"input": prompt}, timeout=120).json()["count"]
        rows.append((path.name, int(count), len(prompt)))
    return rows


def compared(name: str, rows: list[tuple[str, int, int]]) -> str:
    """The rows, then what each estimate counts for their total, side by side."""
    tokens, chars = sum(row[1] for row in rows), sum(row[2] for row in rows)
    old, new = chars / OLD_CHARS_PER_TOKEN, chars / CHARS_PER_TOKEN
    emit("tokens", f"{name}_chars_per_token", round(chars / tokens, 3), "chars")
    emit("tokens", f"{name}_old_estimate_error", round(old / tokens - 1, 3), "ratio")
    emit("tokens", f"{name}_new_estimate_error", round(new / tokens - 1, 3), "ratio")
    estimates = [
        ("real", str(tokens), "-"),
        (f"chars/{OLD_CHARS_PER_TOKEN} (old)", f"{old:.1f}", f"{old / tokens - 1:+.0%}"),
        (f"chars/{CHARS_PER_TOKEN} (now)", f"{new:.1f}", f"{new / tokens - 1:+.0%}"),
    ]
    return "\n\n".join(
        [
            table((name, "tokens", "chars"), rows),
            table(("estimate", "tokens", "error"), estimates),
            f"{chars / tokens:.2f} characters per token over {tokens} tokens.",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fixtures", type=Path, default=FIXTURES)
    parser.add_argument("--count-url", help="a llama-cpp-python /extras/tokenize/count URL")
    args = parser.parse_args()
    parts = [
        "## Token estimate (`bench/tokens.py`)",
        f"Machine: {machine_line(machine())}.",
        f"Recorded xAI streams (`{args.fixtures.name}/`), one token per streamed delta:",
        compared("stream", stream_rows(args.fixtures)),
    ]
    if args.count_url:
        parts += [
            "Completion prompts for this repository's modules, counted by Gemma 3's tokenizer "
            "(llama-cpp-python's `/extras/tokenize/count`):",
            compared("prompt", prompt_rows(args.count_url)),
        ]
    update_report("tokens", "\n\n".join(parts))


if __name__ == "__main__":
    main()
