"""What some editors do that their capabilities do not say, recognised from `initialize`.

Each quirk is read from the editor's own source and was seen in it (tests/editors/emacs.sh);
each recognition is exact, so every other client keeps the behaviour LSP promises it:

- Eglot expands a snippet with yasnippet, which re-indents every line by the major mode's
  rules (a `return` after a loop lands inside it), and inserts a plain-text edit verbatim.
  Eglot names itself ("Eglot", "Emacs (eglot)") since Emacs 29; eglot 1.9 (Emacs 28) sends no
  `clientInfo` but always the empty `experimental` object no other client sends.
- lsp-mode names itself "emacs" (with Emacs's version, never its own):
  - Emacs 28's completion-at-point inserts an item's label and runs lsp-mode's exit function
    (the one that applies the `textEdit`) only after a second completion, so the label must be
    the whole text to insert;
  - with another server beside grok-lsp it sends `codeAction/resolve` to every server and
    fails on the merged answer, while it skips resolve for an action that has a command;
  - before 9.0 it advertised no `positionEncodings` yet counted columns in code points, not
    the UTF-16 units it agreed to; 9.0 lists "utf-32" first, which is what it counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types as t

LSP_MODE_NAME = "emacs"


@dataclass(frozen=True, slots=True)
class ClientQuirks:
    plain_text_items: bool = False  # snippets would be re-indented: send plain text
    label_is_insertion: bool = False  # the item's label is what goes in
    actions_need_command: bool = False  # resolve cannot be relied on: attach the command
    counts_code_points: bool = False  # says UTF-16, means code points


def quirks_of(params: t.InitializeParams) -> ClientQuirks:
    name = (params.client_info.name if params.client_info else "").strip().lower()
    capabilities = params.capabilities
    eglot = "eglot" in name or (params.client_info is None and capabilities.experimental == {})
    if eglot:
        return ClientQuirks(plain_text_items=True)
    if name == LSP_MODE_NAME:
        general = capabilities.general
        return ClientQuirks(
            plain_text_items=True,
            label_is_insertion=True,
            actions_need_command=True,
            counts_code_points=not (general and general.position_encodings),
        )
    return ClientQuirks()
