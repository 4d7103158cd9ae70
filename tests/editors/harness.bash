# Sourced by the editor e2e scripts (tests/editors/*.sh; this file is not one of them): the
# paths, a work folder removed on exit, process groups killed on exit, `fail`, and the
# emulator on a free loopback port. Set `script` (the script's name) before sourcing it.
# shellcheck shell=bash

started=$(date +%s%N)
here=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
python=$repo/.venv/bin/python
server=$repo/.venv/bin/grok-lsp
work=$(mktemp -d "${TMPDIR:-/tmp}/grok-${script%.sh}.XXXXXX")
groups=() # process groups we started (each `timeout` leads one), killed on exit
emulator_pid=

elapsed() {
  local ns=$(($(date +%s%N) - started))
  printf '%d.%01d s' $((ns / 1000000000)) $((ns / 100000000 % 10))
}

cleanup() {
  local status=$?
  for group in "${groups[@]}"; do
    kill -- "-$group" 2>/dev/null || true
  done
  if [ -n "$emulator_pid" ]; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  if [ "$status" -eq 0 ]; then
    echo "$script: passed in $(elapsed)" >&2
  else
    echo "$script: FAILED (exit $status) after $(elapsed)" >&2
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "$script: FAIL: $*" >&2
  exit 1
}

[ -x "$server" ] || fail "$server is missing: run ./dev test (it creates .venv)"

start_emulator() {
  # The emulator, instant; sets `port` and points grok-lsp at it through the environment.
  port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$server" emulator --port "$port" --ttft-ms 0 --tps 0 --reasoning-tokens 0 \
    >"$work/emulator.log" 2>&1 &
  emulator_pid=$!
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    kill -0 "$emulator_pid" 2>/dev/null || { cat "$work/emulator.log" >&2; fail "the emulator exited"; }
    sleep 0.1
  done
  export GROK_LSP_BASE_URL=http://127.0.0.1:$port/v1
}

apt_install() { # PACKAGE...: Debian's packages, installed once; returns 1 without apt-get as root
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null || [ "$(id -u)" != 0 ]; then
    echo "$script: no apt-get as root here to install ${missing[*]}" >&2
    return 1
  fi
  echo "$script: installing Debian's ${missing[*]} ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq "${missing[@]}" >"$work/apt.log" 2>&1; then
    apt-get update -qq >>"$work/apt.log" 2>&1 || true
    apt-get install -y -qq "${missing[@]}" >>"$work/apt.log" 2>&1 || {
      cat "$work/apt.log" >&2
      fail "apt-get install ${missing[*]} failed"
    }
  fi
}

in_group() { # COMMAND...: run it in the background as a process group killed on exit; its status
  "$@" &
  local group=$!
  groups+=("$group")
  wait "$group"
}

check() { # WHAT COMMAND...: COMMAND must succeed, else what the caller's session (`name`, in
  # `dir`) printed is shown and the script fails with WHAT
  local what=$1
  shift
  "$@" >/dev/null 2>&1 && return 0
  echo "$script: $name: stdout:" >&2
  cat "$dir/out.txt" >&2
  echo "$script: $name: stderr (last lines):" >&2
  tail -n 40 "$dir/err.txt" >&2
  if [ -f "$dir/grok-lsp.log" ]; then
    echo "$script: $name: grok-lsp log (last lines):" >&2
    tail -n 40 "$dir/grok-lsp.log" >&2
  fi
  fail "$name: $what"
}
