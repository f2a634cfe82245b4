#!/usr/bin/env python3
"""One short check of the PyTorch side on a device (trainer/torch/gpu_check.sh runs it).

    python3 trainer/torch/gpu_check.py [--device cuda|cpu] [--dtype bfloat16|float32]

On the device: the policy backend (bf16 on cuda by default) samples a GRPO batch of the
toy "count" questions with log-probs; train.py runs two GRPO steps on it through the
process protocol, once with full fine-tuning (the GPU default) and once with LoRA; the
backend loads each checkpoint (the weight version bumps) and its log-probs change; the
trainer's log-probs under the new weights match the server's (a looser tolerance in
bf16). Prints one JSON line per stage and a summary; exits non-zero on a failure.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from types import SimpleNamespace

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "infra", "modelserver"))

import torch  # noqa: E402

import policy_backend  # noqa: E402
import server  # noqa: E402
import train  # noqa: E402

QUESTIONS = ["How many legs does a spider have?", "How many days are in a week?",
             "How many sides does a triangle have?", "What is 2 + 2?"]


def report(stage, **fields):
    fields["stage"] = stage
    print(json.dumps(fields), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--dtype", default="")
    p.add_argument("--group", type=int, default=8)
    args = p.parse_args()
    dtype = args.dtype or ("bfloat16" if args.device == "cuda" else "float32")
    tol = 5e-2 if dtype == "bfloat16" else 2e-4  # bf16 rounding differs between cached and full forwards
    failures = []
    if args.device == "cuda":
        if not torch.cuda.is_available():
            report("device", ok=False, problem="torch sees no CUDA device")
            return 1
        report("device", ok=True, name=torch.cuda.get_device_name(0), torch=torch.__version__, cuda=torch.version.cuda)
    os.environ["EIGENDATA_POLICY_DTYPE"] = dtype
    t0 = time.time()
    b = policy_backend.TorchBackend(SimpleNamespace(model="smollm2", name="", device=args.device, lora=""))
    report("policy backend", ok=True, seconds=round(time.time() - t0, 2), device=str(b.device), dtype=str(b.dtype))

    prompts, gens = [], []
    reqs = []
    for q in QUESTIONS:
        ids = b.tokenize(server.render([{"role": "system", "content": "Answer with a number only."}, {"role": "user", "content": q}]))
        for g in range(args.group):
            reqs.append((ids, 1000 * len(reqs) + g))
    out = [None] * len(reqs)

    def one(i):
        out[i] = b.generate(reqs[i][0], 16, 1.0, 1.0, reqs[i][1], None, True)

    t0 = time.time()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(reqs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    gen_s = time.time() - t0
    for (ids, _), g in zip(reqs, out):
        prompts.append(ids)
        gens.append(g)
    toks = sum(len(g.ids) for g in gens)
    report("sampling", ok=True, rollouts=len(gens), tokens=toks, seconds=round(gen_s, 2), tokens_per_second=round(toks / gen_s, 1))

    d = tempfile.mkdtemp(prefix="eigendata-gpu-check-")
    batch = os.path.join(d, "batch.jsonl")
    with open(batch, "w") as f:
        for i, (p_ids, g) in enumerate(zip(prompts, gens)):
            adv = 1.0 if i % 2 == 0 else -1.0
            f.write(json.dumps({"task_id": f"q{i // args.group}", "group": i // args.group, "reward": float(adv > 0), "advantage": adv,
                                "token_ids": p_ids + g.ids, "loss_mask": [0] * len(p_ids) + [1] * len(g.ids),
                                "old_logprobs": [0.0] * len(p_ids) + list(g.logprobs)}) + "\n")

    probe_prompt, probe = prompts[0], gens[0].ids
    meta = {"pad_id": b.pad_id}

    def lp_of(model):
        item = {"ids": probe_prompt + probe, "mask": [0] * (len(probe_prompt) - 1) + [1] * len(probe), "old": None, "adv": 0.0}
        with torch.no_grad():
            return [x for _, xs in train.Forward(torch, model, meta, b.device, 1.0, 8).chunks([item]) for x in xs][0].float().cpu()

    for finetune, lr in (("full", 1e-5), ("lora", 1e-3)):
        out_dir = os.path.join(d, finetune)
        os.makedirs(out_dir)
        req = {"mode": "grpo", "batch": batch, "output_dir": out_dir, "seed": 1,
               "hyperparameters": {"model": "smollm2", "device": args.device, "dtype": dtype, "finetune": finetune,
                                   "lr": lr, "steps": 2, "clip": 0.4, "temperature": 1.0, "save_optimizer": finetune == "lora"}}
        path = os.path.join(out_dir, "request.json")
        with open(path, "w") as f:
            json.dump(req, f)
        t0 = time.time()
        proc = subprocess.run([sys.executable, os.path.join(HERE, "train.py"), path], capture_output=True, text=True)
        events = [json.loads(x) for x in proc.stdout.splitlines() if x.startswith("{")]
        done = [e for e in events if e.get("event") == "done"]
        losses = [e["loss"] for e in events if e.get("event") == "progress"]
        if proc.returncode != 0 or not done:
            report(f"train {finetune}", ok=False, exit=proc.returncode, stderr=proc.stderr[-1500:])
            failures.append(f"train {finetune}")
            continue
        report(f"train {finetune}", ok=True, seconds=round(time.time() - t0, 2), losses=losses, metrics=done[0]["metrics"])
        before = lp_of(b.model)
        version = b.load_weights(out_dir, f"gpu-check/{finetune}")
        after = lp_of(b.model)
        changed = float((after - before).abs().max())
        g = b.generate(prompts[1], 16, 1.0, 1.0, 7, None, True)
        model, _, _, tmeta = train.build_model(torch, req["hyperparameters"], out_dir, b.device)
        model.eval()
        item = {"ids": prompts[1] + g.ids, "mask": [0] * (len(prompts[1]) - 1) + [1] * len(g.ids), "old": None, "adv": 0.0}
        with torch.no_grad():
            tlp = [x for _, xs in train.Forward(torch, model, tmeta, b.device, 1.0, 8).chunks([item]) for x in xs][0].float().cpu()
        agree = float((tlp - torch.tensor(g.logprobs)).abs().max())
        ok = changed > 1e-3 and agree < tol and g.weight_version == version
        report(f"serve {finetune}", ok=ok, weight_version=version, logprob_change=changed, server_vs_trainer=agree, tolerance=tol)
        if not ok:
            failures.append(f"serve {finetune}")
        del model
    report("summary", ok=not failures, failures=failures, dir=d)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
