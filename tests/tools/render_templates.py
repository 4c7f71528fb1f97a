#!/usr/bin/env python3
"""Test oracle: renders chat templates with Python's Jinja2 exactly as Hugging Face does.

Usage: render_templates.py CONVERSATIONS.json TEMPLATE.jinja... > results.json
CONVERSATIONS.json: [{"messages": [...], "add_generation_prompt": bool, "thinking": bool (optional),
                      "tools": [...] (optional, OpenAI's function definitions)}, ...]
Output: {"<template file name>": ["<rendered text>" or {"error": "..."} per conversation]}
"""
import json
import sys
from datetime import datetime

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment


class GenerationTracker(Extension):
    """Hugging Face's {% generation %} tag: renders its body unchanged."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.Scope(body).set_lineno(lineno)


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def with_parsed_arguments(messages):
    """OpenAI sends a tool call's arguments as a JSON string; templates get the object (as llama.cpp
    and Hearth pass them), so `arguments | tojson` prints the arguments."""
    out = []
    for m in messages:
        m = dict(m)
        if m.get("content") is None and "tool_calls" in m:
            m["content"] = ""
        if isinstance(m.get("tool_calls"), list):
            calls = []
            for call in m["tool_calls"]:
                call = json.loads(json.dumps(call))
                fn = call.get("function")
                if isinstance(fn, dict) and isinstance(fn.get("arguments"), str):
                    try:
                        fn["arguments"] = json.loads(fn["arguments"])
                    except ValueError:
                        pass
                calls.append(call)
            m["tool_calls"] = calls
        out.append(m)
    return out


def main():
    conversations = json.load(open(sys.argv[1], encoding="utf-8"))
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[GenerationTracker, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    results = {}
    for path in sys.argv[2:]:
        name = path.rsplit("/", 1)[-1]
        source = open(path, encoding="utf-8").read()
        outputs = []
        try:
            template = env.from_string(source)
        except Exception as e:  # a template Python cannot parse
            results[name] = [{"error": "parse: " + str(e)}] * len(conversations)
            continue
        for c in conversations:
            try:
                switch = {"enable_thinking": c["thinking"], "thinking": c["thinking"]} if "thinking" in c else {}
                # gpt-oss's Harmony template: Hearth's Think switch is its reasoning effort (on high, off low).
                if "thinking" in c and "<|channel|>" in source and "reasoning_effort" in source:
                    switch["reasoning_effort"] = "high" if c["thinking"] else "low"
                if "tools" in c:
                    switch["tools"] = c["tools"]
                outputs.append(template.render(messages=with_parsed_arguments(c["messages"]),
                                               add_generation_prompt=c["add_generation_prompt"],
                                               bos_token="<s>", eos_token="</s>", **switch))
            except Exception as e:
                outputs.append({"error": str(e)})
        results[name] = outputs
    json.dump(results, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
