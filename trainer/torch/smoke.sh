#!/usr/bin/env bash
# Smoke test of the PyTorch backend with the tiny model (no download): the
# encoder and loss self-checks, then 20-step runs through the process protocol
# (GRPO message mode, GRPO+KL token mode, SFT, SFT resumed from its checkpoint,
# a bad request); every loss must decrease. Needs python3 with torch; uses the
# GPU if there is one (or pass --device cpu|cuda).
set -euo pipefail
here=$(dirname "$0")
python3 "$here/train.py" --selftest
python3 "$here/train.py" --smoke "$@"
