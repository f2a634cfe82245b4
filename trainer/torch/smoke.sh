#!/usr/bin/env bash
# Smoke test of the PyTorch backend with the tiny model (no download): the
# encoder and loss self-checks, then 20-step runs through the process protocol
# (GRPO message mode, GRPO+KL token mode, SFT, SFT resumed from its checkpoint,
# a bad request); every loss must decrease. Uses eigendata's Python environment
# ($EIGENDATA_PYTHON, else ./.venv, else python3 with torch); uses the GPU if
# there is one (or pass --device cpu|cuda).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
py=${EIGENDATA_PYTHON:-$here/../../.venv/bin/python}
[ -x "$py" ] || py=python3
"$py" "$here/train.py" --selftest
"$py" "$here/train.py" --smoke "$@"
