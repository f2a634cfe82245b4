"""Unit tests of the model server's chat format (no model needed):
python -m pytest infra/modelserver (run by modelserver_test.go)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pytest  # noqa: E402

import server  # noqa: E402

TOOLS = [{"type": "function", "function": {"name": "get_user_details", "description": "Get a user",
                                           "parameters": {"type": "object", "properties": {"user_id": {"type": "string"}},
                                                          "required": ["user_id"]}}}]


def test_render_roles_and_generation_prompt():
    text = server.render([{"role": "system", "content": "S"}, {"role": "user", "content": "U"},
                          {"role": "assistant", "content": "A"}])
    assert text == ("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n"
                    "<|im_start|>assistant\nA<|im_end|>\n<|im_start|>assistant\n")


def test_render_tools_in_system_message():
    text = server.render([{"role": "system", "content": "S"}, {"role": "user", "content": "U"}], TOOLS)
    sys_part = text.split("<|im_end|>")[0]
    assert "# Tools" in sys_part and '"name": "get_user_details"' in sys_part
    # A conversation without a system message gets one to carry the tools.
    text = server.render([{"role": "user", "content": "U"}], TOOLS)
    assert text.startswith("<|im_start|>system\n") and "get_user_details" in text.split("<|im_end|>")[0]


def test_render_tool_call_and_result_round_trip():
    msgs = [{"role": "user", "content": "U"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "get_user_details", "arguments": '{"user_id": "u1"}'}}]},
            {"role": "tool", "tool_call_id": "c1", "content": '{"name": "Mia"}'}]
    text = server.render(msgs, TOOLS)
    assert '<|im_start|>assistant\n<tool_call>{"name": "get_user_details", "arguments": {"user_id": "u1"}}</tool_call><|im_end|>' in text
    assert '<|im_start|>tool\n{"name": "Mia"}<|im_end|>' in text
    # What the model writes parses back to the same call.
    content, calls = server.parse_reply('<tool_call>{"name": "get_user_details", "arguments": {"user_id": "u1"}}</tool_call>')
    assert content == "" and calls[0]["function"]["name"] == "get_user_details"
    assert json.loads(calls[0]["function"]["arguments"]) == {"user_id": "u1"}


def test_render_keeps_malformed_arguments_verbatim():
    msgs = [{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "{user_id: u1"}}]}]
    assert '<tool_call>{"name": "f", "arguments": {user_id: u1}</tool_call>' in server.render(msgs, add_generation_prompt=False)


@pytest.mark.parametrize("reply,content,names,args", [
    ("Hello there", "Hello there", [], []),
    ("", "", [], []),
    ('<tool_call>{"name": "a", "arguments": {"x": 1}}</tool_call>', "", ["a"], ['{"x": 1}']),
    ('<tool_call>{"name": "a", "arguments": {}}</tool_call>\n<tool_call>{"name": "b", "arguments": {"y": "z"}}</tool_call>',
     "", ["a", "b"], ["{}", '{"y": "z"}']),
    # Malformed JSON with a readable name: a call whose arguments are the raw text.
    ('<tool_call>{"name": "a", "arguments": {x: 1}}</tool_call>', "", ["a"], ["{x: 1}"]),
    # Unterminated block: still a call.
    ('<tool_call>{"name": "a", "arguments": {"x": 1}}', "", ["a"], ['{"x": 1}']),
    # No readable name: the reply is a message, as written.
    ("<tool_call>garbage</tool_call>", "<tool_call>garbage</tool_call>", [], []),
    # Arguments given as a JSON string stay that string.
    ('<tool_call>{"name": "a", "arguments": "x=1"}</tool_call>', "", ["a"], ["x=1"]),
])
def test_parse_reply(reply, content, names, args):
    got_content, calls = server.parse_reply(reply)
    assert got_content == content
    assert [c["function"]["name"] for c in calls] == names
    assert [c["function"]["arguments"] for c in calls] == args
    assert all(c["id"].startswith("call_") and c["type"] == "function" for c in calls)


@pytest.mark.parametrize("req,want", [
    ({}, None),
    ({"response_format": {"type": "text"}}, None),
    ({"response_format": {"type": "json_object"}}, ("json_schema", {"type": "object"})),
    ({"response_format": {"type": "json_schema", "json_schema": {"name": "n", "schema": {"type": "array"}}}},
     ("json_schema", {"type": "array"})),
])
def test_constraint_of(req, want):
    assert server.constraint_of(req, []) == want


def test_constraint_of_tools_and_errors():
    kind, specs = server.constraint_of({}, TOOLS)
    assert kind == "tools" and specs[0]["name"] == "get_user_details"
    assert server.constraint_of({"tool_choice": "none"}, TOOLS) is None
    with pytest.raises(server.BadRequest):
        server.constraint_of({"response_format": {"type": "xml"}}, [])
    with pytest.raises(server.BadRequest):
        server.constraint_of({"response_format": {"type": "json_schema", "json_schema": {}}}, [])


class FakeBackend(server.Backend):
    """Tokens are characters; the reply is scripted."""

    name = "fake"
    n_ctx = 2000

    def __init__(self, reply):
        self.reply = reply
        self.seen = None

    def tokenize(self, text):
        return [ord(c) for c in text]

    def generate(self, prompt_ids, max_tokens, temperature, top_p, seed, constraint, want_logprobs):
        self.seen = dict(max_tokens=max_tokens, temperature=temperature, seed=seed)
        ids = [ord(c) for c in self.reply][:max_tokens]
        return server.Generation(ids, self.reply[:max_tokens], [-0.5] * len(ids) if want_logprobs else None,
                                 "stop" if len(ids) == len(self.reply) else "length")


def test_complete_response_shape():
    b = FakeBackend('<tool_call>{"name": "get_user_details", "arguments": {"user_id": "u1"}}</tool_call>')
    resp = server.complete(b, {"messages": [{"role": "user", "content": "hi"}], "tools": TOOLS, "max_tokens": 1500,
                               "temperature": 0, "seed": 3, "return_token_ids": True, "logprobs": True})
    choice = resp["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None and choice["message"]["tool_calls"][0]["function"]["name"] == "get_user_details"
    assert resp["prompt_token_ids"] == b.tokenize(server.render([{"role": "user", "content": "hi"}], TOOLS))
    assert len(choice["token_ids"]) == len(choice["logprobs"]["content"]) == resp["usage"]["completion_tokens"]
    assert b.seen["temperature"] == 0 and b.seen["seed"] == 3


def test_complete_context_limit_and_bad_requests():
    b = FakeBackend("ok")
    with pytest.raises(server.BadRequest) as e:
        server.complete(b, {"messages": [{"role": "user", "content": "x" * 5000}]})
    assert e.value.code == "context_length_exceeded"
    for bad in ({}, {"messages": []}, {"messages": [{"role": "user", "content": "x"}], "stream": True}):
        with pytest.raises(server.BadRequest):
            server.complete(b, bad)
    # max_tokens is clipped to the room left in the context.
    server.complete(b, {"messages": [{"role": "user", "content": "x"}], "max_tokens": 10_000})
    assert b.seen["max_tokens"] <= b.n_ctx
