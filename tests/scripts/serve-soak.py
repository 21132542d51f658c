#!/usr/bin/env python3
"""Soak test of an OpenAI-compatible server on loopback: CLIENTS threads for SECONDS (or until REQUESTS requests),
mixing good streaming and plain requests, bad JSON, oversized bodies, disconnects mid-stream and cancellations.
Good requests must succeed with a well-formed stream ([DONE] last, one id, the usage's token count); bad JSON must get
400 and an oversized body 413 (or the connection closed before the body is sent); nothing may get a 500; afterwards
no sequence may still be active (a client that left frees its sequence). Prints status counts, p50/p99 latency of good
requests and the server's resident memory every 10 s.
usage: serve-soak.py BASE KEY PID [SECONDS=60] [CLIENTS=16] [TOKENS=16] [REQUESTS=100000] [MAX_BODY=65536]"""
import collections, http.client, json, random, socket, sys, threading, time

base, key, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
seconds, clients, tokens, limit, max_body = (int(a) for a in (sys.argv[4:9] + ["60", "16", "16", "100000", "65536"][len(sys.argv) - 4:]))
host, port = base.split("//")[1].split(":")
port = int(port)
lock = threading.Lock()
counts, failures, latencies, rss = collections.Counter(), [], [], []
deadline = time.time() + seconds
started = 0

def rss_mib():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"): return int(line.split()[1]) // 1024
    return 0

def post(body, read=True, timeout=300):
    c = http.client.HTTPConnection(host, port, timeout=timeout)
    c.request("POST", "/v1/chat/completions", body, {"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    r = c.getresponse()
    return c, r, (r.read() if read else None)

def chat(text, stream):
    return json.dumps({"messages": [{"role": "user", "content": text}], "max_tokens": tokens, "temperature": 0, "stream": stream,
                       "stream_options": {"include_usage": True} if stream else None} if stream else
                      {"messages": [{"role": "user", "content": text}], "max_tokens": tokens, "temperature": 0})

def good_stream(n):
    t = time.time(); c, r, body = post(chat(f"soak {n}", True))
    if r.status != 200: return f"status {r.status}", None
    events = [e[6:] for e in body.decode().split("\n\n") if e.startswith("data: ")]
    if not events or events[-1] != "[DONE]": return "no [DONE]", None
    chunks = [json.loads(e) for e in events[:-1]]
    if len({ch["id"] for ch in chunks}) != 1: return "ids differ", None
    usage = [ch["usage"] for ch in chunks if ch.get("usage")]
    finish = [ch["choices"][0]["finish_reason"] for ch in chunks if ch["choices"] and ch["choices"][0].get("finish_reason")]
    if len(usage) != 1 or len(finish) != 1: return "usage or finish missing", None
    if finish[0] == "length" and usage[0]["completion_tokens"] != tokens: return "token count", None
    return None, time.time() - t

def good_plain(n):
    t = time.time(); c, r, body = post(chat(f"plain {n}", False))
    if r.status != 200: return f"status {r.status}", None
    answer = json.loads(body)
    if answer["choices"][0]["finish_reason"] not in ("stop", "length"): return "finish", None
    return None, time.time() - t

def metric(name):
    c = http.client.HTTPConnection(host, port, timeout=30)
    c.request("GET", "/metrics")
    for line in c.getresponse().read().decode().splitlines():
        if line.startswith(name + " "): return float(line.split()[1])
    return None

def expect(status, body):
    c, r, _ = post(body)
    return r.status

def disconnect(n, cancel_after):
    c = http.client.HTTPConnection(host, port, timeout=60)
    c.request("POST", "/v1/chat/completions", json.dumps({"messages": [{"role": "user", "content": f"leave {n}"}], "max_tokens": 2000, "stream": True}),
              {"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    r = c.getresponse()
    if cancel_after: r.read(200)
    c.sock.shutdown(socket.SHUT_RDWR); c.close()
    return r.status

def client(index):
    global started
    rnd = random.Random(index)
    while time.time() < deadline:
        with lock:
            if started >= limit: return
            started += 1; n = started
        kind = rnd.choices(["stream", "plain", "badjson", "oversized", "disconnect", "cancel"], [40, 20, 10, 10, 10, 10])[0]
        try:
            if kind in ("stream", "plain"):
                error, seconds_taken = (good_stream if kind == "stream" else good_plain)(n)
                with lock:
                    if error: failures.append(f"{kind} {n}: {error}")
                    if seconds_taken: latencies.append(seconds_taken)
                    counts[f"{kind} {'ok' if not error else error}"] += 1
            elif kind in ("badjson", "oversized"):
                wanted = 400 if kind == "badjson" else 413
                s = expect(wanted, '{"messages": [' if kind == "badjson" else chat("x" * (max_body + 1024), False))
                with lock:
                    counts[f"{kind} {s}"] += 1
                    if s != wanted: failures.append(f"{kind} {n}: status {s}, not {wanted}")
            else:
                s = disconnect(n, kind == "cancel")
                with lock: counts[f"{kind} {s}"] += 1
        except Exception as e:  # a broken connection on a request that should succeed is a failure
            with lock:
                counts[f"{kind} exception"] += 1
                if kind in ("stream", "plain", "badjson"): failures.append(f"{kind} {n}: {e!r}")

threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
for t in threads: t.start()
start = time.time()
while any(t.is_alive() for t in threads):
    rss.append((round(time.time() - start), rss_mib()))
    for _ in range(100):
        if not any(t.is_alive() for t in threads): break
        time.sleep(0.1)
rss.append((round(time.time() - start), rss_mib()))
active = None
for _ in range(50):  # the scheduler retires a job that lost its client at its next step
    active = metric("grove_active_sequences")
    if active == 0: break
    time.sleep(0.1)
if active != 0: failures.append(f"{active} sequences still active after the clients stopped")
latencies.sort()
pct = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else 0
print("counts:", dict(sorted(counts.items())))
print(f"good requests: {len(latencies)}, p50 {pct(0.5):.2f}s, p99 {pct(0.99):.2f}s")
print("RSS MiB by second:", " ".join(f"{t}:{m}" for t, m in rss))
five_hundreds = sum(v for k, v in counts.items() if k.endswith(" 500") or k.endswith("status 500"))
print(f"failed good requests: {len(failures)}, 500s: {five_hundreds}")
for f in failures[:20]: print("  ", f)
sys.exit(1 if failures or five_hundreds else 0)
