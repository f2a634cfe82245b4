#!/usr/bin/env python3
"""eigendata's reference trainer backend (PyTorch), behind the process protocol
of trainer/protocol: it reads the request JSON named by its last argument, runs
GRPO (clipped surrogate, token-level loss aggregation, optional KL to the base
policy) or SFT (cross-entropy on the trained-on tokens) on the batch, prints JSON
lines {"event": "progress"|"checkpoint"|"done"|"error", ...} and writes the new
checkpoint into output_dir.

Models: hyperparameters.model == "tiny" builds a small randomly initialised
causal transformer in plain torch (no download), tokenising text bytewise; that
is what the smoke test uses. Any other value is loaded with
transformers.AutoModelForCausalLM / AutoTokenizer if that library is present.

Batch lines (trainer/grpo.Sample): token mode uses token_ids, loss_mask,
old_logprobs and advantage; message mode renders messages into text (the
tokenizer's chat template when there is one) and trains on the assistant turns.
"""
import json
import math
import os
import random
import sys


def emit(**event):
    print(json.dumps(event), flush=True)


def main():
    req = json.load(open(sys.argv[-1]))
    try:
        import torch
    except ImportError as e:  # the protocol's error event, then a non-zero exit
        emit(event="error", message=f"PyTorch is not installed: {e}")
        sys.exit(1)
    hp = req.get("hyperparameters") or {}
    seed = int(req.get("seed") or 0)
    random.seed(seed)
    torch.manual_seed(seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    samples = [json.loads(l) for l in open(req["batch"]) if l.strip()]
    model, encode = build_model(torch, hp, req.get("base_checkpoint") or "", device)
    ref = None
    kl_coef = float(hp.get("kl_coef", 0.0))
    if kl_coef > 0:
        ref, _ = build_model(torch, hp, req.get("base_checkpoint") or "", device)
        ref.eval()
    opt = torch.optim.AdamW(model.parameters(), lr=float(hp.get("lr", 1e-4)))
    steps = int(hp.get("steps", 1))
    clip = float(hp.get("clip", 0.4))
    batch = [to_tensors(torch, s, encode, device) for s in samples]
    old = None
    if req["mode"] == "grpo":
        # Old log-probs: from the endpoint when given, else from the policy
        # before the update (on-policy: ratio 1 at the first step).
        with torch.no_grad():
            old = [b["old"] if b["old"] is not None else token_logprobs(model, b["ids"]) for b in batch]
    last = None
    for step in range(1, steps + 1):
        opt.zero_grad()
        total_tokens = sum(float(b["mask"].sum()) for b in batch) or 1.0
        loss = 0.0
        for i, b in enumerate(batch):
            lp = token_logprobs(model, b["ids"])
            mask = b["mask"]
            if req["mode"] == "sft":
                per_token = -lp
            else:
                ratio = torch.exp(lp - old[i])
                adv = torch.full_like(lp, float(b["adv"]))
                surrogate = torch.minimum(ratio * adv, torch.clamp(ratio, 1 - clip, 1 + clip) * adv)
                per_token = -surrogate
                if ref is not None:
                    with torch.no_grad():
                        ref_lp = token_logprobs(ref, b["ids"])
                    # k3 estimator of KL(pi || ref), as in GRPO
                    per_token = per_token + kl_coef * (torch.exp(ref_lp - lp) - (ref_lp - lp) - 1)
            # token-level aggregation ("token-mean" over the whole batch)
            loss = loss + (per_token * mask).sum() / total_tokens
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), float(hp.get("max_grad_norm", 1.0)))
        opt.step()
        last = float(loss.detach())
        emit(event="progress", step=step, loss=last)
    os.makedirs(req["output_dir"], exist_ok=True)
    path = os.path.join(req["output_dir"], "model.pt")
    torch.save(model.state_dict(), path)
    emit(event="checkpoint", path=path)
    emit(event="done", checkpoint=path, metrics={"final_loss": last if last is not None else math.nan})


def to_tensors(torch, s, encode, device):
    if s.get("token_ids"):
        ids = torch.tensor(s["token_ids"], device=device)
        mask = torch.tensor(s["loss_mask"], dtype=torch.float32, device=device)[1:]
        old = torch.tensor(s["old_logprobs"], device=device)[1:] if s.get("old_logprobs") else None
    else:
        ids_list, mask_list = encode(s.get("messages") or [])
        ids = torch.tensor(ids_list, device=device)
        mask = torch.tensor(mask_list, dtype=torch.float32, device=device)[1:]
        old = None
    return {"ids": ids, "mask": mask, "old": old, "adv": s.get("advantage", 0.0)}


def token_logprobs(model, ids):
    """Log-probability of each token given the ones before it (len(ids) - 1 values)."""
    logits = model(ids[None, :-1])
    if hasattr(logits, "logits"):
        logits = logits.logits
    logp = logits.log_softmax(-1)[0]
    return logp.gather(-1, ids[1:, None])[:, 0]


def build_model(torch, hp, base, device):
    name = hp.get("model", "tiny")
    if name == "tiny":
        model = TinyLM(torch, vocab=256, dim=int(hp.get("dim", 64)), layers=int(hp.get("layers", 2)), ctx=int(hp.get("ctx", 512)))
        if base and os.path.exists(os.path.join(base, "model.pt")):
            model.load_state_dict(torch.load(os.path.join(base, "model.pt"), map_location="cpu"))
        return model.to(device), byte_encoder(int(hp.get("ctx", 512)))
    from transformers import AutoModelForCausalLM, AutoTokenizer  # optional dependency
    src = base or name
    tok = AutoTokenizer.from_pretrained(src)
    model = AutoModelForCausalLM.from_pretrained(src).to(device)
    return model, chat_encoder(tok)


def byte_encoder(ctx):
    def encode(messages):
        ids, mask = [0], [0]
        for m in messages:
            text = f"<{m.get('role')}>{m.get('content') or json.dumps(m.get('tool_calls') or '')}\n".encode()[: ctx // 4]
            ids += list(text)
            mask += [1 if m.get("role") == "assistant" else 0] * len(text)
        return ids[:ctx], mask[:ctx]
    return encode


def chat_encoder(tok):
    def encode(messages):
        ids, mask = [], []
        for m in messages:
            piece = tok.apply_chat_template([m], tokenize=True) if getattr(tok, "chat_template", None) else tok.encode(str(m.get("content") or ""))
            ids += piece
            mask += [1 if m.get("role") == "assistant" else 0] * len(piece)
        return ids, mask
    return encode


def TinyLM(torch, vocab, dim, layers, ctx):
    nn = torch.nn

    class Tiny(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(vocab, dim)
            self.pos = nn.Embedding(ctx, dim)
            layer = nn.TransformerEncoderLayer(dim, nhead=4, dim_feedforward=4 * dim, batch_first=True, dropout=0.0)
            self.body = nn.TransformerEncoder(layer, num_layers=layers)
            self.head = nn.Linear(dim, vocab)

        def forward(self, x):
            n = x.shape[1]
            h = self.emb(x) + self.pos(torch.arange(n, device=x.device))[None]
            causal = torch.triu(torch.full((n, n), float("-inf"), device=x.device), diagonal=1)
            return self.head(self.body(h, mask=causal))

    return Tiny()


if __name__ == "__main__":
    main()
