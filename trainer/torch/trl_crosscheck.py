#!/usr/bin/env python3
"""Cross-check of eigendata's GRPO against TRL's GRPOTrainer (trl 1.16) on one batch.

    python3 trainer/torch/trl_crosscheck.py CASES.json    (prints one JSON line per case)

CASES.json (written by trainer/torch/torch_test.go) is {"cases": [CASE, ...]}, each

    {"name": "...",
     "groups": [[r, r, ...], ...],          rewards, one list per group (G each)
     "advantages": [[a, a, ...], ...],      trainer/grpo's advantages for them (Go)
     "scale_rewards": "group" | "none",     TRL's option the Go options correspond to
     "clip": 0.4, "kl_coef": 0.0, "temperature": 1.0, "seed": 1,
     "train_py": true}                      also run train.py on the batch as a subprocess

Everything on TRL's side is TRL's own code: a GRPOTrainer built on SmolLM2-135M with a
rollout_func that returns this batch's token ids (prompts of equal length, completions
ending in the end-of-turn token, right-padded) and a reward function that returns the
given rewards; GRPOTrainer._generate_and_score_completions computes the advantages
(scale_rewards, its 1e-4 epsilon), GRPOTrainer._compute_loss the loss (loss_type
"dapo": the sum over every completion token of the batch divided by their number,
which is train.py's token-mean; epsilon = clip; beta = kl_coef with the k3 estimator,
use_bias_correction_kl=False: TRL 1.16 defaults to weighting the KL by the ratio).
The old (sampling) log-probs are the policy's own, shifted per token by a fixed
pattern so that ratios leave the clip range; they are given to both sides, as are the
reference log-probs when kl_coef > 0.

Printed: TRL's advantages and the maximum difference from the given ones; TRL's loss
and train.py's (its Forward and grpo_token_loss in this process), their difference,
and the largest difference of the gradients over all weights; with train_py, the
first-step loss train.py reported through the process protocol.
"""
import json
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import torch  # noqa: E402

import hfmodel  # noqa: E402
import train  # noqa: E402


def build_batch(groups, seed, vocab, eos):
    """Deterministic token ids: one prompt of 12 tokens per group, completions of 3 to 9
    tokens ending in eos."""
    g = torch.Generator().manual_seed(seed)
    prompts, comps = [], []
    for gi, rewards in enumerate(groups):
        prompt = torch.randint(100, vocab, (12,), generator=g).tolist()
        for _ in rewards:
            n = int(torch.randint(2, 9, (1,), generator=g))
            comps.append(torch.randint(100, vocab, (n,), generator=g).tolist() + [eos])
            prompts.append(prompt)
    return prompts, comps


def shift_pattern(n):
    """Per-token log-ratio offsets in [-0.6, 0.6]: some ratios leave [1 - 0.4, 1 + 0.4]."""
    return [((i * 7) % 13 - 6) / 10.0 for i in range(n)]


def main(path):
    with open(path) as f:
        cases = json.load(f)["cases"]
    from transformers import AutoModelForCausalLM, AutoTokenizer
    src = hfmodel.resolve(hfmodel.SMOLLM2)
    tok = AutoTokenizer.from_pretrained(src)
    for case in cases:
        # A fresh model per case: GRPOTrainer patches the model it is given.
        model = AutoModelForCausalLM.from_pretrained(src, dtype=torch.float32)
        res = run_case(case, model, tok)
        res["name"] = case.get("name", "")
        print(json.dumps(res), flush=True)
    return 0


def run_case(case, model, tok):
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    groups = case["groups"]
    go_adv = [a for g in case["advantages"] for a in g]
    rewards = [float(r) for g in groups for r in g]
    G = len(groups[0])
    if any(len(g) != G for g in groups):
        raise SystemExit("every group needs the same size (TRL's num_generations)")
    clip, kl_coef, temp = float(case.get("clip", 0.4)), float(case.get("kl_coef", 0.0)), float(case.get("temperature", 1.0))
    seed = int(case.get("seed", 1))
    torch.manual_seed(seed)

    eos = tok.convert_tokens_to_ids("<|im_end|>")
    prompts, comps = build_batch(groups, seed, model.config.vocab_size, eos)
    n = len(comps)

    def rollout_func(prompts_in, trainer):
        return {"prompt_ids": prompts[: len(prompts_in)], "completion_ids": comps[: len(prompts_in)],
                "logprobs": [[0.0] * len(c) for c in comps[: len(prompts_in)]], "eig_index": list(range(len(prompts_in)))}

    def reward_func(prompts, completions, eig_index, **kw):
        return [rewards[i] for i in eig_index]

    out_dir = tempfile.mkdtemp(prefix="eigendata-trl-")
    args = GRPOConfig(output_dir=out_dir, per_device_train_batch_size=n, num_generations=G, max_completion_length=16,
                      loss_type="dapo", beta=kl_coef, epsilon=clip, scale_rewards=case.get("scale_rewards", "group"),
                      temperature=temp, report_to=[], use_cpu=True, bf16=False, logging_steps=1, shuffle_dataset=False,
                      gradient_accumulation_steps=1,
                      # TRL 1.16 multiplies the KL term by the importance ratio by default
                      # (DeepSeek-V3.2's unbiased estimator); train.py's KL is the plain k3
                      # of GRPO (DeepSeekMath), verl's low_var_kl.
                      use_bias_correction_kl=False)
    ds = Dataset.from_list([{"prompt": f"p{i}"} for i in range(len(groups))])
    trainer = GRPOTrainer(model=model, reward_funcs=reward_func, args=args, train_dataset=ds, processing_class=tok,
                          rollout_func=rollout_func)
    trainer.model.train()
    trainer.current_gradient_accumulation_steps = 1  # set by Trainer.training_step in a real run
    inputs = [{"prompt": f"p{i // G}"} for i in range(n)]
    batch = trainer._generate_and_score_completions(inputs)
    trl_adv = batch["advantages"].tolist()

    # The policy's own log-probs of the completions (train.py's Forward, temperature
    # scaled), then the old and reference log-probs derived from them.
    meta = {"pad_id": tok.pad_token_id if tok.pad_token_id is not None else 0}
    items = []
    for i in range(n):
        ids = prompts[i] + comps[i]
        mask = [0] * (len(prompts[i]) - 1) + [1] * len(comps[i])
        items.append({"ids": ids, "mask": mask, "old": None, "adv": go_adv[i]})
    fwd = train.Forward(torch, trainer.model, meta, torch.device("cpu"), temp, micro_batch=4)
    with torch.no_grad():
        cur = [lp for _, lps in fwd.chunks(items) for lp in lps]
    width = batch["completion_ids"].shape[1]
    old_pad = torch.zeros((n, width))
    ref_pad = torch.zeros((n, width))
    for i, it in enumerate(items):
        k = len(cur[i])
        old = cur[i] + torch.tensor(shift_pattern(k))
        ref = cur[i] - torch.tensor(shift_pattern(k)[::-1]) / 2
        it["old_t"], it["ref_t"] = old, ref
        old_pad[i, :k], ref_pad[i, :k] = old, ref
    batch["old_per_token_logps"] = old_pad
    if kl_coef > 0:
        batch["ref_per_token_logps"] = ref_pad

    # TRL's loss and gradients.
    params = [p for p in trainer.model.parameters() if p.requires_grad]
    trainer.model.zero_grad(set_to_none=True)
    trl_loss = trainer._compute_loss(trainer.model, batch)
    trl_loss.backward()
    trl_grads = [p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p) for p in params]

    # train.py's loss on the same batch, with the Go advantages (token-mean).
    trainer.model.zero_grad(set_to_none=True)
    total = float(sum(sum(it["mask"]) for it in items))
    ours = 0.0
    clipped = 0.0
    for chunk, lps in fwd.chunks(items):
        loss = 0.0
        for it, lp in zip(chunk, lps):
            per_token, ratio, _ = train.grpo_token_loss(torch, lp, it["old_t"], it["adv"], clip,
                                                       it["ref_t"] if kl_coef > 0 else None, kl_coef)
            clipped += float(((ratio < 1 - clip) | (ratio > 1 + clip)).float().sum())
            loss = loss + per_token.sum() / total
        loss.backward()
        ours += float(loss.detach())
    our_grads = [p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p) for p in params]
    grad_diff = max(float((a - b).abs().max()) for a, b in zip(trl_grads, our_grads))
    grad_scale = max(float(a.abs().max()) for a in trl_grads)

    res = {"trl_advantages": trl_adv, "advantages": go_adv,
           "adv_max_abs_diff": max(abs(a - b) for a, b in zip(trl_adv, go_adv)),
           "trl_loss": float(trl_loss.detach()), "loss": ours, "loss_abs_diff": abs(float(trl_loss.detach()) - ours),
           "grad_max_abs_diff": grad_diff, "grad_max_abs": grad_scale, "clip_fraction": clipped / total,
           "tokens": total, "samples": n}

    if case.get("train_py"):
        # The same batch through the process protocol: train.py's first-step loss.
        d = tempfile.mkdtemp(prefix="eigendata-trl-step-")
        with open(os.path.join(d, "batch.jsonl"), "w") as f:
            for i, it in enumerate(items):
                old = [0.0] * len(prompts[i]) + it["old_t"].tolist()
                f.write(json.dumps({"task_id": f"g{i // G}", "group": i // G, "reward": rewards[i], "advantage": go_adv[i],
                                    "token_ids": it["ids"], "loss_mask": [0] * len(prompts[i]) + [1] * len(comps[i]),
                                    "old_logprobs": old}) + "\n")
        req = {"mode": "grpo", "batch": os.path.join(d, "batch.jsonl"), "output_dir": os.path.join(d, "out"),
               "hyperparameters": {"model": "smollm2", "finetune": "full", "steps": 1, "lr": 1e-6, "clip": clip,
                                   "kl_coef": 0.0, "temperature": temp, "save_optimizer": False, "micro_batch": 3},
               "seed": seed}
        with open(os.path.join(d, "request.json"), "w") as f:
            json.dump(req, f)
        proc = subprocess.run([sys.executable, os.path.join(HERE, "train.py"), os.path.join(d, "request.json")],
                              capture_output=True, text=True)
        losses = []
        for line in proc.stdout.splitlines():
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if ev.get("event") == "progress":
                losses.append(ev["loss"])
        res["train_py_exit"] = proc.returncode
        res["train_py_loss"] = losses[0] if losses else None
        if proc.returncode != 0:
            res["train_py_stderr"] = proc.stderr[-2000:]
        if kl_coef == 0 and losses:
            res["train_py_loss_abs_diff"] = abs(losses[0] - res["trl_loss"])
    return res


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
