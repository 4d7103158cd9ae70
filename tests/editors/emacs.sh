#!/usr/bin/env bash
# Real Emacs (Debian's emacs-nox 28 with elpa-eglot 1.9, elpa-lsp-mode 8.0, elpa-company,
# elpa-yasnippet) against grok-lsp and the bundled emulator, each session `emacs --batch` with
# the README's Emacs block for its client loaded as the user's init file (emacs_e2e.el drives
# it; batch mode shows no UI, so the prompt that picks an action and eglot's "Server wants to
# edit" question are answered by replacing `completing-read' and `y-or-n-p').
#
#   eglot (+ yasnippet, so eglot asks for snippets): a line completed after an emoji, a block
#     whose `return` is dedented, "Grok: fix this line", "Grok: add a docstring" on a selection;
#     then a fix while the model takes 11 s (eglot gives a command 10 s), and a declined edit.
#   lsp-mode with ruff server beside grok-lsp: the line after an emoji and the block through
#     completion-at-point (Emacs 28's default) and through company, and "Grok: fix" on ruff's
#     own F401 diagnostic.
# This script checks what Emacs printed and the file it wrote. Needs apt-get and root the
# first time (the packages are installed once, idempotently); run by `./dev test`; alone:
# `bash tests/editors/emacs.sh`.
set -euo pipefail

script=emacs.sh
# shellcheck source=tests/editors/harness.bash
source "$(dirname "${BASH_SOURCE[0]}")/harness.bash"
packages=(emacs-nox elpa-eglot elpa-lsp-mode elpa-company elpa-yasnippet)

# --- Debian's Emacs and packages, installed once -------------------------------------------
apt_install "${packages[@]}" || fail "needs Debian's ${packages[*]}: run as root with apt-get"

# --- the emulator, with the text it should make Emacs write --------------------------------
start_emulator
export XAI_API_KEY=xai-emacs-test-key

emulator_post() { # ROUTE JSON
  "$python" - "http://127.0.0.1:$port/emulator/$1" "$2" <<'EOF'
import sys, urllib.request
request = urllib.request.Request(sys.argv[1], sys.argv[2].encode(), {"Content-Type": "application/json"})
urllib.request.urlopen(request, timeout=10).read()
EOF
}

# The file: an unused import (ruff's F401), a `== None` to fix, a function whose body is the
# block to complete (its `return` dedented below the loop), and the line being typed, with an
# emoji before the cursor: a client counting it wrongly lands a character off.
typed_before='banner = "日本語 😀 " + greet("' # then the word being typed
word=wor
suggestion='world", punctuation="!") + " costs $0 {free}"'
head='def total(prices: list[float]) -> float:'
body=('    result = 0.0' '    for price in prices:' '        result += price' '    return result')
demo() { # BODY... : the file, with the given body of `total` and the given last line
  local last=$1
  shift
  printf '%s\n' 'import os' '' '' 'def greet(name: str, punctuation: str = ".") -> str:' \
    '    return f"Hello, {name}{punctuation}"' '' '' 'def check(x):' '    if x == None:' \
    '        return 1' '    return 0' '' '' "$head" "$@" '' '' "$last"
}
demo "$typed_before$word" >"$work/before.py"
demo "$typed_before$suggestion" "${body[@]}" >"$work/oracle.py"
emulator_post oracle "$("$python" -c 'import json, sys; print(json.dumps({"texts": [open(sys.argv[1], encoding="utf-8").read()]}))' "$work/oracle.py")"

# --- the README's blocks -------------------------------------------------------------------
readme_block() { # MARK: the elisp block after `<!-- tests/editors/emacs.sh loads MARK -->`
  awk -v mark="<!-- tests/editors/emacs.sh loads $1 -->" '
       index($0, mark) { marked = 1; next }
       marked && /^```elisp$/ { inside = 1; next }
       inside && /^```$/ { exit }
       inside { print }' "$repo/README.md"
}

# `grok-lsp` on PATH, as the README's blocks start it, logging what it does to its stderr
# (which the Emacs script prints on failure).
mkdir -p "$work/bin"
printf '#!/bin/sh\nexec %q --log-level INFO "$@"\n' "$server" >"$work/bin/grok-lsp"
chmod +x "$work/bin/grok-lsp"

# --- one Emacs session ---------------------------------------------------------------------
ran=()
run_emacs() { # NAME CLIENT STEPS EXTRA_INIT [FILE]
  local name=$1 client=$2 steps=$3 extra=$4 file=${5:-$work/before.py}
  local dir=$work/$name
  mkdir -p "$dir/home/project"
  git -C "$dir/home/project" init -q # the project root both clients look for
  cp "$file" "$dir/home/project/demo.py"
  readme_block "the $client block" >"$dir/init.el"
  [ -s "$dir/init.el" ] || fail "README.md has no marked elisp block for $client"
  printf '%s\n' "$extra" >>"$dir/init.el"
  echo "emacs.sh: --- $name: $(emacs --version | head -n1), $client: $steps ---" >&2
  local status=0 run_started
  run_started=$(date +%s%N)
  # `timeout` leads a process group of its own: Emacs and the servers it starts, from PATH
  # as a user's would be.
  HOME=$dir/home PATH=$work/bin:$repo/.venv/bin:$PATH GROK_CLIENT=$client GROK_STEPS=$steps \
    GROK_CONFIG=$dir/init.el GROK_FILE=$dir/home/project/demo.py \
    in_group timeout -k 5 240 emacs --batch -q -l "$here/emacs_e2e.el" \
    </dev/null >"$dir/out.txt" 2>"$dir/err.txt" || status=$?
  grep '^emacs: ' "$dir/out.txt" >&2 || true
  check "Emacs exited with $status" test "$status" -eq 0
  check "Emacs did not finish its steps" grep -qx 'emacs: done' "$dir/out.txt"
  cp "$dir/home/project/demo.py" "$dir/written.py"
  ran+=("$name")
  echo "emacs.sh: $name passed in $((($(date +%s%N) - run_started) / 1000000)) ms" >&2
}

said() { # NAME LINE: Emacs printed exactly "emacs: LINE"
  grep -qxF "emacs: $2" "$work/$1/out.txt" || {
    echo "emacs.sh: $1 printed:" >&2
    cat "$work/$1/out.txt" >&2
    fail "$1 did not print: $2"
  }
}

completed_line="$typed_before$suggestion"
check_block() { # NAME HOW
  said "$1" "block after accepting ($2): $head"
  local line
  for line in "${body[@]}"; do said "$1" "block after accepting ($2): $line"; done
}

# eglot, with yasnippet on: it then says it takes snippets, and would expand them with it.
run_emacs eglot eglot "line block fix-line refactor" "(require 'yasnippet) (yas-global-mode 1)"
said eglot "connected: eglot"
said eglot "line after accepting (capf): $completed_line"
check_block eglot capf
said eglot "code action offered: Grok: fix this line"
said eglot "line 9 after the code action:     if x is None:"
said eglot "line 14 after the code action: $head"
said eglot 'line 15 after the code action:     """Total."""'

# A model slower than eglot's 10 s for a command: the command returns at once, a message
# says the edit is coming, the edit follows. Then a declined edit is said so.
emulator_post config '{"ttftMs": 11000}'
run_emacs eglot-slow eglot "slow" ""
emulator_post config '{"ttftMs": 0}'
# (On main eglot gives up on the command after 10 s: `jsonrpc-error ... "Timed out"`.)
first=$(grep -m1 -E '^emacs: (command returned|asked:)' "$work/eglot-slow/out.txt" || true)
case $first in "emacs: command returned"*) ;; *) fail "eglot-slow: the command did not return before the edit came" ;; esac
said eglot-slow "asking message: t"
said eglot-slow "line 9 after the code action:     if x is None:"
waited=$(sed -n 's/^emacs: edit after \([0-9]*\) s$/\1/p' "$work/eglot-slow/out.txt")
[ "${waited:-0}" -ge 11 ] || fail "eglot-slow: the edit came before the model's 11 s were up"
run_emacs eglot-decline eglot "decline" ""
said eglot-decline "asked: [eglot] Server wants to edit: -> nil"
said eglot-decline "line 9 after the code action:     if x == None:"
grep -q '^emacs: declined message: .*did not apply the edit (User cancelled server edit)' \
  "$work/eglot-decline/out.txt" || fail "eglot-decline: no message for the declined edit"

# lsp-mode with ruff server beside grok-lsp (an add-on server, as the README registers it).
ruff_client="(setq lsp-auto-guess-root t) (lsp-register-client (make-lsp-client :new-connection (lsp-stdio-connection '(\"ruff\" \"server\")) :activation-fn (lsp-activate-on \"python\") :server-id 'ruff-server))"
run_emacs lsp-mode lsp-mode "line block" "$ruff_client"
said lsp-mode "servers: grok-lsp ruff-server"
said lsp-mode "line after accepting (capf): $completed_line"
check_block lsp-mode capf
# Ruff reports nothing but the syntax error in a file being typed: the whole file, for the fix.
run_emacs lsp-mode-ruff lsp-mode "fix-ruff" "$ruff_client" "$work/oracle.py"
said lsp-mode-ruff 'code action offered: Grok: fix — `os` imported but unused'
said lsp-mode-ruff 'line 1 after the code action: '
run_emacs lsp-mode-company lsp-mode "line-company block-company" "$ruff_client"
said lsp-mode-company "line after accepting (company): $completed_line"
check_block lsp-mode-company company

echo "emacs.sh: ran ${ran[*]}" >&2
