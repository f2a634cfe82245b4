#!/usr/bin/env bash
# Smoke test of the PyTorch backend: 20 GRPO steps of a tiny random model on a
# fixed batch; the loss must decrease. Needs python3 with torch (GPU if any).
set -euo pipefail
dir=$(mktemp -d)
python3 - "$dir" <<'PY'
import json, sys
d = sys.argv[1]
with open(f"{d}/batch.jsonl", "w") as f:
    for i, (adv, text) in enumerate([(1.0, "I will cancel reservation ABC123 now."), (-1.0, "I cannot help you."),
                                     (1.0, "Your bag was added; the fee is 50."), (-1.0, "Error.")]):
        msgs = [{"role": "user", "content": "Please help me."}, {"role": "assistant", "content": text}]
        f.write(json.dumps({"task_id": f"t{i // 2}", "group": i // 2, "reward": max(adv, 0), "advantage": adv, "messages": msgs}) + "\n")
json.dump({"mode": "grpo", "batch": f"{d}/batch.jsonl", "output_dir": f"{d}/out",
           "hyperparameters": {"model": "tiny", "steps": 20, "lr": 3e-3, "clip": 0.4}, "seed": 1}, open(f"{d}/req.json", "w"))
PY
python3 "$(dirname "$0")/train.py" "$dir/req.json" | tee "$dir/events.jsonl"
python3 - "$dir/events.jsonl" <<'PY'
import json, sys
losses = [e["loss"] for e in map(json.loads, open(sys.argv[1])) if e.get("event") == "progress"]
print(f"first loss {losses[0]:.4f}, last loss {losses[-1]:.4f}")
assert len(losses) == 20 and losses[-1] < losses[0], "loss did not decrease"
PY
