#!/usr/bin/env python3
"""Load driver for bench/serve/batch-throughput.sh: the same requests against any OpenAI-compatible server.

Streams /v1/completions (a raw prompt, so both servers see the same tokens; each prompt starts with a distinct
number, so no server can reuse a cached prefix), greedy, and prints one JSON object:
  single_tps     completion tokens / wall time of one stream alone (median of --repeat)
  aggregate_tps  completion tokens of N concurrent streams / wall time from sending them to the last one's end
  decode_*       the same counting only after each stream's first token (prompt processing left out)
  ttft_idle_s    median time to first token on an idle server
  ttft_busy_s    median time to first token of a request sent while N-1 others are streaming
Every request has a timeout; a failed request is an error (exit 1), never a hang.
Usage: load.py BASE_URL [--streams 4] [--tokens 64] [--repeat 3]
"""
import argparse, json, statistics, sys, threading, time, urllib.request

PROMPT = ("{n}. The grove at the edge of the valley has oaks, beeches and a slow brown river. "
          "Describe a walk through it in the morning, the light, the sounds and the smell of the leaves:")
counter = 0
lock = threading.Lock()


def next_prompt():
    global counter
    with lock:
        counter += 1
        return PROMPT.format(n=counter)


def stream(base, tokens, timeout=300, first_event=None):
    """One streamed completion; returns (ttft, total, completion_tokens, time of first token, end time)."""
    body = json.dumps({"prompt": next_prompt(), "max_tokens": tokens, "temperature": 0, "stream": True,
                       "ignore_eos": True, "stream_options": {"include_usage": True}}).encode()
    request = urllib.request.Request(base + "/v1/completions", body, {"Content-Type": "application/json"})
    start = time.monotonic()
    first = None
    used = pieces = 0
    with urllib.request.urlopen(request, timeout=timeout) as response:
        for raw in response:
            line = raw.decode().strip()
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            if chunk.get("usage"):
                used = chunk["usage"]["completion_tokens"]
            if chunk.get("choices") and chunk["choices"][0].get("text"):
                pieces += 1
                if first is None:
                    first = time.monotonic()
                    if first_event is not None:
                        first_event.set()
    end = time.monotonic()
    if first is None:
        raise RuntimeError("a stream ended without any text")
    return first - start, end - start, used or pieces, first, end


def concurrent(base, n, tokens):
    results, errors = [None] * n, []

    def run(i):
        try:
            results[i] = stream(base, tokens)
        except Exception as e:  # reported below; a failed stream fails the measurement
            errors.append(e)

    start = time.monotonic()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads: t.start()
    for t in threads: t.join()
    if errors:
        raise errors[0]
    end = max(r[4] for r in results)
    total = sum(r[2] for r in results)
    first = min(r[3] for r in results)
    return total / (end - start), (total - n) / (end - first)


def busy_ttft(base, n, tokens):
    """TTFT of one request sent once n-1 background streams (twice as long) all produce tokens."""
    started = [threading.Event() for _ in range(n - 1)]
    errors = []

    def background(i):
        try:
            stream(base, 2 * tokens, first_event=started[i])
        except Exception as e:
            errors.append(e)
            started[i].set()

    threads = [threading.Thread(target=background, args=(i,)) for i in range(n - 1)]
    for t in threads: t.start()
    for e in started: e.wait(300)
    time.sleep(0.3)
    ttft = stream(base, 4)[0]
    for t in threads: t.join()
    if errors:
        raise errors[0]
    return ttft


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("--streams", type=int, default=4)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3)
    a = parser.parse_args()
    stream(a.base, 8)  # warm-up: first-call costs stay out of the figures
    singles = [stream(a.base, a.tokens) for _ in range(a.repeat)]
    together = [concurrent(a.base, a.streams, a.tokens) for _ in range(a.repeat)]
    idle = [stream(a.base, 4)[0] for _ in range(a.repeat)]
    busy = [busy_ttft(a.base, a.streams, a.tokens) for _ in range(a.repeat)]
    median = statistics.median
    out = {
        "single_tps": median(s[2] / s[1] for s in singles),
        "decode_single_tps": median((s[2] - 1) / (s[1] - s[0]) for s in singles),
        "aggregate_tps": median(t[0] for t in together),
        "decode_aggregate_tps": median(t[1] for t in together),
        "ttft_idle_s": median(idle),
        "ttft_busy_s": median(busy),
        "aggregate_range": [min(t[0] for t in together), max(t[0] for t in together)],
        "ttft_busy_range": [min(busy), max(busy)],
    }
    print(json.dumps({k: [round(x, 3) for x in v] if isinstance(v, list) else round(v, 3) for k, v in out.items()}))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
