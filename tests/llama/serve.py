"""llama-cpp-python's OpenAI-compatible server with Gemma 3's strict chat template.

Run by the interpreter `setup.sh` installs (`$CACHE/llama-VERSION/bin/python serve.py ARGS`):
registers `gemma3.jinja` (beside this file) as the chat format `gemma3-strict`, then starts
`python -m llama_cpp.server ARGS`. The base model has no template of its own; this one raises
on two user turns in a row, as the instruction-tuned model's does.
"""

from __future__ import annotations

from pathlib import Path

from llama_cpp import llama_chat_format  # type: ignore[import-not-found]
from llama_cpp.server.__main__ import main  # type: ignore[import-not-found]

TEMPLATE = Path(__file__).with_name("gemma3.jinja").read_text(encoding="utf-8")

if __name__ == "__main__":
    formatter = llama_chat_format.Jinja2ChatFormatter(
        template=TEMPLATE, eos_token="<eos>", bos_token="<bos>", add_generation_prompt=True
    )
    registry = llama_chat_format.LlamaChatCompletionHandlerRegistry()
    registry.register_chat_completion_handler("gemma3-strict", formatter.to_chat_handler())
    main()
