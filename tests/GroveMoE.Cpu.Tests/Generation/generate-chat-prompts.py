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
config_path = os.path.join(here, "../../../src/GroveMoE.Cpu.Conversion/Tokenization/Resources/qwen3-tokenizer_config.json.gz")
with gzip.open(config_path, "rt", encoding="utf-8") as f:
    template_text = json.load(f)["chat_template"]
env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = lambda x, **kw: json.dumps(x, ensure_ascii=False)
template = env.from_string(template_text)


def S(c): return {"role": "system", "content": c}
def U(c): return {"role": "user", "content": c}
def A(c): return {"role": "assistant", "content": c}
def T(c): return {"role": "tool", "content": c}
def Call(content, *calls, reasoning=None):
    m = {"role": "assistant", "content": content,
         "tool_calls": [{"id": f"call_{i}", "type": "function", "function": {"name": n, "arguments": a}} for i, (n, a) in enumerate(calls)]}
    if reasoning is not None: m["reasoning_content"] = reasoning
    return m


WEATHER = {"type": "function", "function": {"name": "get_weather", "description": "Weather in a city, now.",
           "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "e.g. Zürich \"ZH\""},
                          "unit": {"enum": ["c", "f"]}}, "required": ["city"]}}}
SEARCH = {"type": "function", "function": {"name": "search", "parameters": {"type": "object", "properties": {"q": {"type": "string"}, "n": {"type": "integer", "minimum": 1}}}}}


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

tool_conversations = [
    ([WEATHER], [U("Weather in Paris?")]),
    ([WEATHER, SEARCH], [S("You are terse."), U("Weather in Paris?")]),
    ([WEATHER], [U("Weather in Paris?"), Call("", ("get_weather", '{"city": "Paris"}')), T('{"temp": 21}')]),
    ([WEATHER, SEARCH], [S("sys"), U("Paris and Rome, and search news"),
                         Call("Let me check.", ("get_weather", '{"city": "Paris"}'), ("get_weather", '{"city":"Rome","unit":"c"}'), ("search", '{"q": "news"}')),
                         T("sunny"), T("rainy"), T("no news"), A("Paris is sunny, Rome rainy."), U("Thanks /no_think")]),
    ([WEATHER], [U("Weather?"), Call("<think>\nneed the city\n</think>\n\n", ("get_weather", '{"city": "Oslo"}')), T("cold")]),
    ([WEATHER], [U("Weather?"), Call("", ("get_weather", '{"city": "Oslo"}'), reasoning="kept apart"), T("cold"), A("It is cold."), U("And tomorrow?")]),
    (None, [U("no tools but a call"), Call("ok", ("get_weather", '{}')), T("x")]),
]


def effective_thinking(messages, enable_thinking):
    for m in reversed(messages):
        if m["role"] == "user":
            off, on = m["content"].rfind("/no_think"), m["content"].rfind("/think")
            return enable_thinking if off < 0 and on < 0 else on > off
    return enable_thinking


cases = []
for tools, messages in [(None, m) for m in conversations] + tool_conversations:
    for enable_thinking in (True, False):
        thinking = effective_thinking(messages, enable_thinking)
        prompt = template.render(messages=messages, tools=tools, add_generation_prompt=True, enable_thinking=thinking)
        case = {"messages": messages, "enable_thinking": enable_thinking, "prompt": prompt}
        if tools: case["tools"] = tools
        cases.append(case)

with open(os.path.join(here, "qwen3-chat-prompts.json"), "w", encoding="utf-8") as f:
    json.dump({"source": "Qwen3 tokenizer_config.json chat_template, jinja2", "cases": cases}, f, ensure_ascii=False, indent=1)
    f.write("\n")
print(f"wrote {len(cases)} cases")
