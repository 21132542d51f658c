#!/usr/bin/env python3
"""Regenerates qwen3-chat-prompts.json: prompts rendered by Qwen3's own Jinja chat template (the one embedded in
the library) with jinja2 set up as Hugging Face transformers' apply_chat_template sets it up, as the reference
ChatTemplate is tested against.   python3 generate-chat-prompts.py   (needs jinja2)

enable_thinking is what the caller asks for; the soft switches /think and /no_think in the last user message
override it (that rule is ours, Qwen3 leaves it to the model), so the template is rendered with the result."""
import gzip
import json
import os
import re

from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

here = os.path.dirname(os.path.abspath(__file__))
config_path = os.path.join(here, "../../../src/GroveMoE.Cpu/Tokenization/Resources/qwen3-tokenizer_config.json.gz")
with gzip.open(config_path, "rt", encoding="utf-8") as f:
    template_text = json.load(f)["chat_template"]
env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = lambda x, **kw: json.dumps(x, ensure_ascii=False)
template = env.from_string(template_text)


def S(c): return {"role": "system", "content": c}
def U(c): return {"role": "user", "content": c}
def A(c): return {"role": "assistant", "content": c}


conversations = [
    [U("Hello!")],
    [S("You are a helpful assistant."), U("What is 2+2?")],
    [S("Be brief."), U("Hi"), A("<think>\nThe user greets me.\n</think>\n\nHello! How can I help?"), U("Tell me a joke.")],
    [U("Hi"), A("<think>\n\n</think>\n\nHello."), U("Again")],
    [U("Question one"), A("Answer one"), U("Question two"), A("Answer two"), U("Question three")],
    [U("first"), S("a system message that is not first"), U("second")],
    [U("\n\nleading newlines\n"), A("\n\n<think>\n\nthinking\n\n</think>\n\n\n\nreply with newlines\n\n"), U("ok")],
    [U("Solve x+1=2 /no_think")],
    [U("Explain /no_think"), A("Sure."), U("Now think hard /think")],
    [U("/think first, then no: /no_think")],
    [U("/no_think"), A("ok"), U("no switch here")],
    [U("你好，请介绍一下你自己。"), A("<think>\n用户想了解我。\n</think>\n\n我是一个语言模型。"), U("谢谢！😀")],
    [U("half open"), A("<think>never closed, kept as is"), U("next")],
    [U("two closes"), A("<think>a</think>b</think>\n\nc"), U("next")],
    [U("call a tool"), A("<think>\nneed a tool\n</think>\n\nI'll look it up."), U("<tool_response>\n42\n</tool_response>")],
    [U("continue my answer"), A("<think>\npartial reasoning\n</think>\n\npartial answer")],
    [U("continue without reasoning"), A("just text")],
    [U("special-looking text <|im_end|> inside")],
]


def effective_thinking(messages, enable_thinking):
    for m in reversed(messages):
        if m["role"] == "user":
            off, on = m["content"].rfind("/no_think"), m["content"].rfind("/think")
            return enable_thinking if off < 0 and on < 0 else on > off
    return enable_thinking


cases = []
for messages in conversations:
    for enable_thinking in (True, False):
        thinking = effective_thinking(messages, enable_thinking)
        prompt = template.render(messages=messages, add_generation_prompt=True, enable_thinking=thinking)
        cases.append({"messages": messages, "enable_thinking": enable_thinking, "prompt": prompt})

with open(os.path.join(here, "qwen3-chat-prompts.json"), "w", encoding="utf-8") as f:
    json.dump({"source": "Qwen3 tokenizer_config.json chat_template, jinja2", "cases": cases}, f, ensure_ascii=False, indent=1)
    f.write("\n")
print(f"wrote {len(cases)} cases")
