#!/usr/bin/env bash
# GPU check of eigendata's PyTorch side, for a machine with an NVIDIA GPU and the
# Python environment (bash infra/python/install.sh; PyPI's torch wheels carry CUDA):
#
#   bash trainer/torch/gpu_check.sh            # about a minute on one GPU
#   bash trainer/torch/gpu_check.sh --rl 10    # then the toy RL loop on the GPU (needs Go)
#
# 1. train.py's self-checks and the tiny model's smoke runs on cuda;
# 2. gpu_check.py: the policy backend samples a GRPO batch in bf16 on cuda, train.py
#    takes two GRPO steps (full fine-tuning, then LoRA) through the process protocol,
#    the backend loads each checkpoint (new weight version) and agrees with the
#    trainer's log-probs;
# 3. with --rl N: `eigendata rl toy --device cuda --iterations N` (policy server and
#    trainer on the GPU, NVML's GPU as the gpu pool's slot).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
py=${EIGENDATA_PYTHON:-$root/.venv/bin/python}
cd "$root"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
echo "== train.py --selftest and --smoke on cuda"
"$py" trainer/torch/train.py --selftest >/dev/null
"$py" trainer/torch/train.py --smoke --device cuda | tail -1
echo "== gpu_check.py (policy backend + train.py on cuda, bf16)"
"$py" trainer/torch/gpu_check.py --device cuda
if [ "${1:-}" = "--rl" ]; then
  echo "== eigendata rl toy --device cuda --iterations ${2:-10}"
  CGO_CFLAGS='-O2 -g -Wno-deprecated-declarations' go run ./cmd/eigendata rl toy --device cuda --iterations "${2:-10}" --ui-port -1
fi
